// The apply graph on a fleet shaped like real Flux repositories (test/fixtures/applygraph/fleet):
// which Kustomization applies which document, patch-supplied fields, ${VAR} values, namespaces
// as Flux infers them, the paths rule, and incremental updates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { lintPaths } from '../../server/src/cli/lint';
import { WorkspaceIndex } from '../../server/src/language/workspaceIndex';
import { applyGraphOf, appliersOf, effectiveNamespace, normalizeSourcePath } from '../../server/src/language/applyGraph';
import { lintAsApplied } from '../../server/src/language/appliedFindings';
import { defaultLintContext } from '../../server/src/language/lint';
import { discoverRoot, diskFolderProbe, normalizeGitUrl, remotesOfConfig } from '../../server/src/language/gitRoots';
import { matchesLabelSelector, patchSupplies } from '../../server/src/language/applyPatches';
import { quickFixesFor } from '../../server/src/language/rules/fixes';
import { findYamlFiles } from '../../server/src/cli/walk';

const FIXTURE = resolve(__dirname, '..', 'fixtures', 'applygraph', 'fleet');

/** A copy of the fleet in a temporary Git repository whose remote is the fleet's URL. */
function fleetRepo(remote = 'git@github.com:example/fleet.git'): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'flux-oci-fleet-')), 'fleet');
  cpSync(FIXTURE, dir, { recursive: true });
  mkdirSync(join(dir, '.git'));
  writeFileSync(join(dir, '.git', 'config'), `[core]\n\tbare = false\n[remote "origin"]\n\turl = ${remote}\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n`);
  return dir;
}

function indexOf(dir: string): WorkspaceIndex {
  const index = new WorkspaceIndex();
  for (const path of findYamlFiles([dir])) index.setFile(pathToFileURL(path).href, readFileSync(path, 'utf8'));
  applyGraphOf(index).configure([discoverRoot(dir)], diskFolderProbe());
  return index;
}

const problems = (dir: string) => lintPaths([dir]).flatMap((r) => r.findings.map((f) => `${r.path.slice(dir.length + 1)}:${f.range.start.line + 1} ${f.code} ${f.message}`));

test('the fleet lints clean: patch-supplied fields, ${VAR} values and artifact sources report nothing', () => {
  const dir = fleetRepo();
  try {
    assert.deepEqual(problems(dir), []);
    // The same fleet outside any Git repository (the paths rule is off, the graph is not).
    assert.deepEqual(problems(FIXTURE), []);
    // Inside another repository with another remote: read from where its bootstrap layout is.
    rmSync(join(dir, '.git'), { recursive: true });
    mkdirSync(join(dir, '..', '.git'));
    writeFileSync(join(dir, '..', '.git', 'config'), '[remote "origin"]\n\turl = https://github.com/example/monorepo\n');
    assert.deepEqual(problems(dir), []);
  } finally {
    rmSync(resolve(dir, '..'), { recursive: true, force: true });
  }
});

test('without the parent patch the children miss interval and prune; without substitution ${VAR} values are errors', () => {
  const dir = fleetRepo();
  try {
    const apps = join(dir, 'clusters/production/apps.yaml');
    const text = readFileSync(apps, 'utf8');
    // The patch targets every Kustomization without the opt-out label: opting out brings the errors back.
    writeFileSync(join(dir, 'apps/monitoring/ks.yaml'), readFileSync(join(dir, 'apps/monitoring/ks.yaml'), 'utf8')
      .replace('  name: kube-prometheus-stack\n', '  name: kube-prometheus-stack\n  labels:\n    substitution.flux.home.arpa/disabled: "true"\n'));
    const optedOut = problems(dir);
    assert.ok(optedOut.some((p) => p.startsWith('apps/monitoring/ks.yaml:') && p.includes('missing required field "interval"')), optedOut.join('\n'));
    assert.ok(!optedOut.some((p) => p.startsWith('apps/podinfo/ks.yaml:')), optedOut.join('\n'));

    writeFileSync(apps, text.slice(0, text.indexOf('  postBuild:')));
    const found = problems(dir);
    for (const field of ['interval', 'prune', 'sourceRef']) {
      assert.ok(found.some((p) => p.startsWith('apps/podinfo/ks.yaml:') && p.includes(`missing required field "${field}"`)), `${field}: ${found.join('\n')}`);
    }
    // ks.yaml's own ${PODINFO_TIMEOUT:=5m} was substituted by cluster-apps: no longer.
    assert.ok(found.some((p) => p.startsWith('apps/podinfo/ks.yaml:') && p.includes('schema/duration')), found.join('\n'));
  } finally {
    rmSync(resolve(dir, '..'), { recursive: true, force: true });
  }
});

