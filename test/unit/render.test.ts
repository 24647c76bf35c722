// Rendering a Flux Kustomization (flux-oci build kustomization) against fixtures whose expected
// output was written by hand from Flux's documented behaviour, never produced by the renderer.
// Each fixture: flux.yaml (the Kustomization), source/ (the source's root), expected.yaml.
// Compared after normalising the order of objects and keys. Needs the real kustomize engine:
// kustomize or kubectl on PATH (.ci/run checks for kubectl); without one these tests fail and say so.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { main } from '../../server/src/cli';
import { detectEngine } from '../../server/src/render/engine';

const FIXTURES = join(__dirname, '..', 'fixtures', 'render');

before(async () => {
  try {
    await detectEngine();
  } catch (error) {
    assert.fail(`these tests need kustomize or kubectl on PATH (the CI machine has kubectl): ${(error as Error).message}`);
  }
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function build(fixture: string, name: string, extra: string[] = []): Promise<Run> {
  const dir = join(FIXTURES, fixture);
  const flux = parseAllDocuments(readFileSync(join(dir, 'flux.yaml'), 'utf8')).map((d) => d.toJS() as { metadata: { name: string; namespace: string }; spec: { path: string } });
  const ks = flux.find((k) => k.metadata.name === name);
  assert.ok(ks, `fixture ${fixture} has a Kustomization ${name}`);
  let stdout = '';
  let stderr = '';
  const code = await main(
    ['build', 'kustomization', name, '--path', join(dir, 'source', ks.spec.path), '--kustomization-file', join(dir, 'flux.yaml'), '--source-root', join(dir, 'source'), '-n', ks.metadata.namespace, '--dry-run', ...extra],
    { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) },
  );
  return { code, stdout, stderr };
}

type Obj = Record<string, unknown> & { kind: string; metadata: { name: string; namespace?: string } };

function objects(yaml: string): Obj[] {
  return parseAllDocuments(yaml)
    .map((d) => {
      assert.equal(d.errors.length, 0, `valid YAML: ${d.errors[0]?.message}`);
      return d.toJS() as Obj | null;
    })
    .filter((o): o is Obj => o !== null)
    .sort((a, b) => `${a.kind}/${a.metadata.namespace ?? ''}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.namespace ?? ''}/${b.metadata.name}`));
}

function expected(fixture: string): Obj[] {
  return objects(readFileSync(join(FIXTURES, fixture, 'expected.yaml'), 'utf8'));
}

const cases: Array<[fixture: string, name: string, what: string]> = [
  ['prefix-images-namespace', 'web', 'targetNamespace, namePrefix/nameSuffix and images merged over the folder\'s own'],
  ['patches', 'patched', 'strategic-merge and JSON 6902 patches, with and without a target'],
  ['generated', 'gen', 'a folder with no kustomization.yaml, with nested folders with and without one'],
  ['components', 'comp', 'components (a missing one skipped) and commonMetadata'],
  ['substitution', 'subst', 'postBuild substitution: precedence, defaults, functions, escapes, disabled, a variable with no value'],
  ['no-variables', 'novars', 'postBuild without any variable leaves the text as written'],
];

for (const [fixture, name, what] of cases) {
  test(`render: ${what} (${fixture})`, async () => {
    const run = await build(fixture, name);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(objects(run.stdout), expected(fixture));
  });
}

test('render: the user\'s folder is left as it was (no kustomization.yaml written into it)', async () => {
  const before = readdirSync(join(FIXTURES, 'generated', 'source', 'deploy')).sort();
  await build('generated', 'gen');
  assert.deepEqual(readdirSync(join(FIXTURES, 'generated', 'source', 'deploy')).sort(), before);
});

test('render: stderr says where substituteFrom came from and names the variable with no value', async () => {
  const run = await build('substitution', 'subst');
  assert.match(run.stderr, /ConfigMap\/cluster-vars read from .*vars\.yaml:1/);
  assert.match(run.stderr, /Secret\/cluster-secrets read from .*vars\.yaml:\d+/);
  assert.match(run.stderr, /ConfigMap\/nowhere \(optional\) is not in the workspace/);
  assert.match(run.stderr, /warning: \$\{NOPE\} has no value and no default \(in ConfigMap\/web-settings\)/);
  assert.doesNotMatch(run.stderr, /LEVEL|HOME/, 'a defaulted variable and a disabled object are not reported');
});

