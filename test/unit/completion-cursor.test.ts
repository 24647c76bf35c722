// The line-based cursor reading behind completion and hover: object paths from indentation in
// documents that may not parse, sibling keys, and reference lists that stay short.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DocumentLines, tokenizeLine } from '../../server/src/language/completion/yamlLines';
import { cursorContext } from '../../server/src/language/completion/cursor';
import { complete } from '../../server/src/language/completion';
import { YamlFile } from '../../server/src/language/documents';
import { WorkspaceIndex } from '../../server/src/language/workspaceIndex';

/** Cursor context at the `|` of the text (or at `¦`, for texts that contain a `|` of their own). */
function at(textWithCursor: string) {
  const marker = textWithCursor.includes('¦') ? '¦' : '|';
  const index = textWithCursor.indexOf(marker);
  const before = textWithCursor.slice(0, index);
  const line = before.split('\n').length - 1;
  const character = before.length - (before.lastIndexOf('\n') + 1);
  return cursorContext(DocumentLines.fromText(textWithCursor.replace(marker, '')), line, character);
}

test('tokenizeLine: dashes, keys with values, quoted keys, comments and scalars', () => {
  assert.deepEqual(tokenizeLine('  - name: app # the app').map((e) => [e.type, e.col, e.key, e.value]), [['dash', 2, undefined, undefined], ['key', 4, 'name', 'app']]);
  assert.deepEqual(tokenizeLine('url: oci://ghcr.io/x:1').map((e) => [e.key, e.value]), [['url', 'oci://ghcr.io/x:1']]);
  assert.deepEqual(tokenizeLine('"a b": \'it\'\'s\'').map((e) => [e.key, e.value]), [['a b', "it's"]]);
  assert.deepEqual(tokenizeLine('    # only a comment'), []);
  assert.deepEqual(tokenizeLine('--- # next'), []);
  assert.deepEqual(tokenizeLine('  - - x').map((e) => [e.type, e.col, e.value]), [['dash', 2, undefined], ['dash', 4, undefined], ['scalar', 6, 'x']]);
});

test('key position on an empty line inside spec, and inside a nested map', () => {
  assert.deepEqual(at('spec:\n  interval: 5m\n  |\n')?.path, ['spec']);
  assert.deepEqual([...at('spec:\n  interval: 5m\n  |\n')!.siblings.keys()], ['interval']);
  assert.deepEqual(at('spec:\n  ref:\n    |\n  url: x\n')?.path, ['spec', 'ref']);
  assert.deepEqual(at('spec:\n  ref:\n    tag: x\n|')?.path, []);
});

test('a half-typed key: mode, partial text and replaced columns', () => {
  const c = at('spec:\n  pro|vider: x\n')!;
  assert.equal(c.mode, 'key');
  assert.equal(c.partial, 'pro');
  assert.deepEqual([c.start, c.end, c.hasColon], [2, 10, true], 'the whole word is replaced');
});

test('value position, also right after the colon and in quotes', () => {
  const c = at('spec:\n  sourceRef:\n    kind: |')!;
  assert.equal(c.mode, 'value');
  assert.deepEqual(c.path, ['spec', 'sourceRef', 'kind']);
  assert.equal(c.needsSpace, false);
  assert.equal(at('spec:\n  prune:|\n')!.needsSpace, true);
  const quoted = at('spec:\n  ref:\n    semver: ">=1|"\n')!;
  assert.deepEqual([quoted.partial, quoted.start], ['>=1', 13]);
});

test('list items: indented and compact lists, the first key of an item, nested lists', () => {
  assert.deepEqual(at('spec:\n  dependsOn:\n    - name: a\n      |\n')?.path, ['spec', 'dependsOn', 0]);
  assert.deepEqual([...at('spec:\n  dependsOn:\n    - name: a\n      |\n')!.siblings.keys()], ['name']);
  assert.deepEqual(at('spec:\n  dependsOn:\n  - name: a\n  - |\n')?.path, ['spec', 'dependsOn', 0]);
  const first = at('spec:\n  dependsOn:\n    - name: a\n      namespace: b\n    - |\n')!;
  assert.equal(first.startsItem, true);
  assert.deepEqual([...first.siblings.keys()], [], 'the keys of the previous item are not siblings');
  assert.deepEqual(at('spec:\n  verify:\n    matchOIDCIdentity:\n      - issuer: x\n        subject: |\n')?.path, ['spec', 'verify', 'matchOIDCIdentity', 0, 'subject']);
  assert.deepEqual(at('a:\n  - - |\n')?.path, ['a', 0, 0]);
});

test('no context inside a block scalar or a comment', () => {
  assert.equal(at('spec:\n  patches:\n    - patch: |\n        ¦\n'), undefined);
  assert.equal(at('spec:\n  # a comment |\n'), undefined);
});

test('reference names are capped and filtered by what is typed, so huge workspaces stay fast', () => {
  const index = new WorkspaceIndex();
  const sources = Array.from({ length: 250 }, (_, i) => `apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: app-${i}\nspec:\n  interval: 5m\n  url: oci://x/app-${i}\n`).join('---\n');
  index.setFile('file:///w/sources.yaml', sources);
  const text = 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: k\nspec:\n  sourceRef:\n    kind: OCIRepository\n    name: ';
  const file = new YamlFile('file:///w/k.yaml', text);
  const all = complete({ file, position: { line: 7, character: 10 }, index });
  assert.equal(all.entries.length, 100);
  assert.equal(all.incomplete, true);
  const typed = new YamlFile('file:///w/k2.yaml', `${text}app-24`);
  const some = complete({ file: typed, position: { line: 7, character: 16 }, index });
  assert.deepEqual(some.entries.map((e) => e.label).sort(), ['app-24', 'app-240', 'app-241', 'app-242', 'app-243', 'app-244', 'app-245', 'app-246', 'app-247', 'app-248', 'app-249']);
  assert.equal(some.incomplete, false);
});
