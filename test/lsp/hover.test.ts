// Real LSP over stdio: hover on fields, on apiVersion (served and removed) and on references.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Hover, MarkupContent } from 'vscode-languageserver-protocol';
import { startServer, positionOf, REPO_ROOT, type LspSession } from './lspClient';

let lsp: LspSession;
before(async () => { lsp = await startServer(); });
after(async () => { await lsp.close(); });

const SOURCE = `# sources used by the apps
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: app-manifests
  namespace: flux-system
spec:
  interval: 5m
  timeout: 2m
  url: oci://ghcr.io/org/app-manifests
  ref:
    semver: ">=1.0.0 <2.0.0"
`;

const KUSTOMIZATION = `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  prune: true
  sourceRef:
    kind: OCIRepository
    name: app-manifests
  dependsOn:
    - name: nowhere
`;

const markdown = (h: Hover | null): string => {
  assert.ok(h, 'no hover');
  const contents = h.contents as MarkupContent;
  assert.equal(contents.kind, 'markdown');
  return contents.value;
};

const docs = (kind: string) => parse(readFileSync(join(REPO_ROOT, 'schemas', 'docs', `${kind.toLowerCase()}.yaml`), 'utf8')) as {
  reference: string; fields: Record<string, { description: string; anchor?: string }>;
};

test('a field: our description, type, default, pattern in words and the reference link with its anchor', async () => {
  await lsp.open('source.yaml', SOURCE);
  const h = await lsp.hover('source.yaml', positionOf(SOURCE, 'timeout', 2));
  const text = markdown(h);
  const entry = docs('OCIRepository').fields['spec.timeout'];
  assert.ok(text.includes(entry.description), text);
  assert.match(text, /`spec\.timeout`/);
  assert.match(text, /Type: string/);
  assert.match(text, /Default: `60s`/);
  assert.match(text, /no hours/, 'the no-hours duration pattern in words');
  assert.ok(text.includes(`](${docs('OCIRepository').reference}#${entry.anchor})`), text);
  assert.deepEqual(h!.range, { start: { line: 8, character: 2 }, end: { line: 8, character: 9 } });
});

test('enum fields list their allowed values; required fields say so', async () => {
  const text = `${SOURCE}  provider: aws\n`;
  await lsp.open('provider.yaml', text);
  const provider = markdown(await lsp.hover('provider.yaml', positionOf(text, 'provider:', 1)));
  assert.match(provider, /Allowed values: `generic`, `aws`, `azure`, `gcp`/);
  assert.match(provider, /Default: `generic`/);
  const url = markdown(await lsp.hover('provider.yaml', positionOf(text, 'url:', 1)));
  assert.match(url, /required/);
  assert.match(url, /starts with oci:\/\//);
});

test('apiVersion: served, with the release it became available in', async () => {
  const h = markdown(await lsp.hover('source.yaml', positionOf(SOURCE, 'source.toolkit', 3)));
  assert.match(h, /is served by current Flux/);
  assert.match(h, /current API version of OCIRepository/);
  assert.match(h, /Flux 2\.6/);
});

test('apiVersion: removed, with the release that removed it and the version to use', async () => {
  const text = SOURCE.replace('source.toolkit.fluxcd.io/v1', 'source.toolkit.fluxcd.io/v1beta2');
  await lsp.open('old.yaml', text);
  const h = markdown(await lsp.hover('old.yaml', positionOf(text, 'v1beta2', 1)));
  assert.match(h, /no longer served/);
  assert.match(h, /source-controller v1\.8\.0/);
  assert.match(h, /`source\.toolkit\.fluxcd\.io\/v1`/);
});

test('sourceRef.name: a summary of the target and where it is defined', async () => {
  await lsp.open('apps.yaml', KUSTOMIZATION);
  const h = await lsp.hover('apps.yaml', positionOf(KUSTOMIZATION, 'app-manifests', 4));
  const text = markdown(h);
  assert.match(text, /\*\*OCIRepository\*\* `flux-system\/app-manifests`/);
  assert.match(text, /url: `oci:\/\/ghcr\.io\/org\/app-manifests`/);
  assert.match(text, /ref\.semver: `>=1\.0\.0 <2\.0\.0`/);
  assert.ok(text.includes(`Defined in [source.yaml, line 5](${lsp.uri('source.yaml')}#L5)`), text);
  assert.deepEqual(h!.range, { start: { line: 10, character: 10 }, end: { line: 10, character: 23 } });
});

test('a reference to nothing says so; the key of a reference still explains the field', async () => {
  const missing = markdown(await lsp.hover('apps.yaml', positionOf(KUSTOMIZATION, 'nowhere', 1)));
  assert.match(missing, /No Kustomization named `nowhere` in namespace `flux-system`/);
  const key = markdown(await lsp.hover('apps.yaml', positionOf(KUSTOMIZATION, 'name: app-manifests', 1)));
  assert.match(key, /`spec\.sourceRef\.name`/);
});

test('no hover on non-Flux documents or on blank lines', async () => {
  const text = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n\n';
  await lsp.open('deploy.yaml', text);
  assert.equal(await lsp.hover('deploy.yaml', { line: 1, character: 2 }), null);
  assert.equal(await lsp.hover('source.yaml', { line: 12, character: 0 }), null);
});

test('flow maps: the key or reference under the cursor, not the whole map', async () => {
  const text = `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: flow, namespace: flux-system}
spec: {interval: 10m, prune: true, sourceRef: {kind: OCIRepository, name: app-manifests}}
`;
  await lsp.open('source.yaml', SOURCE);
  await lsp.open('flow.yaml', text);
  const key = await lsp.hover('flow.yaml', positionOf(text, 'prune', 2));
  assert.match(markdown(key), /^\*\*`spec\.prune`\*\* · Kustomization · required/);
  assert.deepEqual(key!.range, { start: { line: 3, character: 22 }, end: { line: 3, character: 27 } });
  const target = await lsp.hover('flow.yaml', positionOf(text, 'app-manifests', 3));
  assert.match(markdown(target), /\*\*OCIRepository\*\* `flux-system\/app-manifests`/);
  assert.deepEqual(target!.range, { start: { line: 3, character: 74 }, end: { line: 3, character: 87 } });
  const name = await lsp.hover('flow.yaml', positionOf(text, 'flow,', 1));
  assert.match(markdown(name), /`metadata\.name`/);
});

test('no hover on a document that is a bare scalar or a list', async () => {
  await lsp.open('scalar.yaml', 'just words\n---\n- a\n- b\n');
  assert.equal(await lsp.hover('scalar.yaml', { line: 0, character: 3 }), null);
  assert.equal(await lsp.hover('scalar.yaml', { line: 2, character: 2 }), null);
});
