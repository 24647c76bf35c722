// Workspace index and workspace rules without the LSP layer: references, patch files,
// resolution with missing namespaces, incremental updates, and layout-keeping edits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkspaceIndex, isPartialFile } from '../../server/src/language/workspaceIndex';
import { defaultLintContext, lintFile } from '../../server/src/language/lint';
import { workspaceFindings } from '../../server/src/language/rules';
import { quickFixesFor } from '../../server/src/language/rules/fixes';
import { deletePaths } from '../../server/src/language/rules/edits';
import { YamlFile } from '../../server/src/language/documents';
import type { TextEdit } from '../../server/src/language/types';
import { OCI } from '../fixtures/kinds';

const source = OCI;
const ks = (name: string, ns: string | undefined, ref: string) => `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: ${name}
${ns ? `  namespace: ${ns}\n` : ''}spec:
  interval: 10m
  path: ./
  prune: true
  sourceRef:
    kind: OCIRepository
${ref}`;

function apply(text: string, edits: readonly TextEdit[]): string {
  const file = new YamlFile('x', text);
  const sorted = [...edits].sort((a, b) => file.lines.offsetAt(b.range.start) - file.lines.offsetAt(a.range.start));
  for (const e of sorted) text = text.slice(0, file.lines.offsetAt(e.range.start)) + e.newText + text.slice(file.lines.offsetAt(e.range.end));
  return text;
}

const codes = (index: WorkspaceIndex, uri: string) => {
  const file = index.file(uri)!;
  const context = { ...defaultLintContext(), unresolvedReferences: 'warning' as const };
  return [...lintFile(file, context), ...workspaceFindings(file, index, context)].map((f) => f.code);
};

test('references resolve by kind and name when a namespace is missing on one side', () => {
  const index = new WorkspaceIndex();
  index.setFile('file:///w/source.yaml', source('app'));
  index.setFile('file:///w/sync.yaml', ks('app', 'apps', '    name: app\n'));
  assert.deepEqual(codes(index, 'file:///w/sync.yaml'), []);
  // Another namespace's object does not get in the way of the namespace-less match.
  index.setFile('file:///w/other/source.yaml', source('app', 'other'));
  assert.deepEqual(codes(index, 'file:///w/sync.yaml'), []);
  // Namespaces on both sides must agree.
  index.removeFile('file:///w/source.yaml');
  assert.deepEqual(codes(index, 'file:///w/sync.yaml'), ['flux/ref-not-found']);
  index.setFile('file:///w/sync.yaml', ks('app', 'apps', '    name: app\n    namespace: other\n'));
  assert.deepEqual(codes(index, 'file:///w/sync.yaml'), []);
  // Two namespace-less candidates for a namespace-less reference: ambiguous, so no verdict.
  index.setFile('file:///w/a/source.yaml', source('twin'));
  index.setFile('file:///w/b/source.yaml', source('twin'));
  index.setFile('file:///w/twin.yaml', ks('twin', undefined, '    name: twin\n'));
  assert.deepEqual(codes(index, 'file:///w/twin.yaml'), []);
});

test('the index follows edits and deletions', () => {
  const index = new WorkspaceIndex();
  index.setFile('file:///w/sync.yaml', ks('app', undefined, '    name: app\n'));
  assert.deepEqual(codes(index, 'file:///w/sync.yaml'), ['flux/ref-not-found']);
  index.setFile('file:///w/source.yaml', source('app'));
  assert.deepEqual(codes(index, 'file:///w/sync.yaml'), []);
  assert.equal(index.referencesTo('OCIRepository', 'app').length, 1);
  index.setFile('file:///w/source.yaml', source('renamed'));
  assert.deepEqual(codes(index, 'file:///w/sync.yaml'), ['flux/ref-not-found']);
  index.removeFile('file:///w/sync.yaml');
  assert.equal(index.referencesTo('OCIRepository', 'app').length, 0);
});

test('files named by a kustomization.yaml as patches are partial objects', () => {
  const index = new WorkspaceIndex();
  const patch = 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: app\nspec:\n  path: ./prod\n';
  index.setFile('file:///w/prod/patch.yaml', patch);
  assert.ok(codes(index, 'file:///w/prod/patch.yaml').includes('schema/required'));
  index.setFile('file:///w/prod/kustomization.yaml', 'resources:\n  - ../base\npatches:\n  - path: patch.yaml\n    target:\n      kind: Kustomization\n');
  assert.ok(index.isPatchFile('file:///w/prod/patch.yaml'));
  assert.ok(isPartialFile(index.file('file:///w/prod/patch.yaml')!));
  assert.deepEqual(codes(index, 'file:///w/prod/patch.yaml'), []);
  index.removeFile('file:///w/prod/kustomization.yaml');
  assert.ok(codes(index, 'file:///w/prod/patch.yaml').includes('schema/required'));
  // patchesStrategicMerge file lists count too.
  index.setFile('file:///w/prod/kustomization.yaml', 'patchesStrategicMerge:\n  - patch.yaml\n');
  assert.deepEqual(codes(index, 'file:///w/prod/patch.yaml'), []);
});