test('render: --strict-substitute fails on a variable with no value and no default, as Flux does', async () => {
  const lenient = await build('errors', 'strict');
  assert.equal(lenient.code, 0, lenient.stderr);
  // Written unquoted by kustomize, the empty result reads as null (the API server drops such a key).
  assert.deepEqual((objects(lenient.stdout)[0] as unknown as { data: unknown }).data, { set: 'yes', defaulted: 'fine', missing: null });
  const strict = await build('errors', 'strict', ['--strict-substitute']);
  assert.equal(strict.code, 1);
  assert.match(strict.stderr, /var substitution failed for 'ConfigMap\/strict': variable not set \(strict mode\): "NOT_SET_ANYWHERE"/);
  assert.equal(strict.stdout, '');
});

test('render: an expression Flux cannot parse fails the build and names the object', async () => {
  const run = await build('errors', 'bad-expression');
  assert.equal(run.code, 1);
  assert.match(run.stderr, /var substitution failed for 'ConfigMap\/bad': .*\$\{list/);
});

test('render: a YAML file that is not Kubernetes objects in a folder without kustomization.yaml fails, naming the file', async () => {
  const run = await build('errors', 'not-kubernetes');
  assert.equal(run.code, 1);
  assert.match(run.stderr, /failed to decode Kubernetes YAML from .*not-kubernetes\/values\.yaml/);
});

test('render: SOPS-encrypted values stay unknown: a Secret is masked, a variable from an encrypted Secret is kept as written', async () => {
  const run = await build('errors', 'sops');
  assert.equal(run.code, 0, run.stderr);
  const [config, secret] = objects(run.stdout) as unknown as Array<{ data?: Record<string, string>; stringData?: Record<string, string>; sops?: unknown }>;
  assert.deepEqual(config.data, { host: '${DB_HOST}', fallback: 5432 });
  assert.deepEqual(secret.stringData, { password: '**SOPS**' });
  assert.equal(secret.sops, undefined);
  assert.match(run.stderr, /Secret\/encrypted-vars read from .*SOPS-encrypted: its values are unknown here/);
  assert.match(run.stderr, /note: \$\{DB_HOST\} is not known here/);
});

test('render: a kustomize error comes back with the source\'s paths, not the temporary mirror\'s', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'render-broken-'));
  try {
    cpSync(join(FIXTURES, 'patches'), dir, { recursive: true });
    // A resource that does not exist.
    const k = join(dir, 'source', 'app', 'kustomization.yaml');
    cpSync(k, `${k}.orig`);
    require('node:fs').writeFileSync(k, 'resources: [deploy.yaml, gone.yaml]\n');
    let stderr = '';
    const code = await main(['build', 'ks', 'patched', '-n', 'apps', '--path', join(dir, 'source', 'app'), '--kustomization-file', join(dir, 'flux.yaml'), '--source-root', join(dir, 'source')],
      { stdout: () => undefined, stderr: (s) => (stderr += s) });
    assert.equal(code, 1);
    assert.match(stderr, /kustomize build failed: .*gone\.yaml/);
    assert.doesNotMatch(stderr, /flux-oci-render-/, 'no temporary path in the message');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('render: without kustomize or kubectl the CLI says how to get one and exits 2', async () => {
  let stderr = '';
  const code = await main(['build', 'kustomization', 'web', '--path', '.', '--kustomize', '/nonexistent/kustomize'], { stdout: () => undefined, stderr: (s) => (stderr += s) });
  assert.equal(code, 2);
  assert.match(stderr, /no kustomize engine found .*install kustomize .*or kubectl/);
});

test('render: the Kustomization is found in the workspace when no file is given', async () => {
  let stdout = '';
  let stderr = '';
  const dir = join(FIXTURES, 'generated');
  const scratch = mkdtempSync(join(tmpdir(), 'render-ws-'));
  try {
    cpSync(dir, scratch, { recursive: true });
    const code = await main(['build', 'kustomization', 'gen', '--source-root', scratch], { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
    // spec.path ./deploy is read from the source root (the scratch copy holds flux.yaml and source/).
    assert.equal(code, 1, 'spec.path ./deploy is not at the scratch root');
    assert.match(stderr, /Kustomization flux-system\/gen from .*flux\.yaml:1/);
    stdout = '';
    stderr = '';
    const ok = await main(['build', 'kustomization', 'gen', '--source-root', join(scratch, 'source'), '--kustomization-file', join(scratch, 'flux.yaml')], { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
    assert.equal(ok, 0, stderr);
    assert.deepEqual(objects(stdout), expected('generated'));
    assert.ok(statSync(scratch).isDirectory());
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});

test('render: the engine is detected once and is the real one', async () => {
  const engine = await detectEngine();
  assert.equal(await detectEngine(), engine);
  const out = execFileSync(engine.command, [...engine.verb, '--help'], { encoding: 'utf8' });
  assert.match(out, /load-restrictor/);
});
