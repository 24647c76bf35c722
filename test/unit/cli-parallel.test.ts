// `flux-oci lint` on worker threads prints exactly what the single-threaded run prints, on a tree
// with references, duplicates, kustomize patches and Secrets that cross files and workers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync, cpSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO = resolve(__dirname, '..', '..');
const CLI = join(REPO, 'dist', 'cli.js');
const run = (cwd: string, ...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });

function tree(files: number, fluxKustomizations = true): string {
  const dir = mkdtempSync(join(tmpdir(), 'flux-oci-parallel-'));
  cpSync(join(REPO, 'examples'), join(dir, 'examples'), { recursive: true });
  for (let i = 0; i < files; i++) {
    const team = join(dir, 'teams', `team-${i % 7}`);
    mkdirSync(team, { recursive: true });
    const docs = [
      `apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: svc-${i % 150}\n  namespace: t${i % 3}\nspec:\n  interval: ${i % 9 === 0 ? '5 minutes' : '5m'}\n  url: oci://ghcr.io/org/svc-${i}\n  ref:\n    tag: v1\n${i % 5 === 0 ? `  secretRef:\n    name: pull-${i}\n` : ''}`,
      fluxKustomizations
        ? `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: app-${i}\n  namespace: t${i % 7}\nspec:\n  interval: 10m\n  path: ./deploy\n  prune: true\n  sourceRef:\n    kind: OCIRepository\n    name: svc-${(i * 7) % 170}\n  dependsOn:\n    - name: app-${(i + 3) % (files + 20)}\n`
        : `apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: app-${i}\n  namespace: t${i % 7}\nspec:\n  interval: 10m\n  chartRef:\n    kind: OCIRepository\n    name: svc-${(i * 7) % 170}\n  dependsOn:\n    - name: app-${(i + 3) % (files + 20)}\n`,
    ];
    if (i % 10 === 0) docs.push(`apiVersion: v1\nkind: Secret\nmetadata:\n  name: pull-${i}\n  namespace: t${i % 7}\ntype: Opaque\nstringData:\n  token: x\n`);
    writeFileSync(join(team, `svc-${i}.yaml`), docs.join('---\n'));
  }
  if (!fluxKustomizations) {
    // examples/ holds Flux Kustomizations: without them the tree is checked on worker threads.
    rmSync(join(dir, 'examples'), { recursive: true, force: true });
    return dir;
  }
  // A kustomization in one folder naming a patch file with a partial Flux object.
  mkdirSync(join(dir, 'overlay'));
  writeFileSync(join(dir, 'overlay', 'kustomization.yaml'), 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - base.yaml\npatches:\n  - path: patch.yaml\n');
  writeFileSync(join(dir, 'overlay', 'patch.yaml'), 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: app-1\nspec:\n  interval: 1m\n');
  writeFileSync(join(dir, 'overlay', 'base.yaml'), 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: base\nspec:\n  interval: 1m\n  url: oci://ghcr.io/org/base\n');
  return dir;
}

for (const fluxKustomizations of [false, true]) {
  // With Flux Kustomizations (or kustomization.yaml files) the apply graph may change findings,
  // and the CLI checks on one thread: the output must still be the same.
  test(`lint --jobs 2 and --jobs 3 print the same as --jobs 1 (text, json, sarif; references checked; ${fluxKustomizations ? 'apply graph: one thread' : 'worker threads'})`, () => {
  const dir = tree(350, fluxKustomizations);
  try {
    for (const args of [['--format', 'text'], ['--format', 'json', '--unresolved-references', 'warning'], ['--format', 'sarif']]) {
      const single = run(dir, 'lint', '--jobs', '1', ...args, '.');
      assert.ok(single.stdout.length > 1000, single.stderr);
      for (const jobs of ['2', '3']) {
        const parallel = run(dir, 'lint', '--jobs', jobs, ...args, '.');
        assert.equal(parallel.status, single.status, parallel.stderr);
        assert.equal(parallel.stderr, single.stderr);
        assert.equal(parallel.stdout, single.stdout, `--jobs ${jobs} ${args.join(' ')}`);
      }
    }
    const text = run(dir, 'lint', '--unresolved-references', 'warning', '.').stdout;
    for (const code of ['flux/ref-not-found', 'schema/duration']) assert.match(text, new RegExp(code.replace('/', '\\/')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  });
}

test('lint on worker threads prints what one thread prints on the apply-graph fixtures and the corpus', () => {
  // Every file its own worker share, so small trees go through the parallel path too.
  const env = { ...process.env, FLUX_OCI_MIN_FILES_PER_WORKER: '1' };
  const corpus = resolve(REPO, '..', 'shared', 'corpus', 'real');
  const trees = [join(REPO, 'test', 'fixtures'), join(REPO, 'examples'), ...(existsSync(corpus) ? [corpus] : [])];
  for (const dir of trees) {
    for (const args of [['--format', 'json', '--unresolved-references', 'warning'], ['--format', 'text']]) {
      const single = spawnSync(process.execPath, [CLI, 'lint', '--jobs', '1', ...args, '.'], { cwd: dir, encoding: 'utf8', env });
      const parallel = spawnSync(process.execPath, [CLI, 'lint', '--jobs', '3', ...args, '.'], { cwd: dir, encoding: 'utf8', env });
      assert.equal(parallel.status, single.status, `${dir}: ${parallel.stderr}`);
      assert.equal(parallel.stderr, single.stderr, dir);
      assert.equal(parallel.stdout, single.stdout, `${dir} ${args.join(' ')}`);
    }
  }
});

test('lint --jobs rejects nonsense', () => {
  const r = run(REPO, 'lint', '--jobs', '0', 'examples');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--jobs takes a whole number/);
});
