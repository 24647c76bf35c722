// HTTP transport for registry traffic: timeouts, bounded retries with backoff,
// HTTPS-first with plain HTTP only for loopback or user-marked hosts, and
// manually followed redirects that never carry credentials to another origin.
//
// Why node:http/node:https rather than the global fetch: Node 20's fetch has
// no way to add a CA bundle without the separate `undici` package (whose
// dispatcher must match the bundled undici version). With node:https one
// code path handles both cases: an Agent whose `ca` is the system roots plus
// the registry's extra CA file. Bodies stay Node streams, so blobs are
// streamed and hashed without buffering, and `signal` aborts every request.

import * as http from 'node:http';
import * as https from 'node:https';
import * as tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import type { LookupFunction } from 'node:net';
import { isLoopbackHost } from './reference';

export type RequestBody = Buffer | string | (() => Readable);

export interface TransportRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string | URL;
  headers?: Record<string, string>;
  /** A factory for streamed bodies so that a retry can send them again. */
  body?: RequestBody;
  signal: AbortSignal;
  /** Follow redirects (default true). */
  followRedirects?: boolean;
}

export interface TransportResponse {
  status: number;
  /** Lower-cased header names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The URL that produced this response, after redirects. */
  url: URL;
  body: Readable;
  text(limitBytes?: number): Promise<string>;
  buffer(limitBytes?: number): Promise<Buffer>;
  /** Drain and drop the body so the connection can be reused. */
  discard(): void;
}

export interface TransportOptions {
  /** Hosts (host or host:port) that may be reached over plain HTTP. */
  insecureHosts?: readonly string[];
  /** Extra CA certificates (PEM file path) per host, or '*' for every host. */
  caFiles?: Readonly<Record<string, string>>;
  /** Milliseconds without any byte from the server before giving up. */
  idleTimeoutMs?: number;
  /** Retries after the first attempt for 429/502/503/504 and connection failures (a 500 on a read: one). */
  maxRetries?: number;
  baseDelayMs?: number;
  /** Upper bound on any single wait, including a server's Retry-After. */
  maxDelayMs?: number;
  maxRedirects?: number;
  userAgent?: string;
  /** Name resolution override (split-horizon setups; tests give registry names to loopback servers). */
  lookup?: LookupFunction;
  /** Receives one line per request; never headers, never query strings. */
  log?: (line: string) => void;
}

export class TransportError extends Error {
  constructor(message: string, readonly code?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransportError';
  }
}

const RETRY_STATUSES = new Set([429, 502, 503, 504]);
// A 500 is usually a bug that persists, but the reference registry also answers 500 to a read of a
// tag while a push rewrites the tag's link file (its filesystem driver truncates before it writes).
// One more try of a read heals that race and costs one request when the 500 is real.
const READ_RETRY_STATUSES = new Set([500]);
const READ_METHODS = new Set(['GET', 'HEAD']);
const RETRY_ERROR_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'ERR_IDLE_TIMEOUT']);
const CERT_ERROR = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME|UNABLE_TO_GET_ISSUER/;
const DEFAULT_BODY_LIMIT = 4 * 1024 * 1024;

export class Transport {
  private readonly options: Required<Omit<TransportOptions, 'log' | 'caFiles' | 'insecureHosts' | 'lookup'>> & TransportOptions;
  private readonly schemeByHost = new Map<string, 'https:' | 'http:'>();
  private readonly agents = new Map<string, https.Agent>();
  private readonly httpAgent = new http.Agent({ keepAlive: true });

  constructor(options: TransportOptions = {}) {
    this.options = {
      idleTimeoutMs: 30_000,
      maxRetries: 4,
      baseDelayMs: 200,
      maxDelayMs: 10_000,
      maxRedirects: 5,
      userAgent: 'flux-oci',
      ...options,
    };
  }

  /** Plain HTTP is allowed only for loopback hosts and hosts the user marked insecure. */
  allowsPlainHttp(host: string): boolean {
    return isLoopbackHost(host) || (this.options.insecureHosts ?? []).includes(host);
  }

