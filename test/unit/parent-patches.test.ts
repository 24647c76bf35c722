// A child Kustomization as its parent's patches make it, before it is rendered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyParentPatches } from '../../server/src/render/parentPatches';

const child = { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'app', namespace: 'flux-system', labels: { a: '1' } }, spec: { path: './app', postBuild: { substitute: { X: 'own' } } } };

test('parent patches: a strategic-merge body merges maps (not the target\'s name), null removes, lists replace', () => {
  const out = applyParentPatches(child, [{
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'not-used', labels: { b: '2' } },
    spec: { interval: '1h', postBuild: { substitute: { Y: 'parent' } }, components: ['../c'] },
  }, { spec: { path: null } }]);
  assert.deepEqual(out, {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'app', namespace: 'flux-system', labels: { a: '1', b: '2' } },
    spec: { interval: '1h', postBuild: { substitute: { X: 'own', Y: 'parent' } }, components: ['../c'] },
  });
  assert.equal(child.spec.path, './app', 'the input is not changed');
});

test('parent patches: JSON 6902 add, replace and remove, with intermediate maps made', () => {
  const out = applyParentPatches(child, [[
    { op: 'add', path: '/spec/targetNamespace', value: 'prod' },
    { op: 'replace', path: '/spec/postBuild/substitute/X', value: 'replaced' },
    { op: 'add', path: '/spec/commonMetadata/labels/team', value: 'blue' },
    { op: 'remove', path: '/metadata/labels/a' },
  ]]) as typeof child & { spec: Record<string, unknown> };
  assert.equal(out.spec.targetNamespace, 'prod');
  assert.deepEqual(out.spec.postBuild, { substitute: { X: 'replaced' } });
  assert.deepEqual(out.spec.commonMetadata, { labels: { team: 'blue' } });
  assert.deepEqual(out.metadata.labels, {});
});

test('parent patches: JSON 6902 move, copy and test; a patch whose operation cannot apply is not applied at all', () => {
  type Out = typeof child & { spec: Record<string, unknown> };
  const moved = applyParentPatches(child, [[
    { op: 'test', path: '/spec/path', value: './app' },
    { op: 'copy', from: '/spec/postBuild/substitute', path: '/spec/postBuild/substituteCopy' },
    { op: 'move', from: '/spec/path', path: '/spec/renamed' },
  ]]) as Out;
  assert.equal(moved.spec.path, undefined);
  assert.equal(moved.spec.renamed, './app');
  assert.deepEqual(moved.spec.postBuild, { substitute: { X: 'own' }, substituteCopy: { X: 'own' } });
  // A failed test, a replace or remove of a missing path, an unknown op: the whole patch is skipped.
  for (const failing of [
    { op: 'test', path: '/spec/path', value: './other' },
    { op: 'replace', path: '/spec/missing', value: 1 },
    { op: 'remove', path: '/spec/missing' },
    { op: 'move', from: '/spec/missing', path: '/spec/x' },
    { op: 'frobnicate', path: '/spec/path' },
  ]) {
    const out = applyParentPatches(child, [[{ op: 'add', path: '/spec/targetNamespace', value: 'prod' }, failing]]) as Out;
    assert.equal(out.spec.targetNamespace, undefined, JSON.stringify(failing));
    assert.deepEqual(out, child);
  }
  // List indexes: insert before, replace at, append with '-'.
  const listed = applyParentPatches({ spec: { components: ['a', 'b'] } }, [[
    { op: 'add', path: '/spec/components/0', value: 'first' },
    { op: 'replace', path: '/spec/components/1', value: 'A' },
    { op: 'add', path: '/spec/components/-', value: 'last' },
  ]]) as { spec: { components: string[] } };
  assert.deepEqual(listed.spec.components, ['first', 'A', 'b', 'last']);
});