test('dependsOn cycles are found across files, and a chain is not a cycle', () => {
  const index = new WorkspaceIndex();
  index.setFile('file:///w/s.yaml', source('app'));
  const withDeps = (name: string, dep: string) => ks(name, undefined, `    name: app\n  dependsOn:\n    - name: ${dep}\n`);
  index.setFile('file:///w/a.yaml', withDeps('a', 'b'));
  index.setFile('file:///w/b.yaml', withDeps('b', 'c'));
  index.setFile('file:///w/c.yaml', ks('c', undefined, '    name: app\n'));
  assert.deepEqual(codes(index, 'file:///w/a.yaml'), []);
  index.setFile('file:///w/c.yaml', withDeps('c', 'a'));
  for (const f of ['a', 'b', 'c']) assert.deepEqual(codes(index, `file:///w/${f}.yaml`), ['flux/depends-on-cycle']);
});

const findingsOf = (index: WorkspaceIndex, uri: string) => {
  const file = index.file(uri)!;
  const context = { ...defaultLintContext(), unresolvedReferences: 'warning' as const };
  return [...lintFile(file, context), ...workspaceFindings(file, index, context)];
};

test('a dependsOn cycle is an error only when every member\'s namespace is known', () => {
  const index = new WorkspaceIndex();
  index.setFile('file:///w/s.yaml', source('app'));
  const withDeps = (name: string, ns: string | undefined, dep: string) => ks(name, ns, `    name: app\n  dependsOn:\n    - name: ${dep}\n`);
  // No namespace written: each dependsOn was matched by name alone, and in the cluster the
  // objects may land in different namespaces, where "b" or "a" is another object.
  index.setFile('file:///w/a.yaml', withDeps('a', undefined, 'b'));
  index.setFile('file:///w/b.yaml', withDeps('b', undefined, 'a'));
  const [loose] = findingsOf(index, 'file:///w/a.yaml');
  assert.equal(loose.code, 'flux/depends-on-cycle');
  assert.equal(loose.severity, 'warning');
  assert.match(loose.message, /^dependsOn cycle among the objects of this workspace: a → b → a; .*Some namespaces cannot be known here/);
  // One member's namespace known, the other's not: still a guess.
  index.setFile('file:///w/a.yaml', withDeps('a', 'apps', 'b'));
  assert.deepEqual(findingsOf(index, 'file:///w/a.yaml').map((f) => `${f.code} ${f.severity}`), ['flux/depends-on-cycle warning']);
  // Both known (and so each dependsOn names exactly the other): Flux certainly waits forever.
  index.setFile('file:///w/b.yaml', withDeps('b', 'apps', 'a'));
  for (const f of ['a', 'b']) {
    const [certain, ...rest] = findingsOf(index, `file:///w/${f}.yaml`);
    assert.deepEqual(rest, []);
    assert.equal(certain.severity, 'error');
    assert.match(certain.message, /^dependsOn cycle: apps\/[ab] → apps\/[ab] → apps\/[ab]; each Kustomization waits for the next/);
  }
});