  /** Build an absolute URL for a registry host and path, using the scheme learnt for the host. */
  urlFor(host: string, pathAndQuery: string): URL {
    const scheme = this.schemeByHost.get(host) ?? 'https:';
    return new URL(`${scheme}//${host}${pathAndQuery}`);
  }

  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.httpAgent.destroy();
  }

  /**
   * Send a request with retries and redirects. A URL with https: on a host that
   * allows plain HTTP falls back to http: when the server does not speak TLS.
   */
  async request(request: TransportRequest): Promise<TransportResponse> {
    let url = new URL(request.url);
    const originalOrigin = url.origin;
    let method = request.method;
    let headers = { ...(request.headers ?? {}) };
    let body = request.body;
    for (let redirects = 0; ; redirects++) {
      const response = await this.requestWithRetries({ ...request, method, url, headers, body });
      const location = response.headers['location'];
      if (request.followRedirects === false || !location || ![301, 302, 303, 307, 308].includes(response.status)) {
        return response;
      }
      response.discard();
      if (redirects >= this.options.maxRedirects) {
        throw new TransportError(`too many redirects (more than ${this.options.maxRedirects}) starting at ${describeUrl(request.url)}`);
      }
      const next = new URL(location, url);
      if (next.protocol !== 'https:' && next.protocol !== 'http:') {
        throw new TransportError(`refusing to follow a redirect to the ${next.protocol} scheme`);
      }
      if (url.protocol === 'https:' && next.protocol === 'http:' && !this.allowsPlainHttp(next.host)) {
        throw new TransportError(`refusing to follow a redirect from HTTPS to plain HTTP (${describeUrl(next)})`);
      }
      if (next.origin !== originalOrigin) headers = withoutCredentials(headers);
      if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
        delete headers['content-type'];
        delete headers['content-length'];
      }
      url = next;
    }
  }

  private async requestWithRetries(request: TransportRequest & { url: URL; headers: Record<string, string> }): Promise<TransportResponse> {
    for (let attempt = 0; ; attempt++) {
      let response: TransportResponse;
      try {
        response = await this.requestOnce(request);
      } catch (error) {
        if (request.signal.aborted) throw abortReason(request.signal);
        const code = errorCode(error);
        // A refused connection rarely heals within seconds: one more try, not the full budget.
        const budget = code === 'ECONNREFUSED' ? Math.min(1, this.options.maxRetries) : this.options.maxRetries;
        if (attempt < budget && code !== undefined && RETRY_ERROR_CODES.has(code)) {
          await sleep(this.backoff(attempt), request.signal);
          continue;
        }
        throw error;
      }
      const retryable = RETRY_STATUSES.has(response.status) && attempt < this.options.maxRetries;
      const readRetryable = READ_RETRY_STATUSES.has(response.status) && READ_METHODS.has(request.method) && attempt < Math.min(1, this.options.maxRetries);
      if (retryable || readRetryable) {
        const wait = retryAfterMs(response.headers['retry-after']) ?? this.backoff(attempt);
        response.discard();
        this.options.log?.(`retrying ${request.method} ${describeUrl(request.url)} after ${response.status} in ${Math.min(wait, this.options.maxDelayMs)} ms`);
        await sleep(Math.min(wait, this.options.maxDelayMs), request.signal);
        continue;
      }
      return response;
    }
  }

  private backoff(attempt: number): number {
    const exponential = this.options.baseDelayMs * 2 ** attempt;
    const jitter = Math.random() * this.options.baseDelayMs;
    return Math.min(exponential + jitter, this.options.maxDelayMs);
  }

  private async requestOnce(request: TransportRequest & { url: URL; headers: Record<string, string> }): Promise<TransportResponse> {
    const host = request.url.host;
    const known = this.schemeByHost.get(host);
    let url = request.url;
    if (known === 'http:' && url.protocol === 'https:') url = withProtocol(url, 'http:');
    try {
      const response = await this.send({ ...request, url });
      if (url.protocol === 'https:' && known === undefined) this.schemeByHost.set(host, 'https:');
      return response;
    } catch (error) {
      if (request.signal.aborted) throw abortReason(request.signal);
      const code = errorCode(error) ?? '';
      const canFallBack = url.protocol === 'https:' && known === undefined && this.allowsPlainHttp(host) && !CERT_ERROR.test(code);
      if (!canFallBack) throw describeNetworkError(error, url);
      const plain = withProtocol(url, 'http:');
      let response: TransportResponse;
      try {
        response = await this.send({ ...request, url: plain });
      } catch (plainError) {
        if (request.signal.aborted) throw abortReason(request.signal);
        throw describeNetworkError(plainError, plain);
      }
      this.schemeByHost.set(host, 'http:');
      this.options.log?.(`${host} does not speak TLS; using plain HTTP (allowed for loopback/insecure hosts)`);
      return response;
    }
  }

  private agentFor(url: URL): http.Agent {
    if (url.protocol === 'http:') return this.httpAgent;
    const caFile = this.options.caFiles?.[url.host] ?? this.options.caFiles?.[url.hostname] ?? this.options.caFiles?.['*'];
    const key = caFile ?? '';
    let agent = this.agents.get(key);
    if (!agent) {
      const ca = caFile ? [...tls.rootCertificates, readFileSync(caFile, 'utf8')] : undefined;
      agent = new https.Agent({ keepAlive: true, ca });
      this.agents.set(key, agent);
    }
    return agent;
  }

  private send(request: TransportRequest & { url: URL; headers: Record<string, string> }): Promise<TransportResponse> {
    const { url, signal } = request;
    if (url.protocol === 'http:' && !this.allowsPlainHttp(url.host)) {
      return Promise.reject(new TransportError(`refusing plain HTTP to ${url.host}; mark the host insecure to allow it`));
    }
    this.options.log?.(`${request.method} ${describeUrl(url)}`);
    const headers: Record<string, string> = { 'user-agent': this.options.userAgent, ...request.headers };
    let bodyStream: Readable | undefined;
    if (typeof request.body === 'function') bodyStream = request.body();
    else if (request.body !== undefined) {
      const bytes = typeof request.body === 'string' ? Buffer.from(request.body) : request.body;
      headers['content-length'] = String(bytes.length);
      bodyStream = Readable.from([bytes]);
    } else if (request.method !== 'GET' && request.method !== 'HEAD') {
      headers['content-length'] ??= '0';
    }
    const module = url.protocol === 'https:' ? https : http;
    return new Promise<TransportResponse>((resolve, reject) => {
      const req = module.request(url, { method: request.method, headers, agent: this.agentFor(url), signal, timeout: this.options.idleTimeoutMs, lookup: this.options.lookup });
      let response: http.IncomingMessage | undefined;
      req.on('timeout', () => {
        const error = new TransportError(`no data from ${url.host} for ${this.options.idleTimeoutMs} ms`, 'ERR_IDLE_TIMEOUT');
        // Once headers are in, the body stream is what the caller reads: fail it with the reason.
        response?.destroy(error);
        req.destroy(error);
      });
      req.on('error', (error) => {
        bodyStream?.destroy();
        reject(error);
      });
      req.on('response', (res) => {
        response = res;
        resolve(wrapResponse(res, url, request.method === 'HEAD'));
      });
      if (bodyStream) {
        bodyStream.on('error', (error) => req.destroy(error));
        bodyStream.pipe(req);
      } else req.end();
    });
  }
}

