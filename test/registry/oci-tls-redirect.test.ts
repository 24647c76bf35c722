import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as https from 'node:https';
import * as http from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AddressInfo, LookupFunction } from 'node:net';
import { makeTlsFiles } from './rig';
import { signal } from './helpers';
import { Transport, TransportError } from '../../server/src/oci/transport';

test('an HTTPS server that redirects to plain HTTP is refused, and TLS stays verified across redirects', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'flux-oci-tls-redirect-'));
  const files = makeTlsFiles(dir);
  const seen: string[] = [];
  const server = https.createServer({ cert: await readFile(files.certFile), key: await readFile(files.keyFile) }, (req, res) => {
    seen.push(req.url ?? '');
    if (req.url === '/to-plain') return void res.writeHead(307, { location: 'http://registry.example.invalid/v2/blob' }).end();
    if (req.url === '/to-https') return void res.writeHead(302, { location: '/final' }).end();
    res.end('final');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const transport = new Transport({ caFiles: { [host]: files.caFile }, maxRetries: 0 });
  try {
    await assert.rejects(
      transport.request({ method: 'GET', url: `https://${host}/to-plain`, headers: { authorization: 'Bearer t0ken-value' }, signal: signal(10_000) }),
      (e: unknown) => e instanceof TransportError && /refusing to follow a redirect from HTTPS to plain HTTP/.test(e.message) && !e.message.includes('t0ken-value'),
    );
    const ok = await transport.request({ method: 'GET', url: `https://${host}/to-https`, signal: signal(10_000) });
    assert.equal(await ok.text(), 'final');
    assert.deepEqual(seen, ['/to-plain', '/to-https', '/final']);
    // The same server without its CA: a certificate error, with no quiet retry over HTTP.
    const untrusting = new Transport({ maxRetries: 0 });
    await assert.rejects(untrusting.request({ method: 'GET', url: `https://${host}/to-https`, signal: signal(10_000) }), (e: unknown) => e instanceof TransportError && /not trusted/.test(e.message));
    untrusting.close();
    assert.equal(seen.length, 3, 'nothing more reached the server');
  } finally {
    transport.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await rm(dir, { recursive: true, force: true });
  }
});

test('a non-loopback registry: plain HTTP only when marked insecure, and never after a certificate error', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'flux-oci-nonloopback-'));
  const files = makeTlsFiles(dir);
  const plainSeen: string[] = [];
  const plain = http.createServer((req, res) => {
    plainSeen.push(req.url ?? '');
    res.end('plain');
  });
  const tlsSeen: string[] = [];
  const secure = https.createServer({ cert: await readFile(files.certFile), key: await readFile(files.keyFile) }, (req, res) => {
    tlsSeen.push(req.url ?? '');
    res.end('tls');
  });
  await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => secure.listen(0, '127.0.0.1', r));
  // Names that are not loopback by their look, resolved to the loopback servers.
  const plainHost = `registry.flux-oci.test:${(plain.address() as AddressInfo).port}`;
  const secureHost = `secure.flux-oci.test:${(secure.address() as AddressInfo).port}`;
  const lookup: LookupFunction = (_hostname, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
    else callback(null, '127.0.0.1', 4);
  };
  const get = (transport: Transport, host: string) => transport.request({ method: 'GET', url: `https://${host}/v2/`, signal: signal(10_000) });
  const strict = new Transport({ lookup, maxRetries: 0 });
  const insecure = new Transport({ lookup, maxRetries: 0, insecureHosts: [plainHost, secureHost], caFiles: { [secureHost]: files.caFile } });
  try {
    // Not marked insecure: HTTPS fails and there is no second try over HTTP.
    await assert.rejects(get(strict, plainHost), (e: unknown) => e instanceof TransportError && /cannot reach https:/.test(e.message));
    assert.deepEqual(plainSeen, []);
    // Marked insecure: HTTPS first, then plain HTTP.
    assert.equal(await (await get(insecure, plainHost)).text(), 'plain');
    assert.deepEqual(plainSeen, ['/v2/']);
    // Marked insecure, but it speaks TLS with a certificate for another name: the error stands.
    await assert.rejects(get(insecure, secureHost), (e: unknown) => e instanceof TransportError && /not trusted/.test(e.message));
    assert.deepEqual(tlsSeen, [], 'the TLS handshake failed before any request');
    assert.deepEqual(plainSeen, ['/v2/'], 'and nothing was retried over plain HTTP');
  } finally {
    strict.close();
    insecure.close();
    for (const server of [plain, secure]) {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
    await rm(dir, { recursive: true, force: true });
  }
});
