// Concurrency against the real registry: two pushes to the same tag at the same moment (library
// and CLI, several rounds). Defined winner: the tag ends at one of the two complete manifests,
// the other push's manifest and blobs stay intact (reachable by digest), and a pull of the tag
// gives exactly one of the two sources, never a mixture.
//
// The race those pushes can lose is made deterministic through the fault proxy as well: the
// registry (the real one) is made to lose sight of a blob right when the manifest arrives, as it
// does while another push of the same blob rewrites the blob's link; the push must check its
// blobs again, upload what is missing, and repeat the manifest PUT, a bounded number of times.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry, type RegistryRig } from './rig';
import { forgetBlob, startFaultProxy, type FaultProxy } from './faultProxy';
import { assertLogsHoldNoSecrets, clientFor, signal } from './helpers';
import { parseReference } from '../../server/src/oci/reference';
import { RegistryError, bufferSource, type RegistryClient } from '../../server/src/oci/registry';
import { ARTIFACT_CONFIG, FLUX_MEDIA_TYPES, buildArtifactManifest } from '../../server/src/oci/artifact/build';
import { pullArtifact, pushDirectory } from '../../server/src/oci/artifact/push';
import { runRegistryCommand } from '../../server/src/cli/registry';

for (const mode of ['none', 'token'] as const) {
  describe(`two pushes to one tag at once (${mode})`, () => {
    let rig: RegistryRig;
    let work: string;
    let client: RegistryClient;
    let other: RegistryClient;
    let proxy: FaultProxy;
    /** Talks to the registry through the fault proxy; its log is checked for secrets at the end. */
    let proxied: RegistryClient;
    const logs: string[] = [];

    before(async () => {
      rig = await startRegistry({ auth: mode });
      work = await mkdtemp(join(tmpdir(), 'flux-oci-race-'));
      client = clientFor(rig);
      other = clientFor(rig);
      proxy = await startFaultProxy({ upstream: rig.url, dataDir: rig.dataDir });
      proxied = clientFor(rig, { log: (line) => logs.push(line) });
    });
    after(async () => {
      client?.close();
      other?.close();
      proxied?.close();
      await proxy?.stop();
      await rig?.stop();
      if (work) await rm(work, { recursive: true, force: true });
    });

    const source = async (name: string, body: string) => {
      const dir = join(work, name);
      await mkdir(join(dir, 'apps'), { recursive: true });
      // Large enough that the uploads overlap in time.
      await writeFile(join(dir, 'apps', 'cm.yaml'), `kind: ConfigMap\nmetadata:\n  name: ${body}\ndata:\n  pad: "${body.repeat(200_000 / body.length)}"\n`);
      return dir;
    };

    const checkWinner = async (tag: string, digests: string[], bodies: string[], round: number) => {
      const ref = parseReference(`${rig.host}/race/app:${tag}`);
      const head = await client.headManifest(ref, { signal: signal() });
      assert.ok(head && digests.includes(head.digest), `round ${round}: the tag names one of the two pushed manifests (${head?.digest} vs ${digests.join(', ')})`);
      // Both manifests and all their blobs stay intact, reachable by digest.
      for (const digest of digests) {
        const byDigest = parseReference(`${rig.host}/race/app@${digest}`);
        const manifest = JSON.parse((await client.getManifest(byDigest, { signal: signal() })).bytes.toString('utf8')) as { config: { digest: string }; layers: { digest: string }[] };
        for (const d of [manifest.config, ...manifest.layers]) assert.ok(await client.blobExists(byDigest, d.digest, { signal: signal() }), `blob ${d.digest} of ${digest} intact`);
      }
      // A pull of the tag gives exactly one of the sources.
      const out = join(work, `out-${tag}`);
      await pullArtifact(client, ref, out, { signal: signal() });
      const text = await readFile(join(out, 'apps', 'cm.yaml'), 'utf8');
      const winner = bodies.findIndex((b) => text.includes(`name: ${b}\n`));
      assert.ok(winner >= 0, 'the pulled content is one of the two sources');
      assert.equal(digests.indexOf(head.digest), winner, 'the content matches the manifest the tag names');
      return winner;
    };

    test('library: two pushDirectory calls race for one tag, five rounds', async () => {
      const winners: number[] = [];
      for (let round = 0; round < 5; round++) {
        const bodies = [`first-${round}`, `second-${round}`];
        const dirs = await Promise.all(bodies.map((b, i) => source(`lib-${round}-${i}`, b)));
        const tag = `lib-${round}`;
        const ref = parseReference(`${rig.host}/race/app:${tag}`);
        const results = await Promise.all([
          pushDirectory(client, ref, dirs[0], { signal: signal() }),
          pushDirectory(other, ref, dirs[1], { signal: signal() }),
        ]);
        winners.push(await checkWinner(tag, results.map((r) => r.digest), bodies, round));
      }
      console.log(`  winners by round (0 = first, 1 = second): ${winners.join(' ')}`);
    });

    test('CLI: two flux-oci push commands race for one tag, three rounds', async () => {
      const creds = rig.username ? ['--creds', `${rig.username}:${rig.password}`, ...(rig.caFile ? ['--ca-file', rig.caFile] : [])] : [];
      for (let round = 0; round < 3; round++) {
        const bodies = [`cli-a-${round}`, `cli-b-${round}`];
        const dirs = await Promise.all(bodies.map((b, i) => source(`cli-${round}-${i}`, b)));
        const tag = `cli-${round}`;
        const runs = await Promise.all(dirs.map(async (dir) => {
          let stdout = '';
          let stderr = '';
          const code = await runRegistryCommand('push', [`oci://${rig.host}/race/app:${tag}`, '--path', dir, ...creds],
            { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) }, signal(120_000));
          return { code, stdout, stderr };
        }));
        for (const r of runs) assert.equal(r.code, 0, r.stderr);
        const digests = runs.map((r) => r.stdout.trim().split('@')[1]);
        await checkWinner(tag, digests, bodies, round);
      }
    });

    /** The requests the proxy saw from `from` on, as "METHOD what" (uploads and manifest PUTs only). */
    const writesSince = (from: number) =>
      proxy.requests.slice(from).filter((r) => r.method !== 'GET' && r.method !== 'HEAD').map((r) => `${r.method} ${r.path.includes('/manifests/') ? 'manifest' : 'upload'}`);

    for (const how of ['empty', 'unlink'] as const) {
      test(`library: a manifest refused because another push hid a blob (link ${how === 'empty' ? 'being rewritten' : 'gone'}) is repaired`, async () => {
        const dir = await source(`hidden-${how}`, `hidden-${how}`);
        const tag = `hidden-${how}`;
        const ref = parseReference(`${proxy.host}/race/app:${tag}`);
        const config = bufferSource(ARTIFACT_CONFIG);
        // Right before the registry checks the manifest, it loses sight of the shared config blob:
        // 'empty' is what distribution shows while another push rewrites the link (DIGEST_INVALID
        // and MANIFEST_BLOB_UNKNOWN, HEAD 500), 'unlink' a blob it does not have (HEAD 404).
        proxy.rules.push({ method: 'PUT', path: new RegExp(`/manifests/${tag}$`), times: 1,
          fault: { kind: 'act-first', action: () => forgetBlob(rig.dataDir, 'race/app', config.digest, how) } });
        const from = proxy.requests.length;
        const result = await pushDirectory(proxied, ref, dir, { signal: signal() });
        proxy.rules.length = 0;
        assert.equal(proxy.requests.slice(from).filter((r) => r.fault === 'act-first').length, 1, 'the blob was hidden once');
        const writes = writesSince(from);
        assert.deepEqual(writes.slice(writes.indexOf('PUT manifest')), ['PUT manifest', 'POST upload', 'PUT upload', 'PUT manifest'],
          `manifest refused, config uploaded again, manifest accepted (all writes: ${writes.join(', ')})`);
        assert.ok(logs.some((l) => /did not find blobs of the manifest/.test(l)), 'the repair was logged');
        await checkWinner(tag, [result.digest], [`hidden-${how}`], 0);
      });
    }

    test('library: a registry that keeps losing a blob gets three manifest PUTs, then a clear error, and no tag', async () => {
      const dir = await source('lost', 'lost');
      const tag = 'lost';
      const config = bufferSource(ARTIFACT_CONFIG);
      proxy.rules.push({ method: 'PUT', path: new RegExp(`/manifests/${tag}$`),
        fault: { kind: 'act-first', action: () => forgetBlob(rig.dataDir, 'race/app', config.digest, 'unlink') } });
      const from = proxy.requests.length;
      await assert.rejects(pushDirectory(proxied, parseReference(`${proxy.host}/race/app:${tag}`), dir, { signal: signal() }), (error: unknown) => {
        assert.ok(error instanceof RegistryError, String(error));
        assert.match(error.message, /refused the manifest of .*race\/app:lost 3 times for blobs it did not find, though they were uploaded again each time; last answer: .*MANIFEST_BLOB_UNKNOWN/);
        assert.ok(error.codes.includes('MANIFEST_BLOB_UNKNOWN'));
        assert.ok(!error.message.includes(rig.password ?? '\u0000'), 'no secret in the message');
        return true;
      });
      proxy.rules.length = 0;
      assert.equal(writesSince(from).filter((w) => w === 'PUT manifest').length, 3, 'bounded: three manifest PUTs');
      assert.equal(await client.headManifest(parseReference(`${rig.host}/race/app:${tag}`), { signal: signal() }), undefined, 'no tag');
    });

    test('library: a blob check answered 500 while another push rewrites the link leads to an upload, not a failure', async () => {
      const ref = parseReference(`${rig.host}/race/app`);
      const config = bufferSource(ARTIFACT_CONFIG);
      await client.pushBlob(ref, config, { signal: signal() });
      await forgetBlob(rig.dataDir, 'race/app', config.digest, 'empty');
      assert.equal(await client.pushBlob(ref, config, { signal: signal() }), 'uploaded');
      assert.equal(await client.blobExists(ref, config.digest, { signal: signal() }), true, 'the upload wrote the link again');
    });

    test('library: a read of a tag answered 500 while another push rewrites the tag (its link file empty) is tried again and succeeds', async () => {
      const tag = 'tag-rewrite';
      const dir = await source(tag, tag);
      const pushed = await pushDirectory(client, parseReference(`${rig.host}/race/app:${tag}`), dir, { signal: signal() });
      const link = join(rig.dataDir, 'docker/registry/v2/repositories/race/app/_manifests/tags', tag, 'current/link');
      const saved = await readFile(link);
      const proxiedRef = parseReference(`${proxy.host}/race/app:${tag}`);
      const manifestPath = new RegExp(`/manifests/${tag}$`);
      // The premise: the registry itself answers 500 to a read that meets the link as distribution
      // leaves it mid-rewrite (truncated, not yet written). A client that never retries sees it. A
      // first read with the link intact lets the client hold its token, so that with a token
      // registry the read below is the authenticated one, not a 401 challenge.
      const once = clientFor(rig, { maxRetries: 0 });
      await once.getManifest(proxiedRef, { signal: signal() });
      await writeFile(link, '');
      await assert.rejects(once.getManifest(proxiedRef, { signal: signal() }), (error: unknown) => error instanceof RegistryError && error.status === 500);
      once.close();
      await writeFile(link, saved);
      // Our client: its first read meets the empty link, the next one finds it written again.
      await proxied.getManifest(proxiedRef, { signal: signal() });
      proxy.rules.push(
        { method: 'GET', path: manifestPath, times: 1, fault: { kind: 'act-first', action: () => writeFile(link, '') } },
        { method: 'GET', path: manifestPath, times: 1, fault: { kind: 'act-first', action: () => writeFile(link, saved) } },
      );
      const from = proxy.requests.length;
      const manifest = await proxied.getManifest(proxiedRef, { signal: signal() });
      proxy.rules.length = 0;
      assert.equal(manifest.digest, pushed.digest);
      assert.equal(proxy.requests.slice(from).filter((r) => r.method === 'GET' && r.path.endsWith(`/manifests/${tag}`)).length, 2, 'read twice');
    });

    test('library: an upload session that ends in an error after another push completed the blob counts as done', async () => {
      const ref = parseReference(`${proxy.host}/race/app`);
      const blob = bufferSource(Buffer.from(`completed elsewhere ${mode}`));
      // The PUT reaches the registry (the blob is stored), but the answer is an error, as when the
      // other push's completion of the same blob made this session's ending fail.
      proxy.rules.push({ method: 'PUT', path: /\/blobs\/uploads\//, times: 1,
        fault: { kind: 'registry-error', status: 500, code: 'UNKNOWN', message: 'unknown error', afterForwarding: true } });
      const from = proxy.requests.length;
      assert.equal(await proxied.pushBlob(ref, blob, { signal: signal() }), 'exists');
      assert.deepEqual(writesSince(from), ['POST upload', 'PUT upload'], 'one session, not started again');
      // Without the blob in the registry, the same answer is an error, reported as it came.
      const missing = bufferSource(Buffer.from(`never stored ${mode}`));
      proxy.rules.push({ method: 'PUT', path: /\/blobs\/uploads\//, times: 1, fault: { kind: 'registry-error', status: 500, code: 'UNKNOWN', message: 'unknown error' } });
      await assert.rejects(proxied.pushBlob(ref, missing, { signal: signal() }), (error: unknown) => error instanceof RegistryError && error.status === 500 && /UNKNOWN: unknown error/.test(error.message));
    });

    test('library: the repair takes the cancellation signal (an abort while blobs are checked again stops it)', async () => {
      const ref = parseReference(`${proxy.host}/race/app:repair-abort`);
      const config = bufferSource(ARTIFACT_CONFIG);
      const layer = bufferSource(Buffer.from(`repair abort ${mode}`));
      for (const blob of [layer, config]) await proxied.pushBlob(ref, blob, { signal: signal() });
      const manifest = buildArtifactManifest(config, layer, {});
      const controller = new AbortController();
      proxy.rules.push(
        { method: 'PUT', path: /\/manifests\/repair-abort$/, times: 1, fault: { kind: 'registry-error', status: 400, code: 'MANIFEST_BLOB_UNKNOWN', message: 'blob unknown to registry', detail: config.digest } },
        // The first blob check of the repair is the moment the user cancels.
        { method: 'HEAD', path: /\/blobs\//, times: 1, fault: { kind: 'act-first', action: async () => controller.abort(new Error('repair cancelled')) } },
      );
      const from = proxy.requests.length;
      await assert.rejects(proxied.putManifest(ref, manifest, FLUX_MEDIA_TYPES.manifest, { signal: controller.signal, blobs: [layer, config] }), /repair cancelled/);
      proxy.rules.length = 0;
      assert.deepEqual(proxy.requests.slice(from).map((r) => `${r.method} ${r.fault ?? ''}`.trim()), ['PUT registry-error', 'HEAD act-first'], 'nothing after the abort');
      assert.equal(await client.headManifest(parseReference(`${rig.host}/race/app:repair-abort`), { signal: signal() }), undefined, 'no tag');
    });

    test('no log line of the repairs holds a secret', () => {
      assertLogsHoldNoSecrets(logs, rig);
    });
  });
}
