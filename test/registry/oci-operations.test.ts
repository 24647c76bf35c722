import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile, chmod, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry, RegistryRig } from './rig';
import { AUTH_MODES, clientFor, signal, assertLogsHoldNoSecrets } from './helpers';
import { parseReference } from '../../server/src/oci/reference';
import { RegistryClient, RegistryError, bufferSource, sha256Digest, MEDIA_TYPES, fileSource } from '../../server/src/oci/registry';
import { AuthError } from '../../server/src/oci/auth/session';
import { dockerConfigCredentials } from '../../server/src/oci/auth/credentials';
import { TransportError } from '../../server/src/oci/transport';
import { pullArtifact } from '../../server/src/oci/artifact/push';

function manifestFor(config: { digest: string; size: number }, layer: { digest: string; size: number }, note: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      config: { mediaType: 'application/vnd.cncf.flux.config.v1+json', digest: config.digest, size: config.size },
      layers: [{ mediaType: 'application/vnd.cncf.flux.content.v1.tar+gzip', digest: layer.digest, size: layer.size }],
      annotations: { note },
    }),
  );
}

async function pushSmallArtifact(client: RegistryClient, refText: string, note = 'x') {
  const ref = parseReference(refText);
  const layer = bufferSource(Buffer.from(`layer ${note}`));
  const config = bufferSource(Buffer.from('{}'));
  await client.pushBlob(ref, layer, { signal: signal() });
  await client.pushBlob(ref, config, { signal: signal() });
  const bytes = manifestFor(config, layer, note);
  const digest = await client.putManifest(ref, bytes, MEDIA_TYPES.ociManifest, { signal: signal() });
  return { ref, layer, config, bytes, digest };
}

