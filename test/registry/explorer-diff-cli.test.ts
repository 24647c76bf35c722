// `flux-oci diff` against the real registry: 0 when the folder matches the artifact, 1 naming
// each added/removed/changed file, 2 for usage and registry errors.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry, type RegistryRig } from './rig';
import { clientFor, signal } from './helpers';
import { pushFiles, writeTree } from './explorerSeed';
import { runDiffCommand } from '../../server/src/cli/diff';

const FILES = { 'kustomization.yaml': 'resources: [apps.yaml]\n', 'apps.yaml': 'kind: Namespace\n', 'sub/more.yaml': 'kind: Service\n' };

async function diff(args: string[]) {
  const out = { stdout: '', stderr: '' };
  const code = await runDiffCommand(args, { stdout: (s) => { out.stdout += s; }, stderr: (s) => { out.stderr += s; } }, signal(60_000));
  return { code, ...out };
}

describe('flux-oci diff', () => {
  let rig: RegistryRig;
  let folder: string;
  let url: string;

  before(async () => {
    rig = await startRegistry({ auth: 'basic-tls' });
    const client = clientFor(rig);
    url = `oci://${rig.host}/diff/app:v1`;
    await pushFiles(client, url, FILES);
    client.close();
    folder = await mkdtemp(join(tmpdir(), 'flux-oci-diff-local-'));
    await writeTree(folder, { ...FILES, '.git/HEAD': 'ref\n', 'logo.png': 'png' });
  });

  after(async () => {
    await rig?.stop();
    await rm(folder, { recursive: true, force: true });
  });

  const auth = () => [`--creds=${rig.username}:${rig.password}`, '--ca-file', rig.caFile as string];

  test('the same folder (default ignore list applied) exits 0', async () => {
    const result = await diff([url, `--path=${folder}`, ...auth()]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /are the same \(3 files\)/);
  });

  test('a different folder exits 1 and names each file', async () => {
    await writeFile(join(folder, 'apps.yaml'), 'kind: Namespace\nmetadata: {name: x}\n');
    await writeFile(join(folder, 'new.yaml'), 'kind: ConfigMap\n');
    await unlink(join(folder, 'sub/more.yaml'));
    const result = await diff([url, '--path', folder, ...auth()]);
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stdout, 'added: new.yaml\nremoved: sub/more.yaml\nchanged: apps.yaml\n');
    assert.match(result.stderr, /differ: 1 added, 1 removed, 1 changed, 1 the same/);
    const ignored = await diff([url, `--path=${folder}`, '--ignore-paths', 'new.yaml,other/', ...auth()]);
    assert.equal(ignored.stdout, 'removed: sub/more.yaml\nchanged: apps.yaml\n');
  });

  test('usage and registry errors exit 2; credentials never echoed', async () => {
    assert.equal((await diff([url])).code, 2);
    assert.match((await diff([url, '--path', folder, '--bogus'])).stderr, /unknown option --bogus/);
    assert.match((await diff([url, '--path', join(folder, 'missing')])).stderr, /is not a folder/);
    const denied = await diff([url, `--path=${folder}`, '--creds=alice:wrong-password', '--ca-file', rig.caFile as string]);
    assert.equal(denied.code, 2);
    assert.match(denied.stderr, /401|unauthori[sz]ed|credentials/i);
    assert.ok(!denied.stderr.includes('wrong-password'));
    const missing = await diff([`oci://${rig.host}/diff/app:v9`, `--path=${folder}`, ...auth()]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /not found/);
  });
});
