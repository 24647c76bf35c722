// A loopback HTTP proxy in front of the test registry that injects faults on
// request: status codes with Retry-After, connection resets mid-body, slow
// bodies, corrupted bodies, and redirects of blob downloads to a second
// loopback host that serves blobs from the registry's storage folder and
// records every Authorization header it receives. Also: registry-style error answers (with or
// without the request reaching the registry), an action run just before a request is forwarded
// (e.g. make the registry forget a blob), and uploads held until the test lets go.

import * as http from 'node:http';
import * as https from 'node:https';
import { readFileSync, createReadStream, existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { AddressInfo } from 'node:net';

export type Fault =
  | { kind: 'status'; status: number; retryAfter?: string }
  | { kind: 'reset-mid-body' }
  | { kind: 'slow'; chunkBytes: number; delayMs: number }
  | { kind: 'corrupt' }
  | { kind: 'redirect-blob' }
  /** Answer an upload start with a Location on the second host, which forwards the upload. */
  | { kind: 'upload-elsewhere' }
  /** Forward half of the request body, then cut both connections (an upload interrupted mid-way). */
  | { kind: 'reset-request-mid-body' }
  /** Pass the response on with a Docker-Content-Digest header that names other content. */
  | { kind: 'wrong-digest-header' }
  /** Answer 400 with an error body that repeats the request's Authorization header (decoded too). */
  | { kind: 'echo-auth' }
  /** Serve the upstream tag list in pages of `n` after `last`, with Link headers (distribution 2.8 ignores n). */
  | { kind: 'paginate-tags' }
  /** Take the request and never answer (a registry or network that hangs): the client's timeout must fire. */
  | { kind: 'stall' }
  /**
   * Forward with the Authorization header replaced by a stale one, so the registry answers a real
   * 401 (a token that expired). Fires only on an Authorization value already used before.
   */
  | { kind: 'expired-token' }
  /**
   * Answer with a registry error body `{ errors: [{ code, message, detail }] }`. With
   * `afterForwarding`, the request reaches the registry first (its effect happens) and the
   * registry's answer is replaced: a request that worked but reports an error.
   */
  | { kind: 'registry-error'; status: number; code: string; message?: string; detail?: string; afterForwarding?: boolean }
  /** Run `action` (e.g. forgetBlob) once the request arrived, then forward it as it came. */
  | { kind: 'act-first'; action: (request: { method: string; path: string }) => Promise<void> }
  /** Hold the request (after its first body bytes, if any) until the test releases it (see HeldRequest). */
  | { kind: 'hold'; held: HeldRequest };

/**
 * A request the proxy holds, so that "the operation is still under way" is a state the test
 * controls rather than a matter of the machine's speed. `arrived` resolves when the request's
 * headers (and, for a request with a body, its first body bytes) reached the proxy; the proxy then
 * reads no more, so an upload stalls as on a saturated link. Only `release()` ends the hold: a
 * client that went away meanwhile (closed the connection) is dropped, one still waiting gets the
 * request forwarded as it came. `outcome` says which.
 */
export class HeldRequest {
  readonly arrived: Promise<void>;
  private markArrived!: () => void;
  private readonly released: Promise<void>;
  private markReleased!: () => void;
  private outcomeSeen: Promise<HoldOutcome> | undefined;

  constructor() {
    this.arrived = new Promise((resolve) => (this.markArrived = resolve));
    this.released = new Promise((resolve) => (this.markReleased = resolve));
  }

  release(): void {
    this.markReleased();
  }

  /** After release(): whether the client had gone away or was still waiting. */
  get outcome(): Promise<HoldOutcome> {
    return this.outcomeSeen ?? Promise.reject(new Error('no request was held'));
  }

  /** The proxy's side: hold the request until release(), then `forward` it with its body unless the client left. */
  hold(req: http.IncomingMessage, res: http.ServerResponse, forward: (body: Readable) => void): void {
    // A client that goes away mid-body is an expected case here, not a proxy failure.
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    let closed = false;
    res.on('close', () => (closed = true));
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    const chunks: Buffer[] = [];
    if (hasBody) {
      req.once('data', (chunk: Buffer) => {
        chunks.push(chunk);
        req.pause();
        this.markArrived();
      });
    } else this.markArrived();
    this.outcomeSeen = this.released
      .then(() => (hasBody ? drain(req, chunks) : closed ? 'client-gone' : 'client-waited'))
      .then((outcome) => {
        if (outcome === 'client-waited') forward(Readable.from(chunks));
        return outcome;
      });
  }
}

export type HoldOutcome = 'client-gone' | 'client-waited';

/** Reads the rest of a held body into `chunks`: it ends (the client waited) or the connection closes first. */
function drain(req: http.IncomingMessage, chunks: Buffer[]): Promise<HoldOutcome> {
  return new Promise((resolve) => {
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve('client-waited'));
    req.on('close', () => {
      if (!req.complete) resolve('client-gone');
    });
    req.resume();
  });
}

