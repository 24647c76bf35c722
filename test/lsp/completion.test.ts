// Real LSP over stdio: completion at representative positions of Flux documents, including
// documents that are not valid YAML while being typed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { CompletionItem } from 'vscode-languageserver-protocol';
import { startServer, positionOf, type LspSession } from './lspClient';

let lsp: LspSession;

/** Objects other documents refer to: sources of each kind, Kustomizations, Secrets of several types. */
const SOURCES = `apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: app-manifests
  namespace: flux-system
spec:
  interval: 5m
  url: oci://ghcr.io/org/app-manifests
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: app-chart
  namespace: flux-system
spec:
  interval: 5m
  url: oci://ghcr.io/org/charts/app
  layerSelector:
    mediaType: application/vnd.cncf.helm.chart.content.v1.tar+gzip
    operation: copy
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: fleet
  namespace: flux-system
spec:
  interval: 5m
  url: https://github.com/org/fleet
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: infra
  namespace: flux-system
spec:
  interval: 10m
  prune: true
  sourceRef:
    kind: GitRepository
    name: fleet
---
apiVersion: v1
kind: Secret
metadata:
  name: ghcr-login
  namespace: flux-system
type: kubernetes.io/dockerconfigjson
stringData:
  .dockerconfigjson: '{"auths":{}}'
---
apiVersion: v1
kind: Secret
metadata:
  name: other-namespace-login
  namespace: team-a
type: kubernetes.io/dockerconfigjson
stringData:
  .dockerconfigjson: '{"auths":{}}'
---
apiVersion: v1
kind: Secret
metadata:
  name: plain-token
  namespace: flux-system
stringData:
  token: abc
`;

const KUSTOMIZATION_HEAD = `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
`;

const OCI_HEAD = `apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: web
  namespace: flux-system
`;

before(async () => {
  lsp = await startServer();
  await lsp.open('sources.yaml', SOURCES);
});
after(async () => { await lsp.close(); });

let counter = 0;
/** Opens `text` with `|` marking the cursor and returns the completion items there. */
async function completeAt(textWithCursor: string): Promise<{ items: CompletionItem[]; text: string }> {
  const text = textWithCursor.replace('|', '');
  const position = positionOf(textWithCursor, '|');
  const file = `doc-${++counter}.yaml`;
  await lsp.open(file, text);
  return { items: await lsp.completion(file, position), text };
}

const labels = (items: CompletionItem[]) => items.map((i) => i.label);
const sorted = (items: CompletionItem[]) => [...items].sort((a, b) => (a.sortText ?? a.label).localeCompare(b.sortText ?? b.label));
const newText = (item: CompletionItem | undefined) => (item?.textEdit && 'newText' in item.textEdit ? item.textEdit.newText : undefined);

test('top level of an empty document: whole-document snippets and the envelope keys', async () => {
  const { items } = await completeAt('|');
  const names = labels(items);
  for (const snippet of ['Flux: OCIRepository + Kustomization', 'Flux: HelmRepository (OCI) + HelmRelease', 'Flux: OCIRepository (Helm chart) + HelmRelease chartRef', 'Flux: registry credentials Secret (dockerconfigjson)']) {
    assert.ok(names.includes(snippet), `missing snippet ${snippet}: ${names.join(', ')}`);
  }
  assert.ok(names.includes('apiVersion') && names.includes('kind') && names.includes('metadata'));
  const snippet = items.find((i) => i.label === 'Flux: OCIRepository + Kustomization')!;
  assert.equal(snippet.insertTextFormat, 2, 'snippets use snippet syntax');
});

test('after --- the snippets are offered again; not in a document that has content', async () => {
  const after = await completeAt(`${OCI_HEAD}spec:\n  interval: 5m\n  url: oci://x/y\n---\n|`);
  assert.ok(labels(after.items).includes('Flux: OCIRepository + Kustomization'));
  const inDocument = await completeAt(`|\nkind: OCIRepository\n`);
  assert.ok(!labels(inDocument.items).some((l) => l.startsWith('Flux:')), 'no whole-document snippets inside a document');
  assert.ok(labels(inDocument.items).includes('apiVersion'));
  assert.ok(!labels(inDocument.items).includes('kind'), 'kind is already present');
});

