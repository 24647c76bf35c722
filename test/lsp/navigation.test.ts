// Go to definition, find references, document and workspace symbols over real LSP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DocumentSymbol } from 'vscode-languageserver-protocol';
import { startServer, positionOf } from './lspClient';
import { waitIndexed } from './rules-helpers';

const SOURCES = `apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: podinfo
  namespace: flux-system
spec:
  interval: 5m
  url: oci://ghcr.io/stefanprodan/manifests/podinfo
  secretRef:
    name: ghcr-auth
---
apiVersion: v1
kind: Secret
metadata:
  name: ghcr-auth
  namespace: flux-system
type: kubernetes.io/dockerconfigjson
stringData:
  .dockerconfigjson: '{"auths": {}}'
`;

const APPS = `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: infra
  namespace: flux-system
spec:
  interval: 10m
  path: ./infra
  prune: true
  sourceRef:
    kind: OCIRepository
    name: podinfo
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  path: ./apps
  prune: true
  dependsOn:
    - name: infra
  sourceRef:
    kind: OCIRepository
    name: podinfo
`;

test('definition, references and symbols', { timeout: 30000 }, async () => {
  // apps.yaml stays closed: navigation must use the index built from disk.
  const session = await startServer({ files: { 'sources.yaml': SOURCES, 'clusters/apps.yaml': APPS } });
  try {
    await session.open('sources.yaml', SOURCES);
    await waitIndexed(session, 'Kustomization flux-system/apps');
    const appsUri = session.uri('clusters/apps.yaml');
    const sourcesUri = session.uri('sources.yaml');

    // sourceRef.name → the OCIRepository's metadata.name
    await session.open('clusters/apps.yaml', APPS);
    const toSource = await session.definition('clusters/apps.yaml', positionOf(APPS, 'name: podinfo', 7));
    assert.deepEqual(toSource.map((l) => [l.uri, l.range.start.line]), [[sourcesUri, 3]]);
    // dependsOn[].name → the other Kustomization
    const toInfra = await session.definition('clusters/apps.yaml', positionOf(APPS, '- name: infra', 9));
    assert.deepEqual(toInfra.map((l) => [l.uri, l.range.start.line]), [[appsUri, 3]]);
    // secretRef.name → the Secret
    const toSecret = await session.definition('sources.yaml', positionOf(SOURCES, 'name: ghcr-auth', 7));
    assert.deepEqual(toSecret.map((l) => [l.uri, l.range.start.line]), [[sourcesUri, 14]]);
    // Not on a reference: nothing.
    assert.deepEqual(await session.definition('clusters/apps.yaml', positionOf(APPS, 'path: ./infra')), []);

    // metadata.name of the source → both sourceRefs
    const refs = await session.references('sources.yaml', positionOf(SOURCES, 'name: podinfo', 7));
    assert.deepEqual(refs.map((l) => [l.uri, l.range.start.line]).sort(), [[appsUri, 11], [appsUri, 26]]);

    const symbols = (await session.documentSymbols('sources.yaml')) as DocumentSymbol[];
    assert.deepEqual(symbols.map((s) => s.name), ['OCIRepository flux-system/podinfo', 'Secret flux-system/ghcr-auth']);
    assert.equal(symbols[1].range.start.line, 10); // the document starts at its --- marker
    assert.equal(symbols[1].selectionRange.start.line, 14);

    const found = await session.workspaceSymbols('kustomization apps');
    assert.deepEqual(found.map((s) => s.name), ['Kustomization flux-system/apps']);
    assert.equal(found[0].location.uri, appsUri);
  } finally {
    await session.close();
  }
});