/**
 * Make the registry forget that `repository` has a blob, as it does for a moment while another
 * push rewrites the blob's link: 'unlink' removes the repository's link (HEAD answers 404, a
 * manifest naming the blob is refused with MANIFEST_BLOB_UNKNOWN), 'empty' leaves it empty (what
 * distribution's in-place rewrite shows between truncating and writing). The blob's data stays.
 */
export async function forgetBlob(dataDir: string, repository: string, digest: string, how: 'unlink' | 'empty'): Promise<void> {
  const link = join(dataDir, 'docker/registry/v2/repositories', repository, '_layers/sha256', digest.replace(/^sha256:/, ''), 'link');
  if (how === 'unlink') await rm(link);
  else await writeFile(link, '');
}

export interface FaultRule {
  method?: string;
  /** Matched against the request path (without query). */
  path: RegExp;
  fault: Fault;
  /** How many matching requests get the fault (default: every one). */
  times?: number;
}

export interface ProxyRequestRecord {
  method: string;
  path: string;
  /** The query string (tests only: real logs must never hold one). */
  query: string;
  fault?: Fault['kind'];
  at: number;
}

export interface RedirectHost {
  host: string;
  /** Authorization headers that arrived (should stay empty). */
  authorizationHeaders: string[];
  requests: Array<{ path: string; headers: http.IncomingHttpHeaders }>;
}

export interface FaultProxy {
  host: string;
  rules: FaultRule[];
  requests: ProxyRequestRecord[];
  redirectHost: RedirectHost;
  stop(): Promise<void>;
}

/** Answer one page of a tag listing from the full upstream list. */
function servePage(req: http.IncomingMessage, res: http.ServerResponse, up: http.IncomingMessage): void {
  const chunks: Buffer[] = [];
  up.on('data', (c: Buffer) => chunks.push(c));
  up.on('end', () => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { name: string; tags: string[] };
    const n = Number(url.searchParams.get('n') ?? 100);
    const last = url.searchParams.get('last');
    const all = [...body.tags].sort();
    const rest = last ? all.filter((t) => t > last) : all;
    const page = rest.slice(0, n);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (rest.length > n) headers['link'] = `<${url.pathname}?n=${n}&last=${encodeURIComponent(page[page.length - 1])}>; rel="next"`;
    res.writeHead(200, headers);
    res.end(JSON.stringify({ name: body.name, tags: page }));
  });
}

function answerRegistryError(res: http.ServerResponse, fault: Extract<Fault, { kind: 'registry-error' }>): void {
  res.writeHead(fault.status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ errors: [{ code: fault.code, message: fault.message ?? 'injected fault', detail: fault.detail }] }));
}

const listen = async (server: http.Server) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
};