test('who applies what: nested kustomization.yaml, folders without one, patched children, artifact sources', () => {
  const dir = fleetRepo();
  try {
    const index = indexOf(dir);
    const graph = applyGraphOf(index);
    const u = (rel: string) => pathToFileURL(join(dir, rel)).href;
    const by = (rel: string) => graph.applicationsOf(u(rel)).map((a) => a.by.facts.name).sort();
    assert.deepEqual(by('clusters/production/apps.yaml'), ['flux-system']);
    assert.deepEqual(by('clusters/production/flux-system/gotk-sync.yaml'), ['flux-system']);
    assert.deepEqual(by('apps/podinfo/ks.yaml'), ['cluster-apps']);
    assert.deepEqual(by('apps/podinfo/namespace.yaml'), ['cluster-apps']);
    // The child gets its sourceRef from the parent's patch, so its path is read in this repository.
    assert.deepEqual(by('apps/podinfo/app/release.yaml'), ['podinfo']);
    assert.deepEqual(by('apps/monitoring/app/repository.yaml'), ['kube-prometheus-stack']);
    assert.deepEqual(by('infrastructure/controllers/cert-manager.yaml'), ['infra-controllers']);
    // kustomization.yaml files are kustomize's input, not applied objects.
    assert.deepEqual(by('apps/podinfo/kustomization.yaml'), []);
    const relation = Object.fromEntries(graph.allAppliers().map((a) => [a.facts.name, a.relation]));
    assert.deepEqual(relation, {
      'cluster-apps': 'workspace', 'flux-system': 'workspace', 'infra-controllers': 'workspace', 'infra-configs': 'workspace',
      'generated-manifests': 'other', podinfo: 'workspace', 'kube-prometheus-stack': 'workspace',
    });
    assert.equal(graph.substitutes(graph.appliersIn(u('apps/podinfo/ks.yaml'))[0]), true, 'postBuild from the parent patch');
  } finally {
    rmSync(resolve(dir, '..'), { recursive: true, force: true });
  }
});

