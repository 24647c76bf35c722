// `flux-oci lint` on worker threads prints exactly what the single-threaded run prints, on a tree
// with references, duplicates, kustomize patches, Secrets and an apply graph that cross files and
// workers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync, cpSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { defaultJobs } from '../../server/src/cli/parallel';

const REPO = resolve(__dirname, '..', '..');
const CLI = join(REPO, 'dist', 'cli.js');
const run = (cwd: string, ...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });

/** A HelmRelease and its chart source; the release waits for another one. */
const cycleRelease = (name: string, dependsOn: string) => `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: ${name}
  namespace: apps
spec:
  interval: 5m
  chartRef:
    kind: OCIRepository
    name: ${name}
  dependsOn:
    - name: ${dependsOn}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: ${name}
  namespace: apps
spec:
  interval: 5m
  url: oci://ghcr.io/org/charts/${name}
  ref:
    tag: 1.0.0
`;

/**
 * Judgments that need other files' facts: a parent Kustomization patching its children by label
 * (interval, path, a targetNamespace that decides where a reference resolves) and substituting
 * variables, a kustomization.yaml with a namespace and a patch file (interval of child-b), and a
 * dependsOn cycle across two files.
 */
const GRAPH_TREE: Record<string, string> = {
  'clusters/prod/sync.yaml': `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  path: ./apps
  prune: true
  sourceRef:
    kind: GitRepository
    name: fleet
  postBuild:
    substitute:
      INTERVAL: 5m
  patches:
    - target:
        kind: Kustomization
        labelSelector: tier=child
      patch: |
        apiVersion: kustomize.toolkit.fluxcd.io/v1
        kind: Kustomization
        metadata:
          name: any
        spec:
          interval: 7m
          path: ./services
          targetNamespace: svc-ns
`,
  'apps/kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: apps-ns
resources:
  - child-a.yaml
  - child-b.yaml
  - release.yaml
  - repo.yaml
patches:
  - path: patch.yaml
`,
  'apps/patch.yaml': `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: child-b
spec:
  interval: 3m
`,
  'apps/child-a.yaml': `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: child-a
  labels:
    tier: child
spec:
  prune: true
  path: ./nowhere
  sourceRef:
    kind: GitRepository
    name: fleet
    namespace: flux-system
`,
  'apps/child-b.yaml': `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: child-b
spec:
  prune: true
  path: ./missing-folder
  sourceRef:
    kind: GitRepository
    name: fleet
    namespace: flux-system
`,
  'apps/release.yaml': `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: web
spec:
  interval: \${INTERVAL}
  chartRef:
    kind: OCIRepository
    name: web-chart
`,
  'apps/repo.yaml': `apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: web-chart
spec:
  interval: 5m
  url: oci://ghcr.io/org/charts/web
  ref:
    tag: 1.0.0
`,
  'services/svc.yaml': `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: svc
  namespace: wrong
spec:
  interval: 5m
  chartRef:
    kind: OCIRepository
    name: svc-chart
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: svc-chart
  namespace: svc-ns
spec:
  interval: 5m
  url: oci://ghcr.io/org/charts/svc
  ref:
    tag: 1.0.0
`,
  'cycle/a.yaml': cycleRelease('a', 'b'),
  'cycle/b.yaml': cycleRelease('b', 'a'),
};

function writeTree(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

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
  writeTree(join(dir, 'graph'), GRAPH_TREE);
  return dir;
}

for (const fluxKustomizations of [false, true]) {
  // With Flux Kustomizations (or kustomization.yaml files) each worker judges findings as applied
  // from the apply graph it builds of everyone's facts: the output must still be the same.
  test(`lint --jobs 2 and --jobs 3 print the same as --jobs 1 (text, json, sarif; references checked; ${fluxKustomizations ? 'with' : 'without'} an apply graph)`, () => {
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

test('lint on worker threads judges findings as applied from other threads\' files (patches by label, patch files, substitution, namespaces, dependsOn cycles)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flux-oci-parallel-graph-'));
  try {
    writeTree(dir, GRAPH_TREE);
    // The graph's judgments, on one thread: child-a gets its interval, path and targetNamespace
    // from the parent's patch (by label), so services/svc.yaml's chartRef resolves in svc-ns;
    // child-b gets its interval from the patch file; release.yaml's \${INTERVAL} is substituted.
    const single = run(dir, 'lint', '--jobs', '1', '--format', 'json', '--unresolved-references', 'warning', '.');
    const found = (JSON.parse(single.stdout) as { path: string; findings: { code: string }[] }[])
      .flatMap((f) => f.findings.map((x) => `${f.path} ${x.code}`)).sort();
    assert.deepEqual(found, [
      'apps/child-a.yaml flux/ref-not-found', 'apps/child-b.yaml flux/ref-not-found', 'clusters/prod/sync.yaml flux/ref-not-found',
      'cycle/a.yaml flux/depends-on-cycle', 'cycle/b.yaml flux/depends-on-cycle',
    ]);
    // Every file its own share, on 2 to 8 threads: each graph fact comes from another thread.
    const env = { ...process.env, FLUX_OCI_MIN_FILES_PER_WORKER: '1' };
    for (const jobs of ['2', '3', '5', '8']) {
      const parallel = spawnSync(process.execPath, [CLI, 'lint', '--jobs', jobs, '--format', 'json', '--unresolved-references', 'warning', '.'], { cwd: dir, encoding: 'utf8', env });
      assert.equal(parallel.stderr, single.stderr);
      assert.equal(parallel.stdout, single.stdout, `--jobs ${jobs}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('lint uses one thread by default on one or two cores, one per core from three up', () => {
  assert.deepEqual([1, 2, 3, 8].map((cores) => defaultJobs(cores)), [1, 1, 3, 8]);
});

test('lint --jobs rejects nonsense', () => {
  const r = run(REPO, 'lint', '--jobs', '0', 'examples');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--jobs takes a whole number/);
});
