// The flux command lines users paste, run through `node dist/cli.js` against the real registry,
// checked with skopeo, a plain blob download and the system tar; plus the pre-push safety checks.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { startRegistry, RegistryRig } from './rig';
import { skopeo, skopeoFlags } from './helpers';
import { runCli, DEPLOY_FILES, FLUX, inspectRaw, layerListing, assertNormalisedEntries, makeFolder, tagDigest } from './pushHelpers';
import { runRegistryCommand } from '../../server/src/cli/registry';

const SHA = 'a'.repeat(8) + 'b'.repeat(32);


const cli = runCli;

describe('flux command lines against the registry (flux-oci CLI)', () => {
  let rig: RegistryRig;
  let work: string;
  let env: Record<string, string>;
  before(async () => {
    rig = await startRegistry({ auth: 'none' });
    work = await mkdtemp(join(tmpdir(), 'flux-oci-pushcli-'));
    env = { DOCKER_CONFIG: join(work, 'docker') };
    await cp(await makeFolder(DEPLOY_FILES), join(work, 'deploy'), { recursive: true });
  });
  after(async () => {
    await rig?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('flux push artifact … -a … --ignore-paths … --reproducible --insecure-registry -o json gives Flux\'s artifact', async () => {
    const url = `oci://${rig.host}/apps/web:v1.0.0`;
    const r = await cli(work, ['push', 'artifact', url, '--path=./deploy', '--source=https://github.com/org/fleet', `--revision=main@sha1:${SHA}`,
      '-a', 'team=ops', '--annotations', 'env=prod', '--annotations=tier=web', '--ignore-paths', 'README.md,*.txt', '--reproducible', '--insecure-registry', '-o', 'json'], env);
    assert.equal(r.code, 0, r.stderr);
    const info = JSON.parse(r.stdout) as { url: string; repository: string; tag: string; digest: string };
    assert.match(info.digest, /^sha256:[a-f0-9]{64}$/);
    assert.deepEqual(info, { url: `oci://${rig.host}/apps/web@${info.digest}`, repository: `${rig.host}/apps/web`, tag: 'v1.0.0', digest: info.digest });

    const manifest = await inspectRaw(rig, 'apps/web:v1.0.0');
    assert.equal(await tagDigest(rig, 'apps/web:v1.0.0'), info.digest, 'skopeo sees the digest we printed');
    assert.equal(manifest.mediaType, FLUX.manifest);
    assert.equal(manifest.config.mediaType, FLUX.config);
    assert.equal(manifest.layers.length, 1);
    assert.equal(manifest.layers[0].mediaType, FLUX.content);
    assert.deepEqual(manifest.annotations, {
      'org.opencontainers.image.created': '1970-01-01T00:00:00Z',
      'org.opencontainers.image.source': 'https://github.com/org/fleet',
      'org.opencontainers.image.revision': `main@sha1:${SHA}`,
      team: 'ops', env: 'prod', tier: 'web',
    });
    const layer = await layerListing(rig, 'apps/web', manifest.layers[0].digest);
    assert.deepEqual(layer.names, ['apps/', 'apps/deployment.yaml', 'apps/sync.yaml', 'kustomization.yaml'], 'README.md ignored by --ignore-paths, logo.png by Flux\'s defaults');
    assertNormalisedEntries(layer.verbose);

    // flux build artifact gives the very layer that was pushed.
    // (the old spelling --ignore still works)
    const built = await cli(work, ['build', 'artifact', '--path=./deploy', '--output=./artifact.tgz', '--ignore', 'README.md']);
    assert.equal(built.code, 0, built.stderr);
    const tgz = await readFile(join(work, 'artifact.tgz'));
    assert.equal(`sha256:${createHash('sha256').update(tgz).digest('hex')}`, manifest.layers[0].digest);
    assert.ok(built.stdout.includes(manifest.layers[0].digest));
  });

  test('-o yaml, --flag value and --flag=value forms', async () => {
    const r = await cli(work, ['push', `oci://${rig.host}/apps/web:v1.0.1`, '--path', 'deploy', '--source', 'https://x-access-token:ghp_cliToken@github.com/org/fleet', '--revision', `v1.0.1@sha1:${SHA}`, '--output=yaml'], env);
    assert.equal(r.code, 0, r.stderr);
    const digest = /^digest: (sha256:[a-f0-9]{64})$/m.exec(r.stdout)?.[1];
    assert.ok(digest, r.stdout);
    assert.match(r.stdout, new RegExp(`^url: oci://${rig.host}/apps/web@${digest}$`, 'm'));
    assert.match(r.stdout, /^tag: v1\.0\.1$/m);
    assert.match(r.stdout, new RegExp(`^repository: ${rig.host}/apps/web$`, 'm'));
    // --path may name one file, as with flux.
    const single = await cli(work, ['push', `oci://${rig.host}/apps/single:v1`, '--path=deploy/kustomization.yaml', '-o', 'json', '--insecure'], env);
    assert.equal(single.code, 0, single.stderr);
    const singleLayer = await layerListing(rig, 'apps/single', (await inspectRaw(rig, 'apps/single:v1')).layers[0].digest);
    assert.deepEqual(singleLayer.names, ['kustomization.yaml']);
    assert.match(r.stderr, /--source held credentials; they were left out/);
    assert.equal((await inspectRaw(rig, 'apps/web:v1.0.1')).annotations['org.opencontainers.image.source'], 'https://github.com/org/fleet', 'the token is not published');
    const created = (await inspectRaw(rig, 'apps/web:v1.0.1')).annotations['org.opencontainers.image.created'];
    assert.match(created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.notEqual(created, '1970-01-01T00:00:00Z');
  });

  test('flux tag artifact --tag, flux list artifacts with filters, flux pull artifact --output', async () => {
    const tag = await cli(work, ['tag', 'artifact', `oci://${rig.host}/apps/web:v1.0.0`, '--tag', 'latest', '--tag=stable'], env);
    assert.equal(tag.code, 0, tag.stderr);
    const tags = JSON.parse(await skopeo(['list-tags', ...(await skopeoFlags(rig)), `docker://${rig.host}/apps/web`])) as { Tags: string[] };
    assert.deepEqual(tags.Tags.sort(), ['latest', 'stable', 'v1.0.0', 'v1.0.1']);
    assert.equal(await tagDigest(rig, 'apps/web:latest'), await tagDigest(rig, 'apps/web:v1.0.0'));

    const list = await cli(work, ['list', 'artifacts', `oci://${rig.host}/apps/web`, '--filter-semver', '>=1.0.0, <2.0.0', '--filter-regex', '^v'], env);
    assert.equal(list.code, 0, list.stderr);
    const lines = list.stdout.trim().split('\n');
    assert.match(lines[0], /^ARTIFACT\s+DIGEST\s+SOURCE\s+REVISION$/);
    assert.equal(lines.length, 3, list.stdout);
    assert.match(lines[1], new RegExp(`^${rig.host}/apps/web:v1\\.0\\.1\\s+sha256:[a-f0-9]{64}\\s+https://github\\.com/org/fleet\\s+v1\\.0\\.1@sha1:${SHA}$`), 'newest first');
    assert.match(lines[2], new RegExp(`^${rig.host}/apps/web:v1\\.0\\.0\\s+${await tagDigest(rig, 'apps/web:v1.0.0')}\\s+https://github\\.com/org/fleet\\s+main@sha1:${SHA}$`));
    const json = JSON.parse((await cli(work, ['list', `oci://${rig.host}/apps/web`, '-o', 'json'], env)).stdout) as Array<{ artifact: string }>;
    assert.deepEqual(json.map((a) => a.artifact.split(':').pop()).sort(), ['latest', 'stable', 'v1.0.0', 'v1.0.1']);

    const pull = await cli(work, ['pull', 'artifact', `oci://${rig.host}/apps/web:v1.0.0`, '--output', './pulled'], env);
    assert.equal(pull.code, 0, pull.stderr);
    assert.equal(await readFile(join(work, 'pulled', 'apps', 'deployment.yaml'), 'utf8'), DEPLOY_FILES['apps/deployment.yaml']);
    const pull2 = await cli(work, ['pull', `oci://${rig.host}/apps/web:v1.0.1`, '--output=./pulled2'], env);
    assert.equal(pull2.code, 0, pull2.stderr);
    assert.equal(await readFile(join(work, 'pulled2', 'README.md'), 'utf8'), '# notes\n');
  });

  test('<verb> --help prints that verb\'s usage and exits 0; unknown flags exit 2 with the verb\'s usage', async () => {
    for (const verb of ['push', 'pull', 'tag', 'list', 'build', 'tags', 'manifest', 'delete']) {
      const r = await cli(work, [verb, '--help']);
      assert.equal(r.code, 0, `${verb} --help: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^usage: flux-oci ${verb} `), verb);
      assert.equal(r.stderr, '');
    }
    const pasted = await cli(work, ['push', 'artifact', '--help']);
    assert.equal(pasted.code, 0);
    assert.match(pasted.stdout, /--ignore-paths/);
    const bad = await cli(work, ['push', `oci://${rig.host}/apps/web:v9`, '--path', 'deploy', '--bogus'], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^error: unknown option --bogus\n\nusage: flux-oci push /);
    const badOutput = await cli(work, ['push', `oci://${rig.host}/apps/web:v9`, '--path', 'deploy', '-o', 'table'], env);
    assert.equal(badOutput.code, 2);
    assert.match(badOutput.stderr, /--output takes json or yaml/);
  });

  test('--creds user:password and --ca-file against TLS + htpasswd', async () => {
    const secure = await startRegistry({ auth: 'basic-tls' });
    try {
      const r = await cli(work, ['push', 'artifact', `oci://${secure.host}/apps/web:v1.0.0`, '--path=./deploy', `--creds=${secure.username}:${secure.password}`, `--ca-file=${secure.caFile}`, '-o', 'json'], env);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(!r.stdout.includes(secure.password!) && !r.stderr.includes(secure.password!));
      const digest = (JSON.parse(r.stdout) as { digest: string }).digest;
      assert.equal(await tagDigest(secure, 'apps/web:v1.0.0'), digest);
    } finally {
      await secure.stop();
    }
  });

  describe('safety before upload', () => {
    test('a Secret that is not SOPS-encrypted, a private key, a .env file and a kubeconfig stop the push, naming each', async () => {
      const dir = await makeFolder({
        ...DEPLOY_FILES,
        'apps/db-secret.yaml': 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2\n',
        'apps/sops-secret.yaml': 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: sealed\ndata:\n  password: ENC[AES256_GCM,data:abc=,iv:x,tag:y,type:str]\nsops:\n  version: 3.8.1\n',
        'keys/deploy_key': `-----BEGIN OPENSSH PRIVATE KEY-----\n${randomBytes(48).toString('base64')}\n-----END OPENSSH PRIVATE KEY-----\n`,
        '.env': 'TOKEN=abc\n',
        '.env.example': 'TOKEN=\n',
        'kube/config.yaml': 'apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n    token: eyJhbGciOi\n',
      });
      const r = await cli(work, ['push', `oci://${rig.host}/safety/secrets:v1`, '--path', dir], env);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /found 4 secrets that would be published/);
      assert.match(r.stderr, /apps\/db-secret\.yaml:5: Secret "db" has stringData that is not SOPS-encrypted/);
      assert.match(r.stderr, /keys\/deploy_key:1: a private key block/);
      assert.match(r.stderr, /\.env: a \.env file/);
      assert.match(r.stderr, /kube\/config\.yaml:6: a kubeconfig whose user "admin" carries credentials \(token\)/);
      assert.ok(!r.stderr.includes('sops-secret'), 'the SOPS-encrypted Secret is fine');
      assert.ok(!r.stderr.includes('.env.example'), 'a template is fine');
      assert.match(r.stderr, /nothing was uploaded/);
      assert.equal(await tagDigest(rig, 'safety/secrets:v1'), undefined, 'nothing was pushed');
      const blobs = await fetch(`${rig.url}/v2/safety/secrets/tags/list`);
      assert.equal(blobs.status, 404, 'the repository was never created');

      const skipped = await cli(work, ['push', `oci://${rig.host}/safety/secrets:v1`, '--path', dir, '--no-verify'], env);
      assert.equal(skipped.code, 0, skipped.stderr);
      assert.ok(await tagDigest(rig, 'safety/secrets:v1'));
      const ignored = await cli(work, ['push', `oci://${rig.host}/safety/secrets:v2`, '--path', dir, '--ignore-paths', 'apps/db-secret.yaml,keys/,.env,kube/'], env);
      assert.equal(ignored.code, 0, ignored.stderr);
    });

    test('lint errors stop the push with path:line:col; --no-verify pushes anyway', async () => {
      const dir = await makeFolder({
        'source.yaml': 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: apps\nspec:\n  url: oci://ghcr.io/org/apps\n  interval: 10 minutes\n',
      });
      const r = await cli(work, ['push', `oci://${rig.host}/safety/lint:v1`, '--path', dir], env);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /1 error in the manifests to push:\n {2}source\.yaml:7:13 error schema\/duration interval "10 minutes" is not a duration/);
      assert.equal(await tagDigest(rig, 'safety/lint:v1'), undefined);
      const forced = await cli(work, ['push', `oci://${rig.host}/safety/lint:v1`, '--path', dir, '--no-verify'], env);
      assert.equal(forced.code, 0, forced.stderr);
    });

    test('an existing tag with another digest is not replaced without --force; the same artifact is fine', async () => {
      const dir = await makeFolder({ 'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n' });
      const first = await cli(work, ['push', `oci://${rig.host}/safety/guard:v1`, '--path', dir, '--reproducible', '-o', 'json'], env);
      assert.equal(first.code, 0, first.stderr);
      const original = (JSON.parse(first.stdout) as { digest: string }).digest;
      const again = await cli(work, ['push', `oci://${rig.host}/safety/guard:v1`, '--path', dir, '--reproducible', '-o', 'json'], env);
      assert.equal(again.code, 0, 'pushing the very same artifact is not an overwrite');
      assert.match(again.stderr, /already pointed at this artifact/);

      await writeFile(join(dir, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n');
      const refused = await cli(work, ['push', `oci://${rig.host}/safety/guard:v1`, '--path', dir, '--reproducible'], env);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, new RegExp(`already exists with digest ${original}`));
      assert.match(refused.stderr, /pass --force to move the tag/);
      assert.equal(await tagDigest(rig, 'safety/guard:v1'), original, 'the tag still points at the first artifact');

      const forced = await cli(work, ['push', `oci://${rig.host}/safety/guard:v1`, '--path', dir, '--reproducible', '--force', '-o', 'json'], env);
      assert.equal(forced.code, 0, forced.stderr);
      const moved = (JSON.parse(forced.stdout) as { digest: string }).digest;
      assert.notEqual(moved, original);
      assert.equal(await tagDigest(rig, 'safety/guard:v1'), moved);
      assert.match(forced.stderr, new RegExp(`moved .* from ${original}`));
    });

    test('an empty folder, or one whose files are all ignored, is an error', async () => {
      const empty = await mkdtemp(join(tmpdir(), 'flux-oci-empty-'));
      await mkdir(join(empty, 'sub'));
      const r = await cli(work, ['push', `oci://${rig.host}/safety/empty:v1`, '--path', empty], env);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^error: nothing to push from .*: it holds only empty folders/);
      const ignored = await makeFolder({ 'logo.png': 'x', '.gitignore': 'x' });
      const r2 = await cli(work, ['push', `oci://${rig.host}/safety/empty:v1`, '--path', ignored], env);
      assert.equal(r2.code, 1);
      assert.match(r2.stderr, /the folder is empty or every file is ignored/);
      assert.equal(await tagDigest(rig, 'safety/empty:v1'), undefined);
    });

    test('cancelling during the upload leaves the tag untouched', async () => {
      const dir = await makeFolder({ 'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n' });
      const ref = `oci://${rig.host}/safety/cancel:v1`;
      const first = await cli(work, ['push', ref, '--path', dir, '-o', 'json'], env);
      const original = (JSON.parse(first.stdout) as { digest: string }).digest;
      await writeFile(join(dir, 'big.bin'), randomBytes(24 * 1024 * 1024));
      const controller = new AbortController();
      let stderr = '';
      const code = await runRegistryCommand('push', [ref, '--path', dir, '--force'], {
        stdout: () => undefined,
        stderr: (s) => {
          stderr += s;
          if (/upload \d+%/.test(s)) controller.abort(new Error('cancelled by the test'));
        },
      }, controller.signal);
      assert.equal(code, 1, stderr);
      assert.match(stderr, /upload \d+% \(\d+\/\d+ bytes\)/);
      assert.match(stderr, /cancelled by the test/);
      assert.equal(await tagDigest(rig, 'safety/cancel:v1'), original, 'the manifest PUT never happened');
    });
  });
});