function wrapResponse(res: http.IncomingMessage, url: URL, isHead: boolean): TransportResponse {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  // The socket's idle timeout keeps applying while the body streams.
  const body: Readable = res;
  if (isHead) res.resume();
  return {
    status: res.statusCode ?? 0,
    headers,
    url,
    body,
    async buffer(limitBytes = DEFAULT_BODY_LIMIT) {
      const chunks: Buffer[] = [];
      let total = 0;
      try {
        for await (const chunk of body) {
          const piece = chunk as Buffer;
          total += piece.length;
          if (total > limitBytes) {
            body.destroy();
            throw new TransportError(`response from ${url.host} is larger than ${limitBytes} bytes`);
          }
          chunks.push(piece);
        }
      } catch (error) {
        if (error instanceof TransportError || !isTransientError(error)) throw error;
        throw new TransportError(`the connection to ${url.host} was cut while reading the response (${errorCode(error) ?? 'aborted'})`, errorCode(error) ?? 'ECONNRESET', { cause: error });
      }
      return Buffer.concat(chunks);
    },
    async text(limitBytes?: number) {
      return (await this.buffer(limitBytes)).toString('utf8');
    },
    discard() {
      body.on('error', () => undefined);
      body.resume();
    },
  };
}

function withProtocol(url: URL, protocol: 'http:' | 'https:'): URL {
  const next = new URL(url);
  next.protocol = protocol;
  return next;
}

function withoutCredentials(headers: Record<string, string>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower === 'authorization' || lower === 'cookie' || lower === 'proxy-authorization') continue;
    kept[name] = value;
  }
  return kept;
}

/** A URL for messages and logs: no user info, no query string (signed URLs carry secrets there). */
export function describeUrl(url: string | URL): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

function describeNetworkError(error: unknown, url: URL): Error {
  if (error instanceof TransportError) return error;
  const code = errorCode(error);
  const detail = error instanceof Error ? error.message : String(error);
  if (code && CERT_ERROR.test(code)) {
    return new TransportError(`TLS certificate of ${url.host} is not trusted (${code}); pass the registry's CA file`, code, { cause: error });
  }
  if (code === 'ECONNREFUSED') {
    return new TransportError(`cannot connect to ${url.host}: connection refused; is the registry running and is the port right?`, code, { cause: error });
  }
  if (code === 'ENOTFOUND') {
    return new TransportError(`cannot find the registry host ${url.hostname}: the name does not resolve`, code, { cause: error });
  }
  return new TransportError(`cannot reach ${describeUrl(url)}: ${detail}`, code, { cause: error });
}

export function errorCode(error: unknown): string | undefined {
  if (error && typeof error === 'object' && 'code' in error && typeof (error as { code: unknown }).code === 'string') {
    return (error as { code: string }).code;
  }
  if (error instanceof Error && /socket hang up/i.test(error.message)) return 'ECONNRESET';
  return undefined;
}

/** True for failures worth retrying (resets, refused connections, idle timeouts). */
export function isTransientError(error: unknown): boolean {
  const code = errorCode(error);
  if (code !== undefined && RETRY_ERROR_CODES.has(code)) return true;
  return error instanceof Error && /aborted|premature close/i.test(error.message) && !(error.name === 'AbortError');
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date. */
export function retryAfterMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - Date.now());
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const error = new Error('the operation was aborted');
  error.name = 'AbortError';
  return error;
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortReason(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
