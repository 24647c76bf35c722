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
