import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile, readFile, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { startRegistry, RegistryRig } from './rig';
import { AUTH_MODES, clientFor, signal, skopeo, skopeoFlags } from './helpers';
import { parseReference } from '../../server/src/oci/reference';
import { RegistryClient, sha256Digest } from '../../server/src/oci/registry';
import { pushDirectory, pullArtifact } from '../../server/src/oci/artifact/push';
import { FLUX_MEDIA_TYPES } from '../../server/src/oci/artifact/build';

/** A folder with things Flux packs, things it ignores, and things it skips. */
async function makeSourceFolder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'flux-oci-src-'));
  await mkdir(join(dir, 'apps', 'base'), { recursive: true });
  await mkdir(join(dir, '.git'), { recursive: true });
  await mkdir(join(dir, 'empty'));
  await writeFile(join(dir, 'apps', 'base', 'deploy.yaml'), 'apiVersion: apps/v1\nkind: Deployment\n');
  await writeFile(join(dir, 'apps', 'base', 'scratch.tmp'), 'temporary');
  await writeFile(join(dir, 'apps', '.sourceignore'), '*.tmp\n');
  await writeFile(join(dir, 'kustomization.yaml'), 'resources: [apps/base/deploy.yaml]\n');
  await writeFile(join(dir, 'secret.txt'), 'do not ship');
  await writeFile(join(dir, '.sourceignore'), 'secret.txt\n');
  await writeFile(join(dir, 'logo.png'), 'png');
  await writeFile(join(dir, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  await writeFile(join(dir, '.gitignore'), 'x\n');
  await symlink('kustomization.yaml', join(dir, 'link.yaml'));
  return dir;
}

const EXPECTED_ENTRIES = ['.sourceignore', 'apps/', 'apps/.sourceignore', 'apps/base/', 'apps/base/deploy.yaml', 'empty/', 'kustomization.yaml'];

interface EntryFacts {
  path: string;
  type: string;
  uid?: number;
  gid?: number;
  uname?: string;
  gname?: string;
  mtime?: Date;
}

async function listLayer(client: RegistryClient, refText: string, digest: string): Promise<EntryFacts[]> {
  const entries: EntryFacts[] = [];
  const stream = await client.openBlob(parseReference(refText), { digest }, { signal: signal() });
  const parser = new tar.Parser({
    onReadEntry: (entry) => {
      entries.push({ path: entry.path, type: entry.type, uid: entry.uid, gid: entry.gid, uname: entry.uname, gname: entry.gname, mtime: entry.mtime });
      entry.resume();
    },
  });
  await pipeline(stream, parser as unknown as Writable);
  return entries;
}

for (const mode of AUTH_MODES) {
  describe(`Flux artifacts (${mode})`, () => {
    let rig: RegistryRig;
    let client: RegistryClient;
    let source: string;
    before(async () => {
      rig = await startRegistry({ auth: mode });
      client = clientFor(rig);
      source = await makeSourceFolder();
    });
    after(async () => {
      client?.close();
      await rig?.stop();
      if (source) await rm(source, { recursive: true, force: true });
    });

    test('push builds exactly the Flux format; reproducible pushes give the same digest', async () => {
      const phases = new Set<string>();
      const first = await pushDirectory(client, parseReference(`oci://${rig.host}/flux/app:v1`), source, {
        signal: signal(),
        reproducible: true,
        source: 'https://github.com/example/repo',
        revision: 'main@sha1:0123456789abcdef0123456789abcdef01234567',
        extra: { team: 'platform' },
        onProgress: (p) => phases.add(p.phase),
      });
      assert.deepEqual([...phases], ['build', 'upload', 'manifest']);
      const second = await pushDirectory(client, parseReference(`${rig.host}/flux/app:v2`), source, {
        signal: signal(),
        reproducible: true,
        source: 'https://github.com/example/repo',
        revision: 'main@sha1:0123456789abcdef0123456789abcdef01234567',
        extra: { team: 'platform' },
      });
      assert.equal(second.digest, first.digest);
      assert.equal(second.layer.digest, first.layer.digest);

      const manifest = await client.getManifest(parseReference(`${rig.host}/flux/app:v1`), { signal: signal() });
      assert.equal(manifest.digest, first.digest);
      const json = JSON.parse(manifest.bytes.toString('utf8')) as {
        mediaType: string;
        config: { mediaType: string };
        layers: Array<{ mediaType: string; digest: string }>;
        annotations: Record<string, string>;
      };
      assert.equal(json.mediaType, FLUX_MEDIA_TYPES.manifest);
      assert.equal(json.config.mediaType, FLUX_MEDIA_TYPES.config);
      assert.deepEqual(json.layers.map((l) => l.mediaType), [FLUX_MEDIA_TYPES.content]);
      assert.deepEqual(json.annotations, {
        'org.opencontainers.image.created': '1970-01-01T00:00:00Z',
        'org.opencontainers.image.source': 'https://github.com/example/repo',
        'org.opencontainers.image.revision': 'main@sha1:0123456789abcdef0123456789abcdef01234567',
        team: 'platform',
      });

      const entries = await listLayer(client, `${rig.host}/flux/app`, json.layers[0].digest);
      assert.deepEqual(entries.map((e) => e.path), EXPECTED_ENTRIES);
      for (const entry of entries) {
        assert.ok(entry.type === 'File' || entry.type === 'Directory', `${entry.path} is ${entry.type}`);
        assert.equal(entry.uid ?? 0, 0);
        assert.equal(entry.gid ?? 0, 0);
        assert.equal(entry.uname ?? '', '');
        assert.equal(entry.gname ?? '', '');
        assert.equal(entry.mtime?.getTime() ?? 0, 0);
      }

      const live = await pushDirectory(client, parseReference(`${rig.host}/flux/app:live`), source, { signal: signal() });
      const liveManifest = await client.getManifest(live.reference, { signal: signal() });
      const created = (JSON.parse(liveManifest.bytes.toString('utf8')) as { annotations: Record<string, string> }).annotations['org.opencontainers.image.created'];
      assert.match(created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.notEqual(created, '1970-01-01T00:00:00Z');
    });

    test('pull extracts the artifact into a folder', async () => {
      const out = join(source, '..', `out-${mode}-${Date.now()}`);
      const result = await pullArtifact(client, parseReference(`${rig.host}/flux/app:v1`), out, { signal: signal() });
      assert.deepEqual(result.files.sort(), ['.sourceignore', 'apps/.sourceignore', 'apps/base/deploy.yaml', 'kustomization.yaml']);
      assert.equal(await readFile(join(out, 'apps', 'base', 'deploy.yaml'), 'utf8'), 'apiVersion: apps/v1\nkind: Deployment\n');
      assert.deepEqual((await readdir(out)).sort(), ['.sourceignore', 'apps', 'empty', 'kustomization.yaml']);
      await rm(out, { recursive: true, force: true });
    });

    test('skopeo reads what we push, and we read what skopeo pushes', async () => {
      const flags = await skopeoFlags(rig);
      const ours = await client.getManifest(parseReference(`${rig.host}/flux/app:v1`), { signal: signal() });
      const raw = await skopeo(['inspect', '--raw', ...flags, `docker://${rig.host}/flux/app:v1`]);
      assert.equal(sha256Digest(Buffer.from(raw)), ours.digest, 'skopeo sees the same manifest bytes');

      const copyDir = await mkdtemp(join(tmpdir(), 'flux-oci-skopeo-dir-'));
      await skopeo(['copy', '--quiet', ...flags.map((f) => (f === '--creds' ? '--src-creds' : f === '--cert-dir' ? '--src-cert-dir' : f === '--tls-verify=false' ? '--src-tls-verify=false' : f)), `docker://${rig.host}/flux/app:v1`, `dir:${copyDir}`]);
      const layerDigest = (JSON.parse(ours.bytes.toString('utf8')) as { layers: Array<{ digest: string }> }).layers[0].digest;
      const copied = await readFile(join(copyDir, layerDigest.slice('sha256:'.length)));
      assert.equal(sha256Digest(copied), layerDigest, 'skopeo downloaded our layer intact');

      const destFlags = flags.map((f) => (f === '--creds' ? '--dest-creds' : f === '--cert-dir' ? '--dest-cert-dir' : f === '--tls-verify=false' ? '--dest-tls-verify=false' : f));
      await skopeo(['copy', '--quiet', '--preserve-digests', ...destFlags, `dir:${copyDir}`, `docker://${rig.host}/skopeo/pushed:v9`]);
      const pushedBySkopeo = await client.getManifest(parseReference(`${rig.host}/skopeo/pushed:v9`), { signal: signal() });
      assert.equal(pushedBySkopeo.digest, ours.digest);
      const out = await mkdtemp(join(tmpdir(), 'flux-oci-from-skopeo-'));
      const pulled = await pullArtifact(client, parseReference(`${rig.host}/skopeo/pushed:v9`), out, { signal: signal() });
      assert.ok(pulled.files.includes('kustomization.yaml'));
      assert.deepEqual(await client.listTags(parseReference(`${rig.host}/skopeo/pushed`), { signal: signal() }), ['v9']);
      await rm(copyDir, { recursive: true, force: true });
      await rm(out, { recursive: true, force: true });
    });
  });
}
