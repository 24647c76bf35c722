// `flux-oci status` against the real registry: a fleet mapped by .flux-oci.yaml is pushed with
// our CLI, then compared: the same (exit 0), a local edit (exit 1, the file named), a synced tag
// never pushed (exit 1), JSON for CI, and a registry that does not answer (exit 2).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startRegistry, freePort, type RegistryRig } from './rig';
import { runCli } from './pushHelpers';
import { startServer } from '../lsp/lspClient';
import { ArtifactStatusRequest, type PublishedArtifactStatus } from '../../server/src/protocol';

const FIXTURE = resolve(__dirname, '..', 'fixtures', 'artifact-map', 'oci-fleet');

const cli = runCli;

describe('flux-oci status: local folders against what the registry holds', () => {
  let rig: RegistryRig;
  let work: string;
  let env: Record<string, string>;
  before(async () => {
    rig = await startRegistry({ auth: 'none' });
    work = join(await mkdtemp(join(tmpdir(), 'flux-oci-status-')), 'fleet');
    await cp(FIXTURE, work, { recursive: true });
    await mkdir(join(work, '.git'));
    await writeFile(join(work, '.git', 'config'), '[remote "origin"]\n\turl = https://github.com/example-org/fleet\n');
    env = { DOCKER_CONFIG: join(work, '..', 'docker') };
    // The FluxInstance syncs tag "latest" of the repository on this registry.
    const url = `oci://${rig.host}/example-org/manifests/fleet`;
    await writeFile(join(work, 'bootstrap', 'flux-instance.yaml'), (await import('node:fs')).readFileSync(join(FIXTURE, 'bootstrap', 'flux-instance.yaml'), 'utf8')
      .replace('oci://ghcr.io/example-org/manifests/fleet', url));
    await writeFile(join(work, '.flux-oci.yaml'), `artifacts:\n  - url: ${url}\n    path: ./kubernetes\n  - url: ${url}:staging\n    path: ./kubernetes\n`);
  });
  after(async () => {
    await rig?.stop();
    if (work) await rm(join(work, '..'), { recursive: true, force: true });
  });

  test('pushed, the same, then a local edit, a tag never pushed, and JSON', async () => {
    const url = `oci://${rig.host}/example-org/manifests/fleet`;
    const push = await cli(work, ['push', 'artifact', `${url}:latest`, '--path=./kubernetes', '--source=https://github.com/example-org/fleet', '--revision=main@sha1:1a2b3c4d5e6f'], env);
    assert.equal(push.code, 0, push.stderr);

    const before = await cli(work, ['status'], env);
    assert.equal(before.code, 1, before.stderr);
    const lines = before.stdout.trim().split('\n');
    assert.match(lines[0], new RegExp(`^${url.replace(/[.:/]/g, '\\$&')}:latest  kubernetes  same \\(5 files\\), pushed \\S+ from main@sha1:1a2b3c4d5e6f$`));
    assert.match(lines[1], /:staging {2}kubernetes {2}not pushed \(the registry has no tag staging\)$/);

    await writeFile(join(work, 'kubernetes', 'apps', 'podinfo', 'app', 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: podinfo\ndata:\n  color: green\n');
    const after = await cli(work, ['status', '-o', 'json', '.'], env);
    assert.equal(after.code, 1, after.stderr);
    const [latest, staging] = JSON.parse(after.stdout) as { tag: string; state: string; changed: string[]; origin: string; digest?: string }[];
    assert.deepEqual([latest.tag, latest.state, latest.changed, latest.origin], ['latest', 'different', ['apps/podinfo/app/cm.yaml'], 'declared in .flux-oci.yaml:2']);
    assert.match(latest.digest ?? '', /^sha256:/);
    assert.deepEqual([staging.tag, staging.state], ['staging', 'not-pushed']);
  });

  test('the language server answers the same over fluxOci/artifactStatus, in words for the status item', async () => {
    const session = await startServer({ root: work, env: { DOCKER_CONFIG: env.DOCKER_CONFIG } });
    try {
      const { artifacts } = await session.conn.sendRequest(ArtifactStatusRequest.method, {}) as { artifacts: PublishedArtifactStatus[] };
      assert.deepEqual(artifacts.map((a) => [a.tag, a.state, a.folder, a.changed]), [['latest', 'different', './kubernetes', ['apps/podinfo/app/cm.yaml']], ['staging', 'not-pushed', './kubernetes', []]]);
      assert.match(artifacts[0].summary, /^\.\/kubernetes: 1 file differs from oci:\/\/127\.0\.0\.1:\d+\/example-org\/manifests\/fleet:latest, pushed \d+ min ago from 1a2b3c4$/);
      assert.equal(artifacts[1].summary.replace(/:\d+\//, ':PORT/'), './kubernetes: oci://127.0.0.1:PORT/example-org/manifests/fleet:staging is not pushed');
    } finally {
      await session.close();
    }
  });

  test('a registry that does not answer is an error (exit 2), not a difference', async () => {
    const port = await freePort();
    const res = await cli(work, ['status', '--artifact', `oci://127.0.0.1:${port}/x/y:v1=./kubernetes`, '.'], env);
    assert.equal(res.code, 2, res.stdout + res.stderr);
    assert.match(res.stdout, new RegExp(`oci://127\\.0\\.0\\.1:${port}/x/y:v1 {2}kubernetes {2}error: `));
  });
});
