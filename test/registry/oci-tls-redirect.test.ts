import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as https from 'node:https';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AddressInfo } from 'node:net';
import { makeTlsFiles } from './rig';
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
      transport.request({ method: 'GET', url: `https://${host}/to-plain`, headers: { authorization: 'Bearer t0ken-value' }, signal: AbortSignal.timeout(10_000) }),
      (e: unknown) => e instanceof TransportError && /refusing to follow a redirect from HTTPS to plain HTTP/.test(e.message) && !e.message.includes('t0ken-value'),
    );
    const ok = await transport.request({ method: 'GET', url: `https://${host}/to-https`, signal: AbortSignal.timeout(10_000) });
    assert.equal(await ok.text(), 'final');
    assert.deepEqual(seen, ['/to-plain', '/to-https', '/final']);
    // The same server without its CA: a certificate error, with no quiet retry over HTTP.
    const untrusting = new Transport({ maxRetries: 0 });
    await assert.rejects(untrusting.request({ method: 'GET', url: `https://${host}/to-https`, signal: AbortSignal.timeout(10_000) }), (e: unknown) => e instanceof TransportError && /not trusted/.test(e.message));
    untrusting.close();
    assert.equal(seen.length, 3, 'nothing more reached the server');
  } finally {
    transport.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await rm(dir, { recursive: true, force: true });
  }
});
