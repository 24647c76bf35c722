// Removed API versions: one diagnostic naming the release that removed the version, and a
// migration fix whose result validates against the served schema.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lspClient';
import { applyFix, migrateRemovedApi as migrate, only, problems, settled, waitIndexed } from './rules-helpers';

const SOURCE = 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: repo\n  namespace: apps\nspec:\n  interval: 1m\n  url: https://github.com/org/repo\n';

test('Kustomization v1beta2: validation dropped, patchesStrategicMerge and patchesJson6902 become patches', { timeout: 30000 }, async () => {
  const { message, after } = await migrate(`apiVersion: kustomize.toolkit.fluxcd.io/v1beta2
kind: Kustomization
metadata:
  name: app # the app
  namespace: apps
spec:
  interval: 10m
  path: ./deploy
  prune: true
  validation: client
  sourceRef:
    kind: GitRepository
    name: repo
  patchesStrategicMerge:
    - apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: web
      spec:
        replicas: 2
  patchesJson6902:
    - target:
        kind: Deployment
        name: web
      patch:
        - op: add
          path: /metadata/labels/tier
          value: frontend
`, { 'repo.yaml': SOURCE });
  assert.match(message, /kustomize-controller v1\.8\.0/);
  assert.match(message, /spec\.validation/);
  assert.match(after, /^apiVersion: kustomize\.toolkit\.fluxcd\.io\/v1$/m);
  assert.match(after, /name: app # the app/, 'comments elsewhere are kept');
  assert.doesNotMatch(after, /validation|patchesStrategicMerge|patchesJson6902/);
  assert.match(after, /  patches:\n    - patch: \|\n        apiVersion: apps\/v1\n/);
  assert.match(after, /    - patch: \|\n        - op: add\n[\s\S]*      target:\n        kind: Deployment\n        name: web\n/);
});

test('HelmRelease v2beta1: valuesFile and post-renderer patches migrate', { timeout: 30000 }, async () => {
  const { after } = await migrate(`apiVersion: helm.toolkit.fluxcd.io/v2beta1
kind: HelmRelease
metadata:
  name: web
  namespace: apps
spec:
  interval: 10m
  chart:
    spec:
      chart: ./charts/web
      valuesFile: values-prod.yaml
      sourceRef:
        kind: GitRepository
        name: repo
  postRenderers:
    - kustomize:
        patchesStrategicMerge:
          - kind: Deployment
            apiVersion: apps/v1
            metadata:
              name: web
            spec:
              replicas: 3
`, { 'repo.yaml': SOURCE });
  assert.match(after, /valuesFiles:\n        - "values-prod.yaml"/);
  assert.match(after, /    - kustomize:\n        patches:\n          - patch: \|\n              kind: Deployment\n/);
});

test('GitRepository v1beta1: gitImplementation dropped and listed', { timeout: 30000 }, async () => {
  const { message, after } = await migrate('apiVersion: source.toolkit.fluxcd.io/v1beta1\nkind: GitRepository\nmetadata:\n  name: repo\nspec:\n  interval: 1m\n  url: https://github.com/org/repo\n  gitImplementation: libgit2\n  ref:\n    branch: main\n');
  assert.match(message, /source-controller v1\.7\.0/);
  assert.match(message, /gitImplementation/);
  assert.doesNotMatch(after, /gitImplementation/);
  assert.match(after, /branch: main/);
});

test('OCIRepository v1beta2 migrates by its apiVersion alone', { timeout: 30000 }, async () => {
  const { after } = await migrate('apiVersion: source.toolkit.fluxcd.io/v1beta2\nkind: OCIRepository\nmetadata:\n  name: app\nspec:\n  interval: 5m\n  url: oci://ghcr.io/org/app\n  ref:\n    semver: ">=1.0.0"\n');
  assert.equal(after, 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: app\nspec:\n  interval: 5m\n  url: oci://ghcr.io/org/app\n  ref:\n    semver: ">=1.0.0"\n');
});

test('git oci:// conversion also rewrites a sourceRef in a file that is not open', { timeout: 30000 }, async () => {
  const source = 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: manifests\nspec:\n  interval: 5m\n  url: oci://ghcr.io/org/manifests\n  ref:\n    branch: main\n    tag: v1.0.0\n  recurseSubmodules: true\n';
  const sync = 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: manifests\nspec:\n  interval: 10m\n  path: ./\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: manifests\n';
  const session = await startServer({ files: { 'source.yaml': source, 'clusters/sync.yaml': sync } });
  try {
    await session.open('source.yaml', source);
    // Let the server finish indexing the workspace on disk.
    await waitIndexed(session, 'Kustomization manifests');
    const diagnostics = await settled(session, 'source.yaml');
    const action = await applyFix(session, 'source.yaml', only(diagnostics, 'flux/git-oci-url'));
    assert.deepEqual(Object.keys(action.edit!.changes!).sort(), [session.uri('clusters/sync.yaml'), session.uri('source.yaml')].sort());
    const after = session.text('source.yaml');
    assert.match(after, /kind: OCIRepository/);
    assert.match(after, /ref:\n    tag: v1.0.0\n/);
    assert.doesNotMatch(after, /branch|recurseSubmodules/);
    assert.deepEqual(problems(await settled(session, 'source.yaml')), []);
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const written = readFileSync(join(session.root, 'clusters/sync.yaml'), 'utf8');
    assert.match(written, /sourceRef:\n    kind: OCIRepository\n    name: manifests/);
    assert.deepEqual(problems(await session.open('clusters/sync.yaml', written)), []);
  } finally {
    await session.close();
  }
});

test('a file with CRLF line ends keeps them through a migration that adds lines', { timeout: 30000 }, async () => {
  const text = ['--- # the app', 'apiVersion: kustomize.toolkit.fluxcd.io/v1beta2', 'kind: Kustomization', 'metadata:', '  name: app', '  namespace: apps', 'spec:',
    '  interval: 10m', '  path: ./deploy', '  prune: true', '  validation: client # old', '  sourceRef:', '    kind: GitRepository', '    name: repo',
    '  patchesStrategicMerge:', '    - apiVersion: apps/v1', '      kind: Deployment', '      metadata:', '        name: web', '      spec:', '        replicas: 2', ''].join('\r\n');
  const { after } = await migrate(text, { 'source.yaml': SOURCE });
  assert.match(after, /^  patches:\r\n    - patch: \|\r\n        apiVersion: apps\/v1\r\n/m);
  assert.doesNotMatch(after, /[^\r]\n/, 'no bare LF line ends');
  assert.doesNotMatch(after, /validation/);
});