test('top level of a Kustomization: spec offered, present keys left out', async () => {
  const { items } = await completeAt(`${KUSTOMIZATION_HEAD}|\n`);
  assert.deepEqual(labels(items), ['spec']);
  assert.equal(newText(items[0]), 'spec:\n  interval: ${1:5m}\n  prune: ${2|true,false|}\n  sourceRef:\n    kind: ${3|OCIRepository,GitRepository,Bucket,ExternalArtifact|}\n    name: ${4}');
});

test('inside spec on an empty line: required keys first, present keys excluded', async () => {
  const { items } = await completeAt(`${KUSTOMIZATION_HEAD}spec:\n  interval: 10m\n  |\n`);
  const names = labels(sorted(items));
  assert.deepEqual(names.slice(0, 2), ['prune', 'sourceRef'], 'required keys come first');
  assert.ok(!names.includes('interval'), 'interval is already set');
  for (const k of ['path', 'targetNamespace', 'dependsOn', 'wait', 'timeout', 'retryInterval']) assert.ok(names.includes(k), `missing ${k}`);
  assert.ok(!names.includes('validation'), 'v1 has no validation field');
  const sourceRef = items.find((i) => i.label === 'sourceRef')!;
  assert.equal(newText(sourceRef), 'sourceRef:\n  kind: ${1|OCIRepository,GitRepository,Bucket,ExternalArtifact|}\n  name: ${2}');
  assert.match(sourceRef.detail ?? '', /required/);
  assert.equal(typeof sourceRef.documentation === 'object' && sourceRef.documentation.kind, 'markdown');
});

test('a half-typed key in invalid YAML still completes, replacing the typed word', async () => {
  const { items } = await completeAt(`${KUSTOMIZATION_HEAD}spec:\n  interval: 10m\n  pro|\n  path: ./\n`);
  const prune = items.find((i) => i.label === 'prune');
  assert.ok(prune, labels(items).join(', '));
  assert.ok(!labels(items).includes('path'), 'path below the cursor is present too');
  const edit = prune.textEdit as { range: { start: { character: number }; end: { character: number } } };
  assert.equal(edit.range.start.character, 2);
  assert.equal(edit.range.end.character, 5);
});

test('inside ref of an OCIRepository', async () => {
  const { items } = await completeAt(`${OCI_HEAD}spec:\n  interval: 5m\n  url: oci://ghcr.io/org/web\n  ref:\n    |\n`);
  assert.deepEqual(labels(items).sort(), ['digest', 'semver', 'semverFilter', 'tag']);
});

test('enum values: provider offers its enum with the default preselected', async () => {
  const { items } = await completeAt(`${OCI_HEAD}spec:\n  provider: |\n`);
  assert.deepEqual(labels(items), ['generic', 'aws', 'azure', 'gcp']);
  assert.equal(items.find((i) => i.preselect)?.label, 'generic');
});

test('sourceRef.kind is limited to the kinds the field allows (incomplete document)', async () => {
  const { items } = await completeAt(`${KUSTOMIZATION_HEAD}spec:\n  sourceRef:\n    kind: |`);
  assert.deepEqual(labels(items), ['OCIRepository', 'GitRepository', 'Bucket', 'ExternalArtifact']);
  const helm = await completeAt(`apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: x\nspec:\n  chartRef:\n    kind: |\n`);
  assert.deepEqual(labels(helm.items), ['OCIRepository', 'HelmChart', 'ExternalArtifact']);
});

test('boolean values, and a space is added right after the colon', async () => {
  const { items } = await completeAt(`${KUSTOMIZATION_HEAD}spec:\n  prune:|\n`);
  assert.deepEqual(labels(items), ['true', 'false']);
  assert.equal(newText(items[0]), ' true');
});

test('durations respect each field pattern: no hours for an OCIRepository timeout', async () => {
  const timeout = await completeAt(`${OCI_HEAD}spec:\n  timeout: |\n`);
  const t = labels(timeout.items);
  assert.ok(t.includes('60s') && t.includes('5m'), t.join(', '));
  assert.ok(!t.some((d) => d.includes('h')), `hours offered for timeout: ${t.join(', ')}`);
  assert.equal(timeout.items.find((i) => i.preselect)?.label, '60s', 'the default is preselected');
  const interval = await completeAt(`${OCI_HEAD}spec:\n  interval: |\n`);
  assert.ok(labels(interval.items).includes('1h'));
  const retry = await completeAt(`${KUSTOMIZATION_HEAD}spec:\n  retryInterval: |\n`);
  assert.ok(labels(retry.items).includes('1h') && labels(retry.items).includes('30s'));
});