test('a Secret whose type or keys do not suit its use is an error only when it is certainly the one read', () => {
  const index = new WorkspaceIndex();
  const secret = (ns: string | undefined) => `apiVersion: v1\nkind: Secret\nmetadata:\n  name: regcred\n${ns ? `  namespace: ${ns}\n` : ''}type: Opaque\nstringData:\n  username: u\n`;
  index.setFile('file:///w/s.yaml', source('app', 'apps').replace('spec:\n', 'spec:\n  secretRef:\n    name: regcred\n'));
  index.setFile('file:///w/secret.yaml', secret('apps'));
  const [certain] = findingsOf(index, 'file:///w/s.yaml');
  assert.equal(certain.code, 'flux/secret-wrong-type');
  assert.equal(certain.severity, 'error');
  // The Secret's namespace unknown: matched by name only; the OCIRepository may read another
  // regcred, made in the cluster (pull secrets often are).
  index.setFile('file:///w/secret.yaml', secret(undefined));
  const [loose, ...rest] = findingsOf(index, 'file:///w/s.yaml');
  assert.deepEqual(rest, []);
  assert.equal(loose.code, 'flux/secret-wrong-type');
  assert.equal(loose.severity, 'warning');
  assert.match(loose.message, /has type Opaque, so source-controller cannot log in to the registry with it \(if this is the Secret read: the Secret's namespace cannot be known/);
  // The source's namespace unknown: the same.
  index.setFile('file:///w/secret.yaml', secret('apps'));
  index.setFile('file:///w/s.yaml', source('app').replace('spec:\n', 'spec:\n  secretRef:\n    name: regcred\n'));
  const [unknownSource] = findingsOf(index, 'file:///w/s.yaml');
  assert.equal(unknownSource.severity, 'warning');
  assert.match(unknownSource.message, /this object's namespace cannot be known/);
});

test('deleting fields keeps comments and removes maps left empty', () => {
  const text = 'spec:\n  # keep me\n  ref:\n    branch: main # gone\n  url: x\n';
  const file = new YamlFile('file:///w/x.yaml', text);
  const edits = deletePaths(file.documents[0], [['spec', 'ref', 'branch']])!;
  assert.equal(apply(text, edits), 'spec:\n  # keep me\n  url: x\n');
});

test('the git oci:// fix edits only the lines it must', () => {
  const index = new WorkspaceIndex();
  const text = '# header\napiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: app # name\nspec:\n  interval: 5m\n  url: oci://ghcr.io/org/app\n  ref:\n    tag: "1.0" # pinned\n  verify:\n    mode: HEAD\n    secretRef:\n      name: pgp\n';
  const file = index.setFile('file:///w/app.yaml', text);
  const context = defaultLintContext();
  const finding = lintFile(file, context).find((f) => f.code === 'flux/git-oci-url')!;
  const [fix] = quickFixesFor(finding, file, index, context);
  const out = apply(text, fix.edits['file:///w/app.yaml']);
  assert.equal(out, '# header\napiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: app # name\nspec:\n  interval: 5m\n  url: oci://ghcr.io/org/app\n  ref:\n    tag: "1.0" # pinned\n');
  assert.deepEqual(lintFile(new YamlFile('file:///w/app.yaml', out), context), []);
});

test('a one-document edit in a long file re-indexes that document only; renames, moves and deletions stay exact', () => {
  const index = new WorkspaceIndex();
  const uri = 'file:///w/many.yaml';
  const docs = Array.from({ length: 50 }, (_, i) => source(`s${i}`, 'apps'));
  index.setFile(uri, docs.join('---\n'));
  const before = [...index.documentsIn(uri)];
  // Rename the object of document 20: every other entry is the very same object as before.
  docs[20] = source('renamed', 'apps');
  index.setFile(uri, docs.join('---\n'));
  const after = index.documentsIn(uri);
  assert.equal(after.length, 50);
  assert.deepEqual(after.map((d, i) => (d === before[i] ? '' : i)).filter((x) => x !== ''), [20]);
  assert.equal(index.resolve({ kind: 'OCIRepository', name: 's20', namespace: 'apps' }).length, 0);
  assert.equal(index.resolve({ kind: 'OCIRepository', name: 'renamed', namespace: 'apps' }).length, 1);
  // Insert a document at the top: the others are reused and their ranges move down.
  const s30Line = index.resolve({ kind: 'OCIRepository', name: 's30' })[0].nameRange.start.line;
  docs.unshift('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: top}\n');
  index.setFile(uri, docs.join('---\n'));
  assert.equal(index.resolve({ kind: 'OCIRepository', name: 's30' })[0].nameRange.start.line, s30Line + 4);
  assert.equal(index.resolve({ kind: 'OCIRepository', name: 's30' })[0].documentIndex, 31);
  // Delete two documents in the middle and swap two others.
  docs.splice(10, 2);
  [docs[3], docs[4]] = [docs[4], docs[3]];
  index.setFile(uri, docs.join('---\n'));
  assert.deepEqual(index.objectsIn(uri).map((o) => o.identity.name), docs.map((d) => /name: (\S+)/.exec(d)![1].replace(/[{}]/g, '')));
  for (const name of ['s9', 's10']) assert.equal(index.resolve({ kind: 'OCIRepository', name }).length, 0, name);
  assert.equal(index.withKindAndName('OCIRepository', 's2').length, 1);
  index.objectsIn(uri).forEach((o, i) => assert.equal(o.documentIndex, i));
});