test('namespaces as Flux infers them: targetNamespace, kustomization.yaml namespace, the document, the applier', () => {
  const dir = fleetRepo();
  try {
    const index = indexOf(dir);
    const u = (rel: string) => pathToFileURL(join(dir, rel)).href;
    const ns = (rel: string, doc = 0) => effectiveNamespace(index, u(rel), doc);
    assert.equal(ns('apps/podinfo/app/repository.yaml'), 'podinfo', 'targetNamespace of podinfo');
    assert.equal(ns('apps/podinfo/app/release.yaml'), 'podinfo');
    assert.equal(ns('apps/podinfo/ks.yaml'), 'podinfo', 'kustomize sets the namespace of every object it builds');
    assert.equal(ns('apps/monitoring/ks.yaml'), 'monitoring');
    assert.equal(ns('apps/monitoring/app/repository.yaml'), 'monitoring', 'no namespace anywhere: the applying Kustomization\'s own');
    assert.equal(ns('infrastructure/controllers/cert-manager.yaml', 1), 'cert-manager', 'written namespace');
    assert.equal(ns('infrastructure/controllers/cert-manager.yaml', 0), undefined, 'a Namespace has none');
    assert.equal(ns('clusters/production/apps.yaml'), 'flux-system');
    // Not applied by anything here and written without a namespace: unknown, not guessed.
    index.setFile(u('elsewhere/source.yaml'), 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: loose\nspec:\n  interval: 5m\n  url: oci://ghcr.io/org/x\n');
    assert.equal(ns('elsewhere/source.yaml'), undefined);
  } finally {
    rmSync(resolve(dir, '..'), { recursive: true, force: true });
  }
});

test('paths rule: a missing path is an error with the nearest folders as fixes; an empty one a warning; only for this repository', () => {
  const dir = fleetRepo();
  try {
    const infra = join(dir, 'clusters/production/infrastructure.yaml');
    writeFileSync(infra, readFileSync(infra, 'utf8').replace('path: ./infrastructure/configs', 'path: "./infrastructure/config"'));
    mkdirSync(join(dir, 'empty/sub'), { recursive: true });
    writeFileSync(join(dir, 'empty/sub/README.md'), 'nothing to apply\n');
    writeFileSync(join(dir, 'clusters/production/apps.yaml'), readFileSync(join(dir, 'clusters/production/apps.yaml'), 'utf8').replace('path: ./apps', 'path: ./empty'));
    const index = indexOf(dir);
    const file = index.file(pathToFileURL(infra).href)!;
    const findings = lintAsApplied(file, index, defaultLintContext()).filter((f) => f.code.startsWith('flux/path'));
    assert.equal(findings.length, 1);
    assert.equal(findings[0].code, 'flux/path-not-found');
    assert.equal(findings[0].severity, 'error');
    assert.match(findings[0].message, /path "\.\/infrastructure\/config" does not exist in this repository/);
    const fixes = quickFixesFor(findings[0], file, index, defaultLintContext());
    assert.deepEqual(fixes.map((f) => f.title).slice(0, 2), ['Change the path to ./infrastructure/configs', 'Change the path to ./infrastructure']);
    assert.equal(fixes[0].edits[file.uri][0].newText, '"./infrastructure/configs"', 'keeps the quotes');

    const apps = index.file(pathToFileURL(join(dir, 'clusters/production/apps.yaml')).href)!;
    const empty = lintAsApplied(apps, index, defaultLintContext()).filter((f) => f.code.startsWith('flux/path'));
    assert.deepEqual(empty.map((f) => [f.code, f.severity]), [['flux/path-empty', 'warning']]);

    // A repository without a remote: the bootstrap layout (flux-system applying its own folder) says it is this one.
    writeFileSync(join(dir, '.git', 'config'), '[core]\n\tbare = false\n');
    assert.deepEqual(problems(dir).filter((p) => p.includes('flux/path')).map((p) => p.split(' ')[1]), ['flux/path-empty', 'flux/path-not-found']);
    // Without that layout (no gotk-sync.yaml) a flux-system source is not known to be this repository.
    const sync = join(dir, 'clusters/production/flux-system/gotk-sync.yaml');
    const syncText = readFileSync(sync, 'utf8');
    rmSync(sync);
    assert.deepEqual(problems(dir).filter((p) => p.includes('flux/path')), []);
    writeFileSync(sync, syncText);
    // Another repository's remote: the flux-system GitRepository pulls another repository, so nothing is said.
    writeFileSync(join(dir, '.git', 'config'), '[remote "origin"]\n\turl = https://github.com/example/other\n');
    assert.deepEqual(problems(dir).filter((p) => p.includes('flux/path')), []);
    // No Git repository at all (a folder of files): not known to be the repository, nothing said.
    rmSync(join(dir, '.git'), { recursive: true });
    assert.deepEqual(problems(dir).filter((p) => p.includes('flux/path')), []);
  } finally {
    rmSync(resolve(dir, '..'), { recursive: true, force: true });
  }
});

test('the graph follows edits: values untouched keep it, a new path or a new file changes it', () => {
  const dir = fleetRepo();
  try {
    const index = indexOf(dir);
    const graph = applyGraphOf(index);
    const u = (rel: string) => pathToFileURL(join(dir, rel)).href;
    graph.allAppliers();
    const release = u('apps/podinfo/app/release.yaml');
    const version = graph.version;
    index.setFile(release, index.file(release)!.text.replace('retries: ${INSTALL_RETRIES:=3}', 'retries: 4'));
    assert.equal(graph.version, version, 'a value no graph fact reads');
    const ks = u('apps/podinfo/ks.yaml');
    index.setFile(ks, index.file(ks)!.text.replace('./apps/podinfo/app', './apps/monitoring/app'));
    assert.ok(graph.version > version);
    assert.deepEqual(graph.applicationsOf(release).map((a) => a.by.facts.name), []);
    assert.deepEqual(graph.applicationsOf(u('apps/monitoring/app/repository.yaml')).map((a) => a.by.facts.name).sort(), ['kube-prometheus-stack', 'podinfo']);
    // A file added under a folder applied without kustomization.yaml is applied; removed, it is not.
    const added = u('infrastructure/controllers/ingress.yaml');
    index.setFile(added, 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ingress\n');
    assert.deepEqual(graph.applicationsOf(added).map((a) => a.by.facts.name), ['infra-controllers']);
    index.removeFile(added);
    assert.deepEqual(graph.applicationsOf(added), []);
  } finally {
    rmSync(resolve(dir, '..'), { recursive: true, force: true });
  }
});

test('selectors, patches, paths and Git URLs', () => {
  const labels = { app: 'web', tier: 'front' };
  assert.equal(matchesLabelSelector('app=web', labels), true);
  assert.equal(matchesLabelSelector('app==web,tier!=back', labels), true);
  assert.equal(matchesLabelSelector('app in (api, web), !legacy', labels), true);
  assert.equal(matchesLabelSelector('app notin (web)', labels), false);
  assert.equal(matchesLabelSelector('legacy', labels), false);
  assert.equal(matchesLabelSelector('missing notin (true)', labels), true);
  assert.equal(patchSupplies({ spec: { interval: '1h' } }, ['spec', 'interval']), true);
  assert.equal(patchSupplies({ spec: { prune: null } }, ['spec', 'prune']), false);
  assert.equal(patchSupplies([{ op: 'add', path: '/spec/interval', value: '1h' }], ['spec', 'interval']), true);
  assert.equal(patchSupplies([{ op: 'add', path: '/spec', value: { prune: true } }], ['spec', 'prune']), true);
  assert.equal(patchSupplies([{ op: 'remove', path: '/spec/interval' }], ['spec', 'interval']), false);
  assert.equal(normalizeSourcePath('./apps/prod/'), 'apps/prod');
  assert.equal(normalizeSourcePath('/apps/../../x'), 'x');
  assert.equal(normalizeSourcePath(''), '');
  for (const url of ['ssh://git@github.com/Example/fleet.git', 'git@github.com:example/fleet', 'https://github.com/example/fleet/', 'https://token@github.com:443/example/fleet.git']) {
    assert.equal(normalizeGitUrl(url), 'github.com/example/fleet', url);
  }
  assert.deepEqual(remotesOfConfig('[core]\n\turl = no\n[remote "origin"]\n\turl = git@h:o/r.git\n[remote "up"]\n\turl = https://h/o/r\n'), ['git@h:o/r.git', 'https://h/o/r']);
});

test('flux-oci lint (the built CLI) on the fleet: silent and exit 0; a broken path fails with exit 1', () => {
  const dir = fleetRepo();
  const cli = resolve(__dirname, '..', '..', 'dist', 'cli.js');
  try {
    const run = () => spawnSync(process.execPath, [cli, 'lint', '.'], { cwd: dir, encoding: 'utf8' });
    const clean = run();
    assert.equal(clean.stdout, '');
    assert.equal(clean.status, 0, clean.stderr);
    const apps = join(dir, 'clusters/production/apps.yaml');
    writeFileSync(apps, readFileSync(apps, 'utf8').replace('path: ./apps', 'path: ./apss'));
    const broken = run();
    assert.equal(broken.status, 1);
    assert.match(broken.stdout, /^clusters\/production\/apps\.yaml:8:9 error flux\/path-not-found path "\.\/apss" does not exist in this repository.*Nearest folders: \.\/apps,/m);
  } finally {
    rmSync(resolve(dir, '..'), { recursive: true, force: true });
  }
});

/** An in-memory workspace at file:///w/ (no disk, no Git: paths read from the root, rule off). */
function memoryWorkspace(files: Record<string, string>): { index: WorkspaceIndex; lint: (rel: string) => string[] } {
  const index = new WorkspaceIndex();
  for (const [rel, text] of Object.entries(files)) index.setFile(`file:///w/${rel}`, text);
  applyGraphOf(index).configure([{ uri: 'file:///w/', repository: false, remotes: [] }]);
  const lint = (rel: string) => lintAsApplied(index.file(`file:///w/${rel}`)!, index, defaultLintContext()).map((f) => `${f.code} ${f.message}`);
  return { index, lint };
}

const PARENT = (patches: string, postBuild = '') => `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: parent\n  namespace: flux-system\nspec:\n  interval: 1h\n  prune: true\n  path: ./children\n  sourceRef:\n    kind: GitRepository\n    name: fleet\n${postBuild}${patches}`;
const CHILD = 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: child\n  namespace: flux-system\nspec:\n  interval: 10m\n  prune: true\n  path: ./child\n  sourceRef:\n    kind: GitRepository\n';

test('a nested field from a parent patch, a kustomization.yaml patch, and substitution opted out per object', () => {
  const nested = memoryWorkspace({
    'parent.yaml': PARENT('  patches:\n    - patch: |\n        - op: add\n          path: /spec/sourceRef/name\n          value: fleet\n      target:\n        kind: Kustomization\n        name: chi.*\n'),
    'children/child.yaml': CHILD,
  });
  assert.deepEqual(nested.lint('children/child.yaml'), []);
  const unmatched = memoryWorkspace({
    'parent.yaml': PARENT('  patches:\n    - patch: |\n        - op: add\n          path: /spec/sourceRef/name\n          value: fleet\n      target:\n        kind: Kustomization\n        name: other\n'),
    'children/child.yaml': CHILD,
  });
  assert.deepEqual(unmatched.lint('children/child.yaml'), ['schema/required missing required field "name" in spec.sourceRef']);

  // kustomize's own patches (kustomization.yaml) on the way count too.
  const kustomize = memoryWorkspace({
    'parent.yaml': PARENT(''),
    'children/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - child.yaml\npatches:\n  - path: name-patch.yaml\n    target:\n      kind: Kustomization\n',
    'children/name-patch.yaml': 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: any\nspec:\n  sourceRef:\n    kind: GitRepository\n    name: fleet\n',
    'children/child.yaml': CHILD,
  });
  assert.deepEqual(kustomize.lint('children/child.yaml'), []);
  // The patch file is a patch body, not an object Flux applies: it applies nothing.
  assert.deepEqual(appliersOf(kustomize.index, 'file:///w/children/child.yaml').map((a) => a.uri), ['file:///w/parent.yaml']);

  const SUBSTITUTE = '  postBuild:\n    substitute:\n      INTERVAL: 5m\n';
  const source = (annotations: string) => `apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: app\n${annotations}spec:\n  interval: \${INTERVAL}\n  url: oci://ghcr.io/org/app\n`;
  const substituted = memoryWorkspace({ 'parent.yaml': PARENT('', SUBSTITUTE), 'children/source.yaml': source('') });
  assert.deepEqual(substituted.lint('children/source.yaml'), []);
  const disabled = memoryWorkspace({ 'parent.yaml': PARENT('', SUBSTITUTE), 'children/source.yaml': source('  annotations:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\n') });
  assert.equal(disabled.lint('children/source.yaml').length, 1);
  assert.match(disabled.lint('children/source.yaml')[0], /^schema\/duration/);
  // Not applied by a substituting Kustomization: the value is judged as written.
  const alone = memoryWorkspace({ 'elsewhere/source.yaml': source('') });
  assert.match(alone.lint('elsewhere/source.yaml')[0], /^schema\/duration/);
});