test('apiVersion offers only the served versions of the kind; a new document gets kinds', async () => {
  const { items } = await completeAt(`apiVersion: |\nkind: Kustomization\n`);
  assert.deepEqual(labels(items), ['kustomize.toolkit.fluxcd.io/v1']);
  const oci = await completeAt(`kind: OCIRepository\napiVersion: |\n`);
  assert.deepEqual(labels(oci.items), ['source.toolkit.fluxcd.io/v1']);
  const fresh = await completeAt(`apiVersion: |`);
  const ociEntry = fresh.items.find((i) => i.label === 'source.toolkit.fluxcd.io/v1 OCIRepository');
  assert.ok(ociEntry, labels(fresh.items).join(', '));
  assert.equal(newText(ociEntry), 'source.toolkit.fluxcd.io/v1\nkind: OCIRepository');
  // Alert and Provider are served as v1beta3 and ArtifactGenerator as v1beta1; removed versions are not offered.
  assert.ok(!labels(fresh.items).some((l) => /\/(v1beta1|v1beta2|v2beta1|v2beta2) (?!ArtifactGenerator)/.test(l)), 'no removed versions');
});

test('kind offers the kinds of the apiVersion group', async () => {
  const { items } = await completeAt(`apiVersion: helm.toolkit.fluxcd.io/v2\nkind: |\n`);
  assert.deepEqual(labels(items), ['HelmRelease']);
});