const close = (server: http.Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

export async function startFaultProxy(options: { upstream: string; caFile?: string; dataDir: string }): Promise<FaultProxy> {
  const upstream = new URL(options.upstream);
  const ca = options.caFile ? readFileSync(options.caFile, 'utf8') : undefined;
  const rules: FaultRule[] = [];
  const requests: ProxyRequestRecord[] = [];
  const redirectHost: RedirectHost = { host: '', authorizationHeaders: [], requests: [] };

  const redirectServer = http.createServer((req, res) => {
    redirectHost.requests.push({ path: req.url ?? '', headers: req.headers });
    if (req.headers.authorization) redirectHost.authorizationHeaders.push(req.headers.authorization);
    if ((req.url ?? '').startsWith('/upload/')) {
      // Stands in for object storage taking an upload: passes it to the registry as it came.
      const headers = { ...req.headers };
      delete headers.host;
      const module = upstream.protocol === 'https:' ? https : http;
      const forward = module.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: (req.url ?? '').slice('/upload'.length), headers, ca }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      forward.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      req.pipe(forward);
      return;
    }
    const match = /^\/blobs\/sha256\/([a-f0-9]{64})/.exec(req.url ?? '');
    const file = match ? join(options.dataDir, 'docker/registry/v2/blobs/sha256', match[1].slice(0, 2), match[1], 'data') : '';
    if (!match || !existsSync(file)) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  redirectHost.host = await listen(redirectServer);

  const usedAuthorizations = new Set<string>();
  const pickFault = (method: string, path: string, authorization: string | undefined): Fault | undefined => {
    for (const rule of rules) {
      if (rule.method && rule.method !== method) continue;
      if (!rule.path.test(path)) continue;
      if (rule.fault.kind === 'expired-token' && !(authorization && usedAuthorizations.has(authorization))) continue;
      if (rule.times !== undefined) {
        if (rule.times <= 0) continue;
        rule.times--;
      }
      return rule.fault;
    }
    return undefined;
  };

  /**
   * Forward a request to the registry, applying the faults that act on the way there or back.
   * `body` replaces the request's own stream when the proxy has read it already (a held request).
   */
  const relay = (req: http.IncomingMessage, res: http.ServerResponse, fault: Fault | undefined, body: Readable = req): void => {
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0];
    const module = upstream.protocol === 'https:' ? https : http;
    const paginate = fault?.kind === 'paginate-tags';
    const forwardHeaders: http.OutgoingHttpHeaders = { ...req.headers, 'x-forwarded-proto': 'http' };
    if (fault?.kind === 'expired-token' && req.headers.authorization) {
      forwardHeaders.authorization = req.headers.authorization.startsWith('Basic ')
        ? `Basic ${Buffer.from('expired:expired').toString('base64')}`
        : 'Bearer expired.token.value';
    }
    const forward = module.request(
      { host: upstream.hostname, port: upstream.port, method, path: paginate ? path : req.url, headers: forwardHeaders, ca },
      (up) => {
        const headers = { ...up.headers };
        if (fault?.kind === 'registry-error') {
          up.resume();
          return void answerRegistryError(res, fault);
        }
        if (paginate && up.statusCode === 200) return void servePage(req, res, up);
        if (fault?.kind === 'upload-elsewhere' && headers['location']) {
          const target = new URL(String(headers['location']), `http://${host}`);
          headers['location'] = `http://${redirectHost.host}/upload${target.pathname}${target.search}`;
          res.writeHead(up.statusCode ?? 502, headers);
          return void up.pipe(res);
        }
        if (fault?.kind === 'wrong-digest-header' && headers['docker-content-digest']) headers['docker-content-digest'] = `sha256:${'0'.repeat(64)}`;
        if (fault?.kind === 'wrong-digest-header' || fault?.kind === 'reset-request-mid-body') {
          res.writeHead(up.statusCode ?? 502, headers);
          return void up.pipe(res);
        }
        if (fault?.kind === 'reset-mid-body' || fault?.kind === 'slow') delete headers['transfer-encoding'];
        res.writeHead(up.statusCode ?? 502, headers);
        if (!fault) return void up.pipe(res);
        const total = Number(up.headers['content-length'] ?? 0);
        let sent = 0;
        let first = true;
        // Slow writes are queued so that the end of the body waits for them.
        let queue = Promise.resolve();
        const gone = () => res.destroyed || res.writableEnded;
        res.on('close', () => up.destroy());
        up.on('data', (chunk: Buffer) => {
          if (fault.kind === 'corrupt' && first && chunk.length > 0) {
            chunk = Buffer.from(chunk);
            chunk[0] ^= 0xff;
          }
          first = false;
          if (fault.kind === 'reset-mid-body' && sent + chunk.length >= total / 2) {
            const socket = res.socket;
            const keep = Math.max(1, Math.floor(total / 2) - sent);
            sent = total;
            up.destroy();
            // Flush the first half so the client is inside the body when the connection dies.
            res.write(chunk.subarray(0, keep), () => setTimeout(() => socket?.destroy(), 20));
            return;
          }
          sent += chunk.length;
          if (fault.kind === 'slow') {
            up.pause();
            queue = queue.then(async () => {
              for (let offset = 0; offset < chunk.length && !gone(); offset += fault.chunkBytes) {
                res.write(chunk.subarray(offset, offset + fault.chunkBytes));
                await new Promise((r) => setTimeout(r, fault.delayMs));
              }
              up.resume();
            });
            return;
          }
          res.write(chunk);
        });
        up.on('end', () => void queue.then(() => res.end()));
      },
    );
    forward.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    if (fault?.kind === 'reset-request-mid-body') {
      const total = Number(req.headers['content-length'] ?? 0);
      let received = 0;
      req.on('data', (chunk: Buffer) => {
        if (received >= total / 2) return;
        const keep = chunk.subarray(0, Math.max(0, Math.ceil(total / 2) - received));
        received += chunk.length;
        forward.write(keep);
        if (received >= total / 2) {
          // Let the half reach the registry before both sides go away.
          setTimeout(() => {
            forward.destroy();
            req.socket.destroy();
          }, 50);
        }
      });
      return;
    }
    body.pipe(forward);
  };

  const server = http.createServer((req, res) => {
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0];
    const fault = pickFault(method, path, req.headers.authorization);
    if (req.headers.authorization) usedAuthorizations.add(req.headers.authorization);
    requests.push({ method, path, query: (req.url ?? '').slice(path.length), fault: fault?.kind, at: Date.now() });
    if (fault?.kind === 'status') {
      req.resume();
      res.writeHead(fault.status, { ...(fault.retryAfter ? { 'retry-after': fault.retryAfter } : {}), 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'TOOMANYREQUESTS', message: 'injected fault' }] }));
      return;
    }
    if (fault?.kind === 'echo-auth') {
      req.resume();
      const header = req.headers.authorization ?? '';
      const decoded = header.startsWith('Basic ') ? Buffer.from(header.slice(6), 'base64').toString('utf8') : '';
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'DENIED', message: `request carried ${header} (${decoded})` }] }));
      return;
    }
    if (fault?.kind === 'registry-error' && !fault.afterForwarding) {
      req.resume();
      return void answerRegistryError(res, fault);
    }
    if (fault?.kind === 'hold') return void fault.held.hold(req, res, (body) => relay(req, res, undefined, body));
    if (fault?.kind === 'act-first') {
      // The body waits in the request's buffer while the action runs.
      req.pause();
      fault.action({ method, path }).then(
        () => relay(req, res, undefined),
        (error: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`fault proxy action failed: ${String(error)}`);
        },
      );
      return;
    }
    if (fault?.kind === 'stall') {
      req.resume();
      return; // the socket stays open until the client gives up or the proxy stops
    }
    if (fault?.kind === 'redirect-blob') {
      req.resume();
      const digest = /\/blobs\/(sha256:[a-f0-9]{64})$/.exec(path)?.[1] ?? '';
      res.writeHead(307, { location: `http://${redirectHost.host}/blobs/${digest.replace(':', '/')}?X-Signature=secret-signature` });
      res.end();
      return;
    }
    relay(req, res, fault);
  });
  const host = await listen(server);
  return {
    host,
    rules,
    requests,
    redirectHost,
    stop: async () => {
      await close(server);
      await close(redirectServer);
    },
  };
}
