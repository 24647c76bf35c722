import { describe, test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry, RegistryRig } from './rig';
import { startFaultProxy, FaultProxy, HeldRequest } from './faultProxy';
import { clientFor, signal, assertLogsHoldNoSecrets } from './helpers';
import { parseReference, Reference } from '../../server/src/oci/reference';
import { RegistryClient, RegistryError, DigestMismatchError, bufferSource, sha256Digest, BlobSource } from '../../server/src/oci/registry';
import { pullArtifact, pushDirectory } from '../../server/src/oci/artifact/push';
import { writeFile, mkdir } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { budget } from '../timing';

// Each setup: a real registry, a fault proxy in front of it, and a blob already stored.
for (const mode of ['none', 'token', 'basic-tls'] as const) {
  describe(`faults through a proxy (${mode})`, () => {
    let rig: RegistryRig;
    let proxy: FaultProxy;
    let client: RegistryClient;
    let ref: Reference;
    let blob: BlobSource;
    let config: BlobSource;
    let manifest: Buffer;
    const logs: string[] = [];
    const makeClient = (extra: Parameters<typeof clientFor>[1] = {}) => clientFor(rig, { log: (line) => logs.push(line), ...extra });

    before(async () => {
      rig = await startRegistry({ auth: mode });
      proxy = await startFaultProxy({ upstream: rig.url, caFile: rig.caFile, dataDir: rig.dataDir });
      client = makeClient();
      ref = parseReference(`${proxy.host}/faults/app:v1`);
      blob = bufferSource(randomBytes(256 * 1024));
      await client.pushBlob(ref, blob, { signal: signal() });
      config = bufferSource(Buffer.from('{}'));
      await client.pushBlob(ref, config, { signal: signal() });
      manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.cncf.flux.config.v1+json', digest: config.digest, size: config.size }, layers: [{ mediaType: 'application/vnd.cncf.flux.content.v1.tar+gzip', digest: blob.digest, size: blob.size }] }));
      await client.putManifest(ref, manifest, 'application/vnd.oci.image.manifest.v1+json', { signal: signal() });
    });
    after(async () => {
      client?.close();
      await proxy?.stop();
      await rig?.stop();
    });
    beforeEach(() => {
      proxy.rules.length = 0;
    });

    test('blob downloads redirected to another host carry no credentials, and no log line holds a secret', async () => {
      proxy.rules.push({ method: 'GET', path: /\/blobs\/sha256:/, fault: { kind: 'redirect-blob' } });
      const dir = await mkdtemp(join(tmpdir(), 'flux-oci-redirect-'));
      const fresh = makeClient();
      await fresh.downloadBlob(ref, blob, join(dir, 'blob'), { signal: signal() });
      fresh.close();
      assert.equal(sha256Digest(await readFile(join(dir, 'blob'))), blob.digest);
      assert.ok(proxy.redirectHost.requests.length >= 1, 'the download went to the redirect host');
      assert.deepEqual(proxy.redirectHost.authorizationHeaders, [], 'no Authorization header reached the redirect host');
      const text = logs.join('\n');
      if (rig.password) {
        assert.ok(!text.includes(rig.password), 'password not logged');
        assert.ok(!text.includes(Buffer.from(`${rig.username}:${rig.password}`).toString('base64')), 'basic header not logged');
      }
      assert.ok(!text.includes('secret-signature'), 'signed query strings are not logged');
      assert.ok(!/Bearer |Basic /.test(text), 'no authorization values logged');
      await rm(dir, { recursive: true, force: true });
    });

    test('429 with Retry-After is honoured, 503 is retried, and retries are bounded', async () => {
      proxy.rules.push({ method: 'GET', path: /\/tags\/list$/, fault: { kind: 'status', status: 429, retryAfter: '1' }, times: 1 });
      proxy.rules.push({ method: 'GET', path: /\/tags\/list$/, fault: { kind: 'status', status: 503 }, times: 2 });
      const started = Date.now();
      assert.deepEqual(await client.listTags(ref, { signal: signal() }), ['v1']);
      assert.ok(Date.now() - started >= 950, `waited for Retry-After (${Date.now() - started} ms)`);
      const seen = proxy.requests.filter((r) => r.path.endsWith('/tags/list')).map((r) => r.fault ?? 'ok');
      assert.deepEqual(seen.slice(-4), ['status', 'status', 'status', 'ok']);

      proxy.rules.push({ method: 'GET', path: /\/tags\/list$/, fault: { kind: 'status', status: 503 } });
      const bounded = makeClient({ maxRetries: 2 });
      const count = proxy.requests.length;
      await assert.rejects(bounded.listTags(ref, { signal: signal() }), (e: unknown) => e instanceof RegistryError && e.status === 503);
      assert.equal(proxy.requests.slice(count).filter((r) => r.fault === 'status').length, 3, 'first try + 2 retries');
      bounded.close();
    });

    test('a 500 on a read is retried once: a passing one heals, a lasting one is reported after two tries', async () => {
      proxy.rules.push({ method: 'GET', path: /\/tags\/list$/, fault: { kind: 'status', status: 500 }, times: 1 });
      let count = proxy.requests.length;
      assert.deepEqual(await client.listTags(ref, { signal: signal() }), ['v1']);
      assert.deepEqual(proxy.requests.slice(count).map((r) => r.fault ?? 'ok'), ['status', 'ok']);

      proxy.rules.push({ method: 'GET', path: /\/tags\/list$/, fault: { kind: 'status', status: 500 } });
      count = proxy.requests.length;
      await assert.rejects(client.listTags(ref, { signal: signal() }), (e: unknown) => e instanceof RegistryError && e.status === 500 && /HTTP 500/.test(e.message));
      assert.equal(proxy.requests.length - count, 2);
    });

    test('a connection reset mid-body is retried from the start', async () => {
      proxy.rules.push({ method: 'GET', path: /\/blobs\/sha256:/, fault: { kind: 'reset-mid-body' }, times: 1 });
      const dir = await mkdtemp(join(tmpdir(), 'flux-oci-reset-'));
      await client.downloadBlob(ref, blob, join(dir, 'blob'), { signal: signal() });
      assert.equal(sha256Digest(await readFile(join(dir, 'blob'))), blob.digest);
      assert.deepEqual(await readdir(dir), ['blob'], 'no partial file left over');
      assert.ok(proxy.requests.some((r) => r.fault === 'reset-mid-body'));
      await rm(dir, { recursive: true, force: true });
    });

    test('a corrupted blob fails with a digest mismatch and leaves nothing behind', async () => {
      proxy.rules.push({ method: 'GET', path: /\/blobs\/sha256:/, fault: { kind: 'corrupt' } });
      const dir = await mkdtemp(join(tmpdir(), 'flux-oci-corrupt-'));
      await assert.rejects(client.downloadBlob(ref, blob, join(dir, 'blob'), { signal: signal() }), (e: unknown) => {
        assert.ok(e instanceof DigestMismatchError, String(e));
        assert.match(e.message, new RegExp(`expected ${blob.digest}`));
        return true;
      });
      assert.deepEqual(await readdir(dir), []);
      // The same through pullArtifact: the output folder is never created. Pull streams the layer
      // into the extractor, so whichever sees the damage first refuses it: the digest check at the
      // end of the stream, or gunzip on the first corrupted bytes (both name the cause).
      await assert.rejects(pullArtifact(client, ref, join(dir, 'out'), { signal: signal() }), (e: unknown) => {
        assert.ok(e instanceof DigestMismatchError || (e instanceof Error && /not a valid gzip stream/.test(e.message)), String(e));
        return true;
      });
      assert.deepEqual(await readdir(dir), []);
      await rm(dir, { recursive: true, force: true });
    });

    test('a slow body within the idle timeout succeeds; a stalled one times out', async () => {
      const small = bufferSource(randomBytes(2048));
      await client.pushBlob(ref, small, { signal: signal() });
      proxy.rules.push({ method: 'GET', path: new RegExp(`/blobs/${small.digest}$`), fault: { kind: 'slow', chunkBytes: 512, delayMs: 100 } });
      const dir = await mkdtemp(join(tmpdir(), 'flux-oci-slow-'));
      // Gaps of 100 ms against a budget far larger: the first byte (a registry under load) must not count as a stall.
      const patient = makeClient({ idleTimeoutMs: budget(10_000) });
      await patient.downloadBlob(ref, small, join(dir, 'ok'), { signal: signal() });
      patient.close();
      proxy.rules[0].fault = { kind: 'slow', chunkBytes: 512, delayMs: 600 };
      const impatient = makeClient({ idleTimeoutMs: 250, maxRetries: 0 });
      await assert.rejects(impatient.downloadBlob(ref, small, join(dir, 'stalled'), { signal: signal() }), /no data from|timed? ?out/i);
      impatient.close();
      assert.deepEqual(await readdir(dir), ['ok']);
      await rm(dir, { recursive: true, force: true });
    });

    test('an abort during a slow download stops it promptly', async () => {
      // 1 kB every 200 ms: the 256 kB blob would take 50 s, so the abort always lands mid-body.
      proxy.rules.push({ method: 'GET', path: /\/blobs\/sha256:/, fault: { kind: 'slow', chunkBytes: 1024, delayMs: 200 } });
      const dir = await mkdtemp(join(tmpdir(), 'flux-oci-abort-'));
      const controller = new AbortController();
      let abortedAt = 0;
      // Cancel once the first bytes arrived (a state), not after a guess at how long the start takes.
      const onProgress = (done: number) => {
        if (done > 0 && !controller.signal.aborted) {
          abortedAt = Date.now();
          controller.abort(new Error('user cancelled'));
        }
      };
      await assert.rejects(client.downloadBlob(ref, blob, join(dir, 'blob'), { signal: controller.signal, onProgress }), /user cancelled|abort/i);
      assert.ok(abortedAt > 0, 'the abort came during the download');
      // Promptly: far sooner than the 50 s the rest of the body needs (the bound is a failure budget).
      assert.ok(Date.now() - abortedAt < budget(3000), `stopped ${Date.now() - abortedAt} ms after the abort`);
      assert.deepEqual(await readdir(dir), []);
      await rm(dir, { recursive: true, force: true });
    });

    test('tag listing follows Link pagination', async () => {
      const paged = parseReference(`${proxy.host}/faults/paged:t-00`);
      await client.pushBlob(paged, blob, { signal: signal(), mountFrom: ref.repository });
      await client.pushBlob(paged, config, { signal: signal(), mountFrom: ref.repository });
      await client.putManifest(paged, manifest, 'application/vnd.oci.image.manifest.v1+json', { signal: signal() });
      const names = Array.from({ length: 12 }, (_, i) => `t-${String(i).padStart(2, '0')}`);
      for (const name of names.slice(1)) await client.tag(paged, name, { signal: signal() });
      proxy.rules.push({ method: 'GET', path: /\/tags\/list$/, fault: { kind: 'paginate-tags' } });
      const count = proxy.requests.length;
      const tags = await client.listTags(paged, { signal: signal(), pageSize: 5 });
      assert.deepEqual(tags, names);
      assert.equal(proxy.requests.slice(count).filter((r) => r.path.endsWith('/tags/list')).length, 3, 'pages of 5, 5, 2');
      await assert.rejects(client.listTags(paged, { signal: signal(), pageSize: 5, maxTags: 7 }), /more than 7 tags/);
    });

    test('size limits: a blob larger than allowed or than its descriptor stops early and leaves nothing', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'flux-oci-limits-'));
      await assert.rejects(client.downloadBlob(ref, blob, join(dir, 'capped'), { signal: signal(), maxBytes: 1024 }), /larger than 1024 bytes; stopped reading/);
      await assert.rejects(client.downloadBlob(ref, { digest: blob.digest, size: 1000 }, join(dir, 'short'), { signal: signal() }), /larger than 1000 bytes/);
      await assert.rejects(client.downloadBlob(ref, { digest: blob.digest, size: blob.size + 1 }, join(dir, 'long'), { signal: signal() }), /ended after \d+ of \d+ bytes/);
      assert.deepEqual(await readdir(dir), []);
      await rm(dir, { recursive: true, force: true });
    });

    test('an upload location on another host gets the bytes but never the credentials', async () => {
      proxy.rules.push({ method: 'POST', path: /\/blobs\/uploads\/$/, fault: { kind: 'upload-elsewhere' }, times: 1 });
      const before = proxy.redirectHost.requests.length;
      const other = bufferSource(randomBytes(8192));
      const target = parseReference(`${proxy.host}/faults/elsewhere`);
      const outcome = await client.pushBlob(target, other, { signal: signal() }).then(
        (result) => result,
        (error: unknown) => error,
      );
      const sent = proxy.redirectHost.requests.slice(before);
      assert.ok(sent.some((r) => r.path.startsWith('/upload/v2/faults/elsewhere/blobs/uploads/')), 'the upload went to the other host');
      assert.deepEqual(sent.filter((r) => r.headers.authorization !== undefined), [], 'without an Authorization header');
      if (mode === 'none') assert.equal(outcome, 'uploaded');
      // Here the registry itself sits behind that host and wants credentials, so the upload is refused.
      else assert.ok(outcome instanceof RegistryError && outcome.status === 401, String(outcome));
    });

    test('a reset that never stops is retried a bounded number of times and leaves nothing', async () => {
      proxy.rules.push({ method: 'GET', path: /\/blobs\/sha256:/, fault: { kind: 'reset-mid-body' } });
      const dir = await mkdtemp(join(tmpdir(), 'flux-oci-resets-'));
      const count = proxy.requests.length;
      await assert.rejects(client.downloadBlob(ref, blob, join(dir, 'blob'), { signal: signal() }), /was cut off 3 times \(last: .*\); nothing was written/);
      assert.equal(proxy.requests.slice(count).filter((r) => r.fault === 'reset-mid-body').length, 3, 'three attempts, then give up');
      assert.deepEqual(await readdir(dir), []);
      await rm(dir, { recursive: true, force: true });
    });

    test('a reset in the middle of a manifest or tag list is retried', async () => {
      proxy.rules.push({ method: 'GET', path: /\/manifests\/v1$/, fault: { kind: 'reset-mid-body' }, times: 1 });
      proxy.rules.push({ method: 'GET', path: /\/tags\/list$/, fault: { kind: 'reset-mid-body' }, times: 1 });
      const count = proxy.requests.length;
      assert.equal((await client.getManifest(ref, { signal: signal() })).digest, sha256Digest(manifest));
      assert.deepEqual(await client.listTags(ref, { signal: signal() }), ['v1']);
      assert.equal(proxy.requests.slice(count).filter((r) => r.fault === 'reset-mid-body').length, 2);
    });

    test('manifest digests are checked: a corrupted manifest and a wrong reported digest both fail', async () => {
      proxy.rules.push({ method: 'GET', path: /\/manifests\//, fault: { kind: 'corrupt' }, times: 1 });
      await assert.rejects(client.getManifest(ref.withDigest(sha256Digest(manifest)), { signal: signal() }), (e: unknown) => e instanceof DigestMismatchError && /manifest/.test(e.message));
      proxy.rules.push({ method: 'PUT', path: /\/manifests\//, fault: { kind: 'wrong-digest-header' }, times: 1 });
      await assert.rejects(client.putManifest(ref.withTag('checked'), manifest, 'application/vnd.oci.image.manifest.v1+json', { signal: signal() }), (e: unknown) => {
        assert.ok(e instanceof DigestMismatchError, String(e));
        assert.equal(e.expected, sha256Digest(manifest));
        assert.equal(e.actual, `sha256:${'0'.repeat(64)}`);
        return true;
      });
    });

    test('a cross-repository mount really happens (one POST with mount=, no upload), and falls back to an upload', async () => {
      const fresh = bufferSource(randomBytes(4096));
      await client.pushBlob(ref, fresh, { signal: signal() });
      const target = parseReference(`${proxy.host}/faults/mounted`);
      const count = proxy.requests.length;
      assert.equal(await client.pushBlob(target, fresh, { signal: signal(), mountFrom: ref.repository }), 'mounted');
      const sent = proxy.requests.slice(count).filter((r) => r.path.startsWith('/v2/faults/mounted/'));
      assert.deepEqual(sent.filter((r) => r.method === 'POST').map((r) => new URLSearchParams(r.query.slice(1)).get('mount')), [fresh.digest]);
      assert.deepEqual(sent.filter((r) => r.method === 'PUT' || r.method === 'PATCH'), [], 'no bytes were uploaded');
      // A source that lacks the blob: the registry opens an ordinary upload instead.
      const other = bufferSource(randomBytes(4096));
      assert.equal(await client.pushBlob(target, other, { signal: signal(), mountFrom: 'faults/nowhere' }), 'uploaded');
      assert.equal(await client.blobExists(target, other.digest, { signal: signal() }), true);
    });

    test('an upload cut off mid-body (chunked PATCH or single PUT) is started again in a fresh session', async () => {
      const chunked = makeClient({ chunkThreshold: 64 * 1024, chunkSize: 64 * 1024 });
      const big = bufferSource(randomBytes(200 * 1024));
      proxy.rules.push({ method: 'PATCH', path: /\/blobs\/uploads\//, fault: { kind: 'reset-request-mid-body' }, times: 1 });
      const target = parseReference(`${proxy.host}/faults/resumed`);
      assert.equal(await chunked.pushBlob(target, big, { signal: signal() }), 'uploaded');
      assert.ok(proxy.requests.some((r) => r.fault === 'reset-request-mid-body'), 'the fault fired');
      assert.ok(logs.some((l) => /interrupted; starting it again/.test(l)), 'a new session was used');
      const dir = await mkdtemp(join(tmpdir(), 'flux-oci-resumed-'));
      await chunked.downloadBlob(target, big, join(dir, 'blob'), { signal: signal() });
      chunked.close();
      const single = bufferSource(randomBytes(32 * 1024));
      proxy.rules.push({ method: 'PUT', path: /\/blobs\/uploads\//, fault: { kind: 'reset-request-mid-body' }, times: 1 });
      assert.equal(await client.pushBlob(target, single, { signal: signal() }), 'uploaded');
      await client.downloadBlob(target, single, join(dir, 'single'), { signal: signal() });
      await rm(dir, { recursive: true, force: true });
    });

    test('an abort during an upload stops it promptly', async () => {
      const size = 1024 * 1024;
      // The source gives its first 64 kB, then nothing until the test lets go; the proxy holds the
      // upload once those bytes arrived. Neither side can finish before the abort, on any machine.
      let openGate!: () => void;
      const gate = new Promise<void>((resolve) => (openGate = resolve));
      const gated: BlobSource = {
        digest: sha256Digest(Buffer.alloc(size)),
        size,
        open: () =>
          Readable.from(
            (async function* () {
              yield Buffer.alloc(64 * 1024);
              await gate;
              yield Buffer.alloc(size - 64 * 1024);
            })(),
          ),
      };
      const held = new HeldRequest();
      proxy.rules.push({ method: 'PUT', path: /\/faults\/aborted\/blobs\/uploads\//, times: 1, fault: { kind: 'hold', held } });
      const controller = new AbortController();
      const upload = client.pushBlob(parseReference(`${proxy.host}/faults/aborted`), gated, { signal: controller.signal });
      try {
        await Promise.race([held.arrived, upload.then((r) => assert.fail(`the upload ended before it was held: ${r}`))]);
        const abortedAt = Date.now();
        controller.abort(new Error('upload cancelled'));
        await assert.rejects(upload, /upload cancelled/);
        assert.ok(Date.now() - abortedAt < budget(3000), `stopped ${Date.now() - abortedAt} ms after the abort`);
      } finally {
        openGate();
        held.release();
      }
      assert.equal(await held.outcome, 'client-gone', 'the client closed the upload mid-body');
    });

    if (mode !== 'none') {
      test('an error body that echoes the Authorization header is scrubbed of every secret', async () => {
        proxy.rules.push({ method: 'GET', path: /\/tags\/list$/, fault: { kind: 'echo-auth' }, times: 1 });
        await assert.rejects(client.listTags(ref, { signal: signal() }), (e: unknown) => {
          assert.ok(e instanceof RegistryError, String(e));
          assert.equal(e.status, 400);
          assert.match(e.message, /DENIED: request carried (Basic|Bearer) \*\*\*/, 'the echo arrived and was scrubbed');
          assert.ok(!e.message.includes(rig.password!), 'no password');
          assert.ok(!e.message.includes(Buffer.from(`${rig.username}:${rig.password}`).toString('base64')), 'no Basic value');
          assert.ok(!/Bearer [A-Za-z0-9_-]{8,}/.test(e.message), 'no bearer token');
          return true;
        });
      });

      test('pulling an artifact through a redirecting proxy keeps credentials home', async () => {
        const src = await mkdtemp(join(tmpdir(), 'flux-oci-src-'));
        await mkdir(join(src, 'apps'));
        await writeFile(join(src, 'apps', 'a.yaml'), 'kind: ConfigMap\n');
        const artifact = parseReference(`${proxy.host}/faults/artifact:v1`);
        await pushDirectory(client, artifact, src, { signal: signal() });
        proxy.rules.push({ method: 'GET', path: /\/blobs\/sha256:/, fault: { kind: 'redirect-blob' } });
        const before = proxy.redirectHost.requests.length;
        const out = join(src, 'out');
        await pullArtifact(makeClient(), artifact, out, { signal: signal() });
        assert.equal(await readFile(join(out, 'apps', 'a.yaml'), 'utf8'), 'kind: ConfigMap\n');
        assert.ok(proxy.redirectHost.requests.length > before);
        assert.deepEqual(proxy.redirectHost.authorizationHeaders, []);
        await rm(src, { recursive: true, force: true });
      });
    }

    test('across every test above, no log line holds a secret or a query string', () => {
      assertLogsHoldNoSecrets(logs, rig);
    });
  });
}