test('sourceRef.name lists objects of the kind written next to it', async () => {
  const oci = await completeAt(`${KUSTOMIZATION_HEAD}spec:\n  sourceRef:\n    kind: OCIRepository\n    name: |`);
  // Other tests' documents are open too (OCIRepository "web"), so check kinds rather than an exact list.
  assert.ok(labels(oci.items).includes('app-chart') && labels(oci.items).includes('app-manifests'), labels(oci.items).join(', '));
  for (const item of oci.items) assert.match(item.detail ?? '', /^OCIRepository flux-system\//);
  assert.ok(!labels(oci.items).includes('fleet'));
  const git = await completeAt(`${KUSTOMIZATION_HEAD}spec:\n  sourceRef:\n    name: |\n    kind: GitRepository\n`);
  assert.deepEqual(labels(git.items), ['fleet']);
});

test('chartRef.name lists OCIRepositories; dependsOn lists other Kustomizations', async () => {
  const chart = await completeAt(`apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: web\n  namespace: flux-system\nspec:\n  interval: 10m\n  chartRef:\n    kind: OCIRepository\n    name: |\n`);
  assert.ok(labels(chart.items).includes('app-chart'), labels(chart.items).join(', '));
  for (const item of chart.items) assert.match(item.detail ?? '', /^OCIRepository /);
  const deps = await completeAt(`${KUSTOMIZATION_HEAD}spec:\n  dependsOn:\n    - name: |\n`);
  assert.deepEqual(labels(deps.items), ['infra']);
});

test('secretRef.name of an OCIRepository lists dockerconfigjson Secrets of its namespace only', async () => {
  const { items } = await completeAt(`${OCI_HEAD}spec:\n  interval: 5m\n  url: oci://ghcr.io/org/web\n  secretRef:\n    name: |\n`);
  assert.deepEqual(labels(items), ['ghcr-login']);
  assert.match(items[0].detail ?? '', /kubernetes\.io\/dockerconfigjson/);
});

test('layerSelector presets: Flux content with extract, Helm chart with copy', async () => {
  const inside = await completeAt(`${OCI_HEAD}spec:\n  layerSelector:\n    |\n`);
  const helm = inside.items.find((i) => i.label === 'Helm chart layer (copy)');
  assert.equal(newText(helm), 'mediaType: application/vnd.cncf.helm.chart.content.v1.tar+gzip\noperation: copy');
  const flux = inside.items.find((i) => i.label === 'Flux content layer (extract)');
  assert.equal(newText(flux), 'mediaType: application/vnd.cncf.flux.content.v1.tar+gzip\noperation: extract');
  const atSpec = await completeAt(`${OCI_HEAD}spec:\n  |\n`);
  assert.equal(newText(atSpec.items.find((i) => i.label === 'layerSelector: Helm chart')),
    'layerSelector:\n  mediaType: application/vnd.cncf.helm.chart.content.v1.tar+gzip\n  operation: copy');
  const mediaType = await completeAt(`${OCI_HEAD}spec:\n  layerSelector:\n    mediaType: |\n`);
  assert.deepEqual(labels(mediaType.items), ['application/vnd.cncf.flux.content.v1.tar+gzip', 'application/vnd.cncf.helm.chart.content.v1.tar+gzip']);
  const operation = await completeAt(`${OCI_HEAD}spec:\n  layerSelector:\n    mediaType: application/vnd.cncf.helm.chart.content.v1.tar+gzip\n    operation: |\n`);
  assert.equal(operation.items.find((i) => i.preselect)?.label, 'copy');
});

test('list items: fields of a new item, and values of a scalar list', async () => {
  const item = await completeAt(`${KUSTOMIZATION_HEAD}spec:\n  dependsOn:\n    - name: infra\n      |\n`);
  assert.deepEqual(labels(item.items).sort(), ['namespace', 'readyExpr']);
  const scalar = await completeAt(`${KUSTOMIZATION_HEAD}spec:\n  buildMetadata:\n    - |\n`);
  assert.deepEqual(labels(scalar.items), ['originAnnotations', 'transformerAnnotations']);
  const underList = await completeAt(`${KUSTOMIZATION_HEAD}spec:\n  dependsOn:\n    |\n`);
  assert.equal(newText(underList.items.find((i) => i.label === 'name')), '- name: ${1}');
});

test('no completion inside comments or non-Flux documents', async () => {
  const comment = await completeAt(`${KUSTOMIZATION_HEAD}spec:\n  # pro|\n`);
  assert.deepEqual(comment.items, []);
  const deployment = await completeAt(`apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  |\n`);
  assert.deepEqual(deployment.items, []);
});

test('URL fields offer the schemes their pattern allows, oci:// first', async () => {
  const oci = await completeAt(`${OCI_HEAD}spec:\n  url: |\n`);
  assert.deepEqual(labels(oci.items), ['oci://']);
  const helm = await completeAt(`apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: charts\nspec:\n  url: |\n`);
  assert.equal(labels(helm.items)[0], 'oci://');
});

test('inside one-line flow maps: keys stay on the line, values and references as in block style', async () => {
  const keys = await completeAt(`${OCI_HEAD}spec: {interval: 5m, |}\n`);
  assert.ok(!labels(keys.items).includes('interval'), 'a key already written is not offered');
  assert.equal(newText(keys.items.find((i) => i.label === 'url')), 'url: ${1}');
  assert.equal(newText(keys.items.find((i) => i.label === 'ref')), 'ref: {${1}}');
  assert.ok(keys.items.every((i) => !newText(i)?.includes('\n')), 'nothing breaks the line');
  const nested = await completeAt(`${OCI_HEAD}spec: {url: "oci://ghcr.io/org/web", ref: {ta|}}\n`);
  assert.deepEqual(labels(nested.items).sort(), ['digest', 'semver', 'semverFilter', 'tag']);
  assert.deepEqual(nested.items[0].textEdit && 'range' in nested.items[0].textEdit ? nested.items[0].textEdit.range : undefined,
    { start: { line: 5, character: 43 }, end: { line: 5, character: 45 } });
  const provider = await completeAt(`${OCI_HEAD}spec: {interval: 5m, provider: |}\n`);
  assert.deepEqual(labels(provider.items), ['generic', 'aws', 'azure', 'gcp']);
  const kind = await completeAt(`${KUSTOMIZATION_HEAD}spec:\n  sourceRef: {kind: |, name: fleet}\n`);
  assert.deepEqual(labels(kind.items), ['OCIRepository', 'GitRepository', 'Bucket', 'ExternalArtifact']);
  const name = await completeAt(`${KUSTOMIZATION_HEAD}spec:\n  sourceRef: {kind: GitRepository, name: |}\n`);
  assert.deepEqual(labels(name.items), ['fleet']);
  const deps = await completeAt(`${KUSTOMIZATION_HEAD}spec:\n  dependsOn: [{name: |}]\n`);
  assert.deepEqual(labels(deps.items), ['infra']);
  // A brace inside a quoted value or a comment is not a flow map.
  assert.deepEqual(labels((await completeAt(`${OCI_HEAD}spec:\n  interval: 5m # {|\n`)).items), []);
});
