import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { Transport, TransportError } from '../../server/src/oci/transport';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

// Servers are also closed here, so that a failed assertion ends the run instead of hanging it.
const openServers: http.Server[] = [];
after(() => {
  for (const s of openServers) {
    s.closeAllConnections();
    s.close();
  }
});

async function server(handler: Handler): Promise<{ host: string; seen: http.IncomingHttpHeaders[]; close: () => Promise<void> }> {
  const seen: http.IncomingHttpHeaders[] = [];
  const s = http.createServer((req, res) => {
    seen.push(req.headers);
    handler(req, res);
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  openServers.push(s);
  return {
    host: `127.0.0.1:${(s.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((r) => {
      s.closeAllConnections();
      s.close(() => r());
    }),
  };
}

const signal = () => AbortSignal.timeout(10_000);

test('redirects keep credentials on the same origin and drop them for another', async () => {
  const other = await server((_req, res) => res.end('other'));
  const origin = await server((req, res) => {
    if (req.url === '/same') return void res.writeHead(307, { location: '/final' }).end();
    if (req.url === '/away') return void res.writeHead(307, { location: `http://${other.host}/x?sig=1` }).end();
    res.end('final');
  });
  const transport = new Transport();
  const headers = { authorization: 'Bearer top-secret', cookie: 'c=1', accept: 'x/y' };
  const same = await transport.request({ method: 'GET', url: `http://${origin.host}/same`, headers, signal: signal() });
  assert.equal(await same.text(), 'final');
  assert.equal(origin.seen[1].authorization, 'Bearer top-secret');
  const away = await transport.request({ method: 'GET', url: `http://${origin.host}/away`, headers, signal: signal() });
  assert.equal(await away.text(), 'other');
  assert.equal(other.seen.length, 1);
  assert.equal(other.seen[0].authorization, undefined);
  assert.equal(other.seen[0].cookie, undefined);
  assert.equal(other.seen[0].accept, 'x/y');
  transport.close();
  await origin.close();
  await other.close();
});

test('redirect loops are bounded', async () => {
  const loop = await server((_req, res) => res.writeHead(302, { location: '/again' }).end());
  const transport = new Transport({ maxRedirects: 3 });
  await assert.rejects(transport.request({ method: 'GET', url: `http://${loop.host}/start`, signal: signal() }), /too many redirects/);
  assert.equal(loop.seen.length, 4);
  transport.close();
  await loop.close();
});

test('Retry-After is capped by maxDelayMs and retries stop after maxRetries', async () => {
  let calls = 0;
  const busy = await server((_req, res) => {
    calls++;
    res.writeHead(calls < 3 ? 429 : 200, { 'retry-after': '3600' }).end('ok');
  });
  const transport = new Transport({ maxDelayMs: 50, maxRetries: 5 });
  const started = Date.now();
  const response = await transport.request({ method: 'GET', url: `http://${busy.host}/`, signal: signal() });
  assert.equal(response.status, 200);
  assert.equal(await response.text(), 'ok');
  assert.ok(Date.now() - started < 2000);
  assert.equal(calls, 3);
  calls = -100;
  const bounded = new Transport({ maxDelayMs: 10, maxRetries: 2 });
  const last = await bounded.request({ method: 'GET', url: `http://${busy.host}/`, signal: signal() });
  assert.equal(last.status, 429);
  assert.equal(calls, -97, 'one try plus two retries');
  transport.close();
  bounded.close();
  await busy.close();
});

test('a streamed request body is sent again on retry', async () => {
  const bodies: string[] = [];
  const flaky = await server((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      bodies.push(body);
      res.writeHead(bodies.length === 1 ? 503 : 201).end();
    });
  });
  const transport = new Transport({ baseDelayMs: 1 });
  const { Readable } = await import('node:stream');
  const response = await transport.request({ method: 'PUT', url: `http://${flaky.host}/`, headers: { 'content-length': '5' }, body: () => Readable.from([Buffer.from('hello')]), signal: signal() });
  assert.equal(response.status, 201);
  assert.deepEqual(bodies, ['hello', 'hello']);
  transport.close();
  await flaky.close();
});

test('HTTPS is tried first; plain HTTP only for loopback or marked hosts', async () => {
  const plain = await server((_req, res) => {
    res.end('plain');
  });
  const logs: string[] = [];
  const transport = new Transport({ log: (l) => logs.push(l) });
  const response = await transport.request({ method: 'GET', url: `https://${plain.host}/`, signal: signal() });
  assert.equal(await response.text(), 'plain');
  assert.ok(logs[0].startsWith('GET https://'), 'HTTPS first');
  assert.ok(logs.some((l) => /does not speak TLS/.test(l)));
  await assert.rejects(transport.request({ method: 'GET', url: 'http://registry.example.invalid/v2/', signal: signal() }), (e: unknown) => e instanceof TransportError && /refusing plain HTTP/.test(e.message));
  transport.close();
  await plain.close();
});
