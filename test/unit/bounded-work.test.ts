// Bounded work on every input. Several Kustomizations that apply their own folder, with
// namespaces that are not strings (Go templates, maps, lists), made the namespace inference of
// the apply graph exponential: three such documents ran for hours. These tests end in seconds
// when the work is bounded; each has a timeout, so a regression fails instead of hanging CI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WorkspaceIndex } from '../../server/src/language/workspaceIndex';
import { applyGraphOf } from '../../server/src/language/applyGraph';
import { lintAsApplied, NOT_FULLY_JUDGED } from '../../server/src/language/appliedFindings';
import { defaultLintContext } from '../../server/src/language/lint';
import { lintPaths } from '../../server/src/cli/lint';
import { findYamlFiles } from '../../server/src/cli/walk';
import { yamlFilesUnder } from '../../server/src/lsp/workspaceScan';
import { diskFolderProbe } from '../../server/src/language/gitRoots';
import { applyGraphBudget } from '../../server/src/language/workBudget';
import { selfApplying } from '../fixtures/pathological';
import { ParsedDocument } from '../../server/src/language/documents';
import { parseDocument } from 'yaml';
import { selectTag } from '../../server/src/registry/semver';
import { filterTags } from '../../server/src/cli/tagFilter';

const CLI = join(resolve(__dirname, '..', '..'), 'dist', 'cli.js');
const LIMIT = { timeout: 60_000 };

/** Namespaces that are not strings, as templates and typos write them. */
const NAMESPACES = ['{a: 1}', '[a]', '{{ .fluxns }}', '"{{ .fluxns }}"', '7', 'true', 'null', '', 'flux-system'];

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'flux-oci-bounded-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