for (const mode of AUTH_MODES) {
  describe(`registry operations (${mode})`, () => {
    let rig: RegistryRig;
    let client: RegistryClient;
    const logs: string[] = [];
    before(async () => {
      rig = await startRegistry({ auth: mode });
      client = clientFor(rig, { log: (line) => logs.push(line), chunkThreshold: 100 * 1024, chunkSize: 64 * 1024 });
    });
    after(async () => {
      client?.close();
      await rig?.stop();
    });

    test('push blobs (monolithic and chunked), skip existing, and read them back verified', async () => {
      const ref = parseReference(`${rig.host}/blobs/app`);
      const small = bufferSource(randomBytes(1000));
      const big = bufferSource(randomBytes(300 * 1024));
      const progress: number[] = [];
      assert.equal(await client.pushBlob(ref, small, { signal: signal() }), 'uploaded');
      assert.equal(await client.pushBlob(ref, big, { signal: signal(), onProgress: (done) => progress.push(done) }), 'uploaded');
      assert.deepEqual(progress, [64 * 1024, 128 * 1024, 192 * 1024, 256 * 1024, 300 * 1024], 'chunked PATCH progress');
      assert.ok(logs.some((l) => l.startsWith('PATCH ')), 'a PATCH was sent for the big blob');
      assert.equal(await client.pushBlob(ref, big, { signal: signal() }), 'exists');
      const dir = await mkdtemp(join(tmpdir(), 'flux-oci-blob-'));
      await client.downloadBlob(ref, big, join(dir, 'big'), { signal: signal() });
      assert.equal(sha256Digest(await readFile(join(dir, 'big'))), big.digest);
      await rm(dir, { recursive: true, force: true });
    });

    test('a blob streamed from a file and a cross-repository mount', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'flux-oci-file-'));
      await writeFile(join(dir, 'data'), randomBytes(50_000));
      const source = await fileSource(join(dir, 'data'));
      const from = parseReference(`${rig.host}/mount/source`);
      const to = parseReference(`${rig.host}/mount/target`);
      assert.equal(await client.pushBlob(from, source, { signal: signal() }), 'uploaded');
      assert.equal(await client.pushBlob(to, source, { signal: signal(), mountFrom: from.repository }), 'mounted');
      assert.equal(await client.blobExists(to, source.digest, { signal: signal() }), true);
      await rm(dir, { recursive: true, force: true });
    });

    test('manifests: put checks the digest, get/head return it with the media type', async () => {
      const pushed = await pushSmallArtifact(client, `${rig.host}/manifests/app:v1`, 'one');
      assert.equal(pushed.digest, sha256Digest(pushed.bytes));
      const got = await client.getManifest(pushed.ref, { signal: signal() });
      assert.equal(got.digest, pushed.digest);
      assert.equal(got.mediaType, MEDIA_TYPES.ociManifest);
      assert.deepEqual(got.bytes, pushed.bytes);
      const byDigest = await client.getManifest(pushed.ref.withDigest(pushed.digest), { signal: signal() });
      assert.equal(byDigest.digest, pushed.digest);
      const head = await client.headManifest(pushed.ref, { signal: signal() });
      assert.equal(head?.digest, pushed.digest);
      assert.equal(await client.headManifest(pushed.ref.withTag('missing'), { signal: signal() }), undefined);
      await assert.rejects(client.getManifest(pushed.ref.withTag('missing'), { signal: signal() }), (e: unknown) => e instanceof RegistryError && e.status === 404 && /not found/.test(e.message));
    });

    test('indexes and Docker v2 manifests come back as what they are (the Accept header asks for all four types)', async () => {
      const pushed = await pushSmallArtifact(client, `${rig.host}/kinds/app:single`, 'kinds');
      const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [{ mediaType: MEDIA_TYPES.ociManifest, digest: pushed.digest, size: pushed.bytes.length, platform: { architecture: 'amd64', os: 'linux' } }] }));
      const indexRef = pushed.ref.withTag('index');
      const indexDigest = await client.putManifest(indexRef, index, MEDIA_TYPES.ociIndex, { signal: signal() });
      // Without the index type in Accept, distribution would answer with the linux/amd64 manifest instead.
      const gotIndex = await client.getManifest(indexRef, { signal: signal() });
      assert.deepEqual([gotIndex.mediaType, gotIndex.digest], [MEDIA_TYPES.ociIndex, indexDigest]);
      assert.equal((await client.headManifest(indexRef, { signal: signal() }))?.mediaType, MEDIA_TYPES.ociIndex);
      await assert.rejects(pullArtifact(client, indexRef, join(tmpdir(), 'never-created'), { signal: signal() }), /is an image index, not a single artifact/);

      const docker = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.dockerManifest, config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: pushed.config.digest, size: pushed.config.size }, layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: pushed.layer.digest, size: pushed.layer.size }] }));
      const dockerRef = pushed.ref.withTag('docker');
      const dockerDigest = await client.putManifest(dockerRef, docker, MEDIA_TYPES.dockerManifest, { signal: signal() });
      const gotDocker = await client.getManifest(dockerRef, { signal: signal() });
      assert.deepEqual([gotDocker.mediaType, gotDocker.digest], [MEDIA_TYPES.dockerManifest, dockerDigest]);
    });

    test('tags: tag an existing manifest, list with pagination and a cap', async () => {
      const pushed = await pushSmallArtifact(client, `${rig.host}/tags/app:base`, 'tags');
      const names = Array.from({ length: 23 }, (_, i) => `v${String(i).padStart(2, '0')}`);
      for (const name of names) assert.equal(await client.tag(pushed.ref, name, { signal: signal() }), pushed.digest);
      // distribution 2.8 answers in one page whatever n says; paging itself is tested behind the fault proxy.
      const tags = await client.listTags(pushed.ref, { signal: signal(), pageSize: 5 });
      assert.deepEqual([...tags].sort(), ['base', ...names].sort());
      await assert.rejects(client.listTags(pushed.ref, { signal: signal(), pageSize: 5, maxTags: 12 }), /more than 12 tags/);
      await assert.rejects(client.listTags(parseReference(`${rig.host}/no/such`), { signal: signal() }), (e: unknown) => e instanceof RegistryError && e.status === 404);
    });

    test('delete a manifest by tag (resolved to its digest)', async () => {
      const pushed = await pushSmallArtifact(client, `${rig.host}/delete/app:gone`, 'delete');
      assert.equal(await client.deleteManifest(pushed.ref, { signal: signal() }), pushed.digest);
      assert.equal(await client.headManifest(pushed.ref.withDigest(pushed.digest), { signal: signal() }), undefined);
      await assert.rejects(client.deleteManifest(pushed.ref, { signal: signal() }), /not found/);
    });

    test('deleting only a tag: distribution 2.8 cannot, and says so clearly', async () => {
      const pushed = await pushSmallArtifact(client, `${rig.host}/delete/app:keep`, 'tag-only');
      await assert.rejects(client.deleteTag(pushed.ref, { signal: signal() }), (e: unknown) => e instanceof RegistryError && /cannot delete a tag on its own/.test(e.message));
      assert.equal((await client.headManifest(pushed.ref, { signal: signal() }))?.digest, pushed.digest, 'nothing was deleted');
    });

    test('an aborted signal stops the operation', async () => {
      const controller = new AbortController();
      controller.abort(new Error('stopped by test'));
      await assert.rejects(client.listTags(parseReference(`${rig.host}/tags/app`), { signal: controller.signal }), /stopped by test|abort/i);
    });

    if (mode !== 'none') {
      test('wrong and missing credentials fail clearly without revealing secrets', async () => {
        const wrong = clientFor(rig, { credentials: { kind: 'basic', username: 'alice', password: 'Wrong-Secret-123' } });
        await assert.rejects(wrong.listTags(parseReference(`${rig.host}/tags/app`), { signal: signal() }), (e: unknown) => {
          assert.ok(e instanceof AuthError, String(e));
          assert.match(e.message, /refused/);
          assert.ok(!e.message.includes('Wrong-Secret-123') && !e.message.includes(rig.password!));
          return true;
        });
        wrong.close();
        const anonymous = clientFor(rig, { credentials: undefined });
        await assert.rejects(anonymous.listTags(parseReference(`${rig.host}/tags/app`), { signal: signal() }), (e: unknown) => e instanceof AuthError && /requires authentication|refused/.test(e.message));
        anonymous.close();
        assert.ok(!logs.join('\n').includes(rig.password!), 'no password in the log');
      });

      test('credentials from a Docker config file (auths entry) and from a credential helper', async () => {
        const dir = await mkdtemp(join(tmpdir(), 'flux-oci-dockercfg-'));
        const auth = Buffer.from(`${rig.username}:${rig.password}`).toString('base64');
        await writeFile(join(dir, 'config.json'), JSON.stringify({ auths: { [`https://${rig.host}`]: { auth } } }));
        const fromFile = clientFor(rig, { credentials: undefined, credentialSource: dockerConfigCredentials({ configDir: dir }) });
        await fromFile.listTags(parseReference(`${rig.host}/tags/app`), { signal: signal() });
        fromFile.close();

        const helperDir = await mkdtemp(join(tmpdir(), 'flux-oci-helper-'));
        const helper = join(helperDir, 'docker-credential-fluxtest');
        const answer = JSON.stringify({ ServerURL: rig.host, Username: rig.username, Secret: rig.password });
        await writeFile(helper, `#!/bin/sh\nread server\nif [ "$1" = get ] && [ "$server" = "${rig.host}" ]; then echo '${answer}'; else echo "credentials not found"; exit 1; fi\n`);
        await chmod(helper, 0o755);
        const oldPath = process.env.PATH;
        process.env.PATH = `${helperDir}:${oldPath}`;
        try {
          // credHelpers for this host, then credsStore for every host; both run the script on PATH.
          for (const config of [{ credHelpers: { [rig.host]: 'fluxtest' } }, { credsStore: 'fluxtest' }]) {
            await writeFile(join(dir, 'config.json'), JSON.stringify(config));
            const fromHelper = clientFor(rig, { credentials: undefined, credentialSource: dockerConfigCredentials({ configDir: dir }) });
            await fromHelper.listTags(parseReference(`${rig.host}/tags/app`), { signal: signal() });
            fromHelper.close();
          }
          // A helper that knows nothing of this host means anonymous, which the registry refuses.
          await writeFile(join(dir, 'config.json'), JSON.stringify({ credsStore: 'fluxtest' }));
          const unknownHost = clientFor(rig, { credentials: undefined, credentialSource: dockerConfigCredentials({ configDir: dir }) });
          await assert.rejects(unknownHost.listTags(parseReference(`localhost:${rig.host.split(':')[1]}/tags/app`), { signal: signal() }), /requires authentication|not trusted/);
          unknownHost.close();
        } finally {
          process.env.PATH = oldPath;
        }
        // username/password fields, and DOCKER_CONFIG naming the folder.
        await writeFile(join(dir, 'config.json'), JSON.stringify({ auths: { [rig.host]: { username: rig.username, password: rig.password } } }));
        const viaEnv = clientFor(rig, { credentials: undefined, credentialSource: dockerConfigCredentials({ env: { DOCKER_CONFIG: dir } }) });
        await viaEnv.listTags(parseReference(`${rig.host}/tags/app`), { signal: signal() });
        viaEnv.close();
        await rm(dir, { recursive: true, force: true });
        await rm(helperDir, { recursive: true, force: true });
      });
    }

    if (mode === 'basic-tls') {
      test('TLS is verified: no CA file means a clear certificate error, never a plain-HTTP fallback', async () => {
        const noCa = clientFor(rig, { caFiles: undefined });
        await assert.rejects(noCa.listTags(parseReference(`${rig.host}/tags/app`), { signal: signal() }), (e: unknown) => e instanceof TransportError && /not trusted.*CA file/.test(e.message));
        noCa.close();
      });
    }

    if (mode === 'token') {
      test('tokens are cached per scope; the OAuth2 POST form and refresh tokens work', async () => {
        const issuer = rig.tokenIssuer!;
        const fresh = clientFor(rig);
        const ref = parseReference(`${rig.host}/tags/app`);
        const start = issuer.requests.length;
        for (let i = 0; i < 3; i++) await fresh.listTags(ref, { signal: signal() });
        assert.deepEqual(issuer.requests.slice(start).map((r) => [r.method, r.user, r.scopes.join(' ')]), [['GET', 'alice', 'repository:tags/app:pull']], 'one token (GET form, Basic-authenticated) for three listings');
        await fresh.listTags(parseReference(`${rig.host}/tags/other`), { signal: signal() }).catch(() => undefined);
        assert.equal(issuer.requests.length - start, 2, 'another repository is another scope, so another token');
        fresh.close();

        const post = clientFor(rig, { tokenMethod: 'post' });
        const beforePost = issuer.requests.length;
        await post.listTags(ref, { signal: signal() });
        assert.deepEqual(issuer.requests.slice(beforePost).map((r) => [r.method, r.grant, r.user]), [['POST', 'password', 'alice']]);
        post.close();

        // An identitytoken in the Docker config is an OAuth2 refresh token: POST form, refresh_token grant.
        const dir = await mkdtemp(join(tmpdir(), 'flux-oci-idtoken-'));
        await writeFile(join(dir, 'config.json'), JSON.stringify({ auths: { [rig.host]: { auth: Buffer.from('<token>:').toString('base64'), identitytoken: rig.refreshToken } } }));
        const refresh = clientFor(rig, { credentials: undefined, credentialSource: dockerConfigCredentials({ configDir: dir }) });
        const beforeRefresh = issuer.requests.length;
        await refresh.listTags(ref, { signal: signal() });
        assert.deepEqual(issuer.requests.slice(beforeRefresh).map((r) => [r.method, r.grant, r.user]), [['POST', 'refresh_token', 'alice']]);
        refresh.close();
        await rm(dir, { recursive: true, force: true });
      });

      test('a token for one repository does not open another (scope is requested per repository)', async () => {
        await pushSmallArtifact(client, `${rig.host}/scoped/one:v1`, 'scoped');
        await pushSmallArtifact(client, `${rig.host}/scoped/two:v1`, 'scoped');
        const tokens = rig.tokenIssuer!.requests.flatMap((r) => r.scopes);
        assert.ok(tokens.includes('repository:scoped/one:pull,push'));
        assert.ok(tokens.includes('repository:scoped/two:pull,push'));
      });
    }

    test('across every test above, no log line holds a secret or a query string', () => {
      assertLogsHoldNoSecrets(logs, rig);
    });
  });
}

test('plain HTTP is refused for a non-loopback host that is not marked insecure', async () => {
  const client = new RegistryClient({ credentialSource: async () => undefined, maxRetries: 0 });
  const insecure = client.transport.allowsPlainHttp('registry.example.com:5000');
  assert.equal(insecure, false);
  const marked = new RegistryClient({ credentialSource: async () => undefined, insecureHosts: ['registry.example.com:5000'] });
  assert.equal(marked.transport.allowsPlainHttp('registry.example.com:5000'), true);
  await assert.rejects(client.transport.request({ method: 'GET', url: 'http://registry.example.com:5000/v2/', signal: signal() }), /refusing plain HTTP/);
  client.close();
  marked.close();
});