for (const n of [3, 5, 8]) {
  test(`${n} Kustomizations applying their own folder, every kind of namespace: lint ends`, LIMIT, () => {
    for (const namespace of NAMESPACES) {
      const dir = tree({ 'objects.yaml': selfApplying(n, namespace) });
      try {
        const results = lintPaths([dir]);
        assert.equal(results.length, 1);
        assert.ok(!results[0].findings.some((f) => f.code === NOT_FULLY_JUDGED), `namespace ${namespace}: judged fully`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });
}

test('namespaces of Kustomizations that apply each other are unknown, whichever is asked first', LIMIT, () => {
  const text = selfApplying(4, '{a: 1}');
  for (const order of [[0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1]]) {
    const index = new WorkspaceIndex();
    const uri = 'file:///fleet/objects.yaml';
    index.setFile(uri, text);
    const graph = applyGraphOf(index);
    graph.configure([{ uri: 'file:///fleet/', repository: false, remotes: [] }]);
    for (const i of order) assert.equal(graph.effectiveNamespace(uri, i), undefined, `document ${i} (order ${order.join(',')})`);
  }
});

test('a chain of Kustomizations: the namespace is inherited down the chain, without deep recursion', LIMIT, () => {
  // c0 (namespace root-ns) applies ./c1, whose kustomization.yaml lists only c1's own
  // Kustomization, which applies ./c1/c2, … 1,500 levels deep: far more than a recursive walk of
  // the chain could take on the stack, and linear work.
  const index = new WorkspaceIndex();
  const depth = 1500;
  let folder = 'file:///fleet/';
  for (let i = 0; i < depth; i++) {
    index.setFile(`${folder}k.yaml`, `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: c${i}
${i === 0 ? '  namespace: root-ns\n' : ''}spec:
  interval: 1m
  path: ./${Array.from({ length: i + 1 }, (_, j) => `c${j + 1}`).join('/')}
  prune: true
  sourceRef:
    kind: GitRepository
    name: fleet
`);
    folder += `c${i + 1}/`;
    index.setFile(`${folder}kustomization.yaml`, `resources:\n  - ${i === depth - 1 ? 'cm.yaml' : 'k.yaml'}\n`);
  }
  index.setFile(`${folder}cm.yaml`, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: leaf\n');
  const graph = applyGraphOf(index);
  graph.configure([{ uri: 'file:///fleet/', repository: false, remotes: [] }]);
  assert.ok(graph.judgesFully);
  assert.equal(graph.effectiveNamespace(`${folder}cm.yaml`, 0), 'root-ns');
});

test('kustomization.yaml resources that include each other end the walk', LIMIT, () => {
  const index = new WorkspaceIndex();
  index.setFile('file:///fleet/a/kustomization.yaml', 'resources:\n  - ../b\n  - cm.yaml\n  - ../a\n');
  index.setFile('file:///fleet/a/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n');
  index.setFile('file:///fleet/b/kustomization.yaml', 'resources:\n  - ../a\n  - ./\n');
  index.setFile('file:///fleet/sync.yaml', selfApplying(1, 'flux-system').replace('path: "./"', 'path: ./a'));
  const graph = applyGraphOf(index);
  graph.configure([{ uri: 'file:///fleet/', repository: false, remotes: [] }]);
  assert.equal(graph.applicationsOf('file:///fleet/a/cm.yaml').length, 1);
  assert.ok(graph.judgesFully);
});

/** n files, each a Kustomization applying the workspace root: every file applied n times over. */
function everyoneAppliesEverything(n: number): WorkspaceIndex {
  const index = new WorkspaceIndex();
  for (let i = 0; i < n; i++) index.setFile(`file:///fleet/d${i % 40}/k${i}.yaml`, selfApplying(1, 'flux-system').replace('name: k0', `name: k${i}`));
  applyGraphOf(index).configure([{ uri: 'file:///fleet/', repository: false, remotes: [] }]);
  return index;
}

test('a workspace past the work budget: every file keeps its syntax findings and says it was not fully judged', LIMIT, () => {
  const n = 1600;
  assert.ok(n * n > applyGraphBudget(n), 'the tree needs more steps than the budget');
  const index = everyoneAppliesEverything(n);
  index.setFile('file:///fleet/broken.yaml', 'kind: Kustomization\napiVersion: kustomize.toolkit.fluxcd.io/v1\nmetadata: {name: x\n');
  const graph = applyGraphOf(index);
  assert.equal(graph.judgesFully, false);
  assert.equal(graph.shortfall?.what, 'the apply graph');
  const findings = lintAsApplied(index.file('file:///fleet/d1/k1.yaml')!, index, defaultLintContext());
  assert.deepEqual(findings.map((f) => [f.code, f.severity]), [[NOT_FULLY_JUDGED, 'info']]);
  assert.match(findings[0].message, /not fully judged: the apply graph of this workspace stopped at its limit of \d+ steps/);
  // A Go template in that workspace is told too (the notice is about the workspace, not the file's text).
  index.setFile('file:///fleet/template.yaml', selfApplying(2, '{{ .fluxns }}'));
  assert.deepEqual(lintAsApplied(index.file('file:///fleet/template.yaml')!, index, defaultLintContext()).map((f) => f.code), [NOT_FULLY_JUDGED]);
  const broken = lintAsApplied(index.file('file:///fleet/broken.yaml')!, index, defaultLintContext());
  assert.ok(broken.some((f) => f.code.startsWith('yaml/')), 'syntax findings stay');
  assert.ok(broken.every((f) => f.code.startsWith('yaml/') || f.code === NOT_FULLY_JUDGED), broken.map((f) => f.code).join());
});

test('the same workspace under the budget is judged fully (the budget is in steps, not time)', LIMIT, () => {
  const index = everyoneAppliesEverything(300);
  assert.equal(applyGraphOf(index).judgesFully, true);
  assert.equal(applyGraphOf(index).applicationsOf('file:///fleet/d1/k1.yaml').length, 300);
});

test('the CLI ends past the budget with a line naming what it could not judge, exit status 2 over 1', LIMIT, () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 1600; i++) files[`d${i % 40}/k${i}.yaml`] = selfApplying(1, 'flux-system').replace('name: k0', `name: k${i}`);
  files['bad.yaml'] = 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: x\nspec:\n  interval: 1m\n  url: oci://ghcr.io/x/y\n';
  const dir = tree(files);
  try {
    for (const jobs of ['1', '2']) {
      const run = spawnSync(process.execPath, [CLI, 'lint', '--jobs', jobs, dir], { encoding: 'utf8' });
      assert.equal(run.status, 2, run.stderr);
      assert.match(run.stderr, /flux-oci: 1601 files were not fully judged: the apply graph of this workspace stopped at its limit/);
      assert.match(run.stdout, /k7\.yaml:1:1 info flux-oci\/not-fully-judged/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the CLI on the pathological file ends with its findings', LIMIT, () => {
  for (const n of [3, 5, 8]) {
    const dir = tree({ 'objects.yaml': selfApplying(n, '{{ .fluxns }}') });
    try {
      const run = spawnSync(process.execPath, [CLI, 'lint', dir], { encoding: 'utf8', timeout: 50_000 });
      assert.notEqual(run.signal, 'SIGTERM', `n=${n}: the CLI was killed`);
      assert.ok(run.status === 0 || run.status === 1, `n=${n}: status ${run.status}\n${run.stderr}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('a folder symlink pointing at its own parent does not loop any folder walk', LIMIT, async () => {
  const dir = tree({ 'apps/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n' });
  try {
    symlinkSync(dir, join(dir, 'apps', 'loop'), 'dir');
    symlinkSync('..', join(dir, 'apps', 'up'), 'dir');
    assert.deepEqual(findYamlFiles([dir]).map((p) => p.slice(dir.length)), ['/apps/cm.yaml']);
    const scanned: string[] = [];
    for await (const path of yamlFilesUnder(dir)) scanned.push(path.slice(dir.length));
    assert.deepEqual(scanned, ['/apps/cm.yaml']);
    assert.equal(diskFolderProbe().state(pathToFileURL(join(dir, 'apps', 'up')).href + '/'), 'manifests');
    assert.equal(lintPaths([dir]).length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('files that are not Flux stay quiet: Go and Helm templates, quoted template values, Jsonnet output, kustomize components', LIMIT, () => {
  const dir = resolve(__dirname, '..', 'fixtures', 'not-flux');
  const results = lintPaths([dir]);
  const findings = results.flatMap((r) => r.findings.map((f) => ({ path: r.path.slice(dir.length + 1), ...f })));
  assert.equal(results.length, 8);
  // The Helm template that does not parse keeps one syntax finding, as a warning; nothing else is said.
  assert.deepEqual(findings.map((f) => `${f.path} ${f.severity} ${f.code}`), ['chart/templates/kustomizations.yaml warning yaml/syntax']);
  assert.match(findings[0].message, /Go template actions/);
  // The same templates with the actions written out are judged (the quiet comes from the templates).
  const rendered = tree({ 'oci.yaml': readFileSync(join(dir, 'quoted-values.yaml'), 'utf8').replace(/"?'?\{\{ \.Values\.(\w+) \}\}'?"?/g, '"bad $1"') });
  try {
    const codes = lintPaths([rendered])[0].findings.map((f) => f.code);
    assert.ok(codes.filter((c) => c.startsWith('schema/')).length >= 3, codes.join());
  } finally {
    rmSync(rendered, { recursive: true, force: true });
  }
});

test('Go patterns from files (semverFilter, --filter-regex) run in linear time against registry tags', LIMIT, () => {
  const tags = [`${'a'.repeat(40)}x`, '1.2.3', 'v1.3.0'];
  assert.deepEqual(selectTag(tags, '>=1.0.0', '(a+)+$'), { tag: undefined, valid: true, candidates: 0 });
  assert.deepEqual(selectTag(tags, '>=1.0.0', '^v'), { tag: 'v1.3.0', valid: true, candidates: 1 });
  assert.deepEqual(filterTags(tags, { regex: '^(a|aa)+$' }), []);
  assert.equal(selectTag(tags, '>=1.0.0', '(?<=v)1').valid, false, 'RE2 has no look-behind: the filter is invalid, as in Flux');
});

test('duplicate keys are found as the yaml library finds them, in linear time (30,000 postBuild variables)', LIMIT, () => {
  for (const text of ['a: 1\na: 2\n', 'a: {b: 1, b: 2}\nc: [ {x: 1, x: 1} ]\n', '1: a\n"1": b\n', 'x: &a {k: 1}\ny:\n  <<: *a\n  <<: *a\n',
    '? [a]\n: 1\n? [a]\n: 2\n', 'a: 1\nb:\n  c: 1\n  c: 2\n  a: 3\n', 'a: [1\nb: 1\nb: 2\n']) {
    const ours = new ParsedDocument(text).yaml.errors.map((e) => `${e.code}@${e.pos[0]}`);
    const library = parseDocument(text, { uniqueKeys: true, merge: text.includes('<<') }).errors.map((e) => `${e.code}@${e.pos[0]}`);
    assert.deepEqual(ours, library, JSON.stringify(text));
  }
  // A Flux document (YAML that is not Flux gets no findings at all) with 30,000 variables.
  const big = `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: big\nspec:\n  interval: 1m\n  prune: true\n  path: ./\n  sourceRef:\n    kind: GitRepository\n    name: x\n  postBuild:\n    substitute:\n${Array.from({ length: 30000 }, (_, i) => `      K${i}: v${i}`).join('\n')}\n      K7: again\n`;
  const dir = tree({ 'big.yaml': big });
  try {
    const findings = lintPaths([dir])[0].findings.map((f) => `${f.range.start.line + 1} ${f.code} ${f.message}`);
    assert.deepEqual(findings, ['30014 yaml/syntax YAML syntax error: Map keys must be unique']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
