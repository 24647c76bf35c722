// Real LSP over stdio: didOpen/didChange → publishDiagnostics for schema errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { startServer, type LspSession } from './lspClient';

let lsp: LspSession;
before(async () => { lsp = await startServer(); });
after(async () => { await lsp.close(); });

const at = (d: Diagnostic) => `${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character}`;
const find = (ds: Diagnostic[], code: string) => ds.filter((d) => d.code === code);

const OCI = `apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: podinfo
  namespace: flux-system
spec:
  interval: 10 minutes
  timeout: 1h
  provider: foo
  bogus: true
  url: oci://ghcr.io/stefanprodan/manifests/podinfo
  ref:
    tag: 1.0
  insecure: "yes"
`;

test('every class of schema error, each pointing at the offending key or value', async () => {
  const ds = await lsp.open('oci.yaml', OCI);
  assert.ok(ds.every((d) => d.source === 'flux-oci'));
  const duration = find(ds, 'schema/duration');
  assert.equal(duration.length, 2);
  assert.equal(duration[0].message, 'interval "10 minutes" is not a duration; use a Go duration such as 10m or 1h30m');
  assert.equal(at(duration[0]), '6:12-6:22');
  assert.equal(duration[1].message, 'timeout of an OCIRepository accepts ms, s and m only, not hours; write "1h" as "60m"');
  assert.equal(at(duration[1]), '7:11-7:13');
  const enumError = find(ds, 'schema/enum')[0];
  assert.equal(enumError.message, 'provider must be one of generic, aws, azure, gcp');
  assert.equal(at(enumError), '8:12-8:15');
  assert.equal(enumError.severity, 1);
  const unknown = find(ds, 'schema/unknown-field')[0];
  assert.equal(unknown.message, 'unknown field "bogus": the API server drops it');
  assert.equal(at(unknown), '9:2-9:7');
  assert.equal(unknown.severity, 2, 'unknown fields are warnings');
  const types = find(ds, 'schema/type');
  assert.deepEqual(types.map((d) => d.message), [
    'tag must be a string, not the number 1; quote it: "1.0"',
    'insecure must be true or false, not the string "yes"',
  ]);
  assert.equal(ds.length, 6, JSON.stringify(ds.map((d) => d.message)));
});

test('missing required fields point at the parent key', async () => {
  const ds = await lsp.open('missing.yaml', `apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: x
spec:
  interval: 5m
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: app
spec:
  interval: 5m
  prune: true
  sourceRef:
    kind: OCIRepository
`);
  assert.deepEqual(ds.map((d) => [d.code, d.message, at(d)]), [
    ['schema/required', 'missing required field "url"', '4:0-4:4'],
    ['schema/required', 'missing required field "name" in spec.sourceRef', '14:2-14:11'],
  ]);
});

test('several errors in several documents, and a syntax error that hides nothing else', async () => {
  const ds = await lsp.open('multi.yaml', `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: a}
spec:
  interval: 1x
  url: https://github.com/x/y
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: b}
spec:
  url: oci://ghcr.io/x
  type: docker
  interval: [5m
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: c}
spec:
  interval: 5m
  chart:
    spec:
      chart: podinfo
      sourceRef: {kind: HelmRepository, name: b}
  install: {remediation: {retries: "3"}}
`);
  const byLine = ds.map((d) => [d.range.start.line, d.code]);
  assert.deepEqual(byLine.filter(([, c]) => c === 'yaml/syntax').length > 0, true, 'syntax error reported');
  assert.ok(byLine.every(([line, c]) => c !== 'yaml/syntax' || (line as number) >= 7 && (line as number) <= 14), 'syntax error stays in its document');
  assert.ok(ds.some((d) => d.code === 'schema/duration' && d.range.start.line === 4), 'first document still checked');
  assert.ok(ds.some((d) => d.code === 'schema/type' && d.range.start.line === 24 && d.message.startsWith('retries must be a whole number')), 'third document still checked');
});

test('document markers: comments after ---, ... end markers, --- inside block scalars, CRLF, BOM, tabs', async () => {
  const text = '\uFEFF--- # first\r\napiVersion: source.toolkit.fluxcd.io/v1\r\nkind: OCIRepository\r\nmetadata:\r\n  name: a\r\n  annotations:\r\n    note: |\r\n      ---\r\n      not a marker\r\nspec:\r\n  url: oci://ghcr.io/x/y\r\n  interval: nope\r\n...\r\n--- # second\r\napiVersion: source.toolkit.fluxcd.io/v1\r\nkind: OCIRepository\r\nmetadata: {name: b}\r\nspec:\r\n  url: oci://ghcr.io/x/z\r\n  interval: 2m\r\n  bad: 1\r\n';
  const ds = await lsp.open('markers.yaml', text);
  assert.deepEqual(ds.map((d) => [d.code, at(d)]), [['schema/duration', '11:12-11:16'], ['schema/unknown-field', '20:2-20:5']]);
  const tabs = await lsp.open('tabs.yaml', 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata: {name: t}\nspec:\n\turl: oci://ghcr.io/x/y\n');
  assert.ok(tabs.some((d) => d.code === 'yaml/syntax'), 'a tab used for indentation is a syntax error');
});

test('silence on YAML that is not Flux', async () => {
  const deployment = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: "three"\n  bogus: 1\n';
  const workflow = 'name: CI\non: [push]\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ---\n';
  const helm = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n  labels:\n    {{- include "x.labels" . | nindent 4 }}\n';
  // A toolkit group with no schema here (image automation and notification kinds now have theirs).
  const unknownFluxKind = 'apiVersion: example.toolkit.fluxcd.io/v1\nkind: ImagePolicy\nmetadata: {name: p}\nspec: {bogus: 1}\n';
  for (const [name, text] of [['deploy.yaml', deployment], ['ci.yml', workflow], ['templates/helm.yaml', helm], ['image.yaml', unknownFluxKind]]) {
    assert.deepEqual(await lsp.open(name, text), [], name);
  }
  // A Flux document beside non-Flux ones in the same file is still checked.
  const mixed = await lsp.open('mixed.yaml', `${deployment}---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata: {name: m}\nspec: {url: oci://ghcr.io/x/y, interval: bad}\n`);
  assert.deepEqual(mixed.map((d) => d.code), ['schema/duration']);
});

test('removed and unknown API versions and kinds', async () => {
  const ds = await lsp.open('versions.yaml', `apiVersion: source.toolkit.fluxcd.io/v1beta2
kind: OCIRepository
metadata: {name: old}
spec: {url: oci://ghcr.io/x/y, interval: 5m}
---
apiVersion: source.toolkit.fluxcd.io/v9
kind: OCIRepository
metadata: {name: v9}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepo
metadata: {name: typo}
`);
  assert.deepEqual(ds.map((d) => d.code), ['flux/removed-api-version', 'flux/unknown-api-version', 'flux/unknown-kind']);
  assert.match(ds[0].message, /source-controller v1\.8\.0/);
});

test('incremental edits re-publish only with the new state', async () => {
  const text = 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata: {name: inc}\nspec:\n  url: oci://ghcr.io/x/y\n  interval: 5m\n';
  assert.deepEqual(await lsp.open('inc.yaml', text), []);
  const broken = await lsp.change('inc.yaml', text.replace('interval: 5m', 'interval: 5 m'));
  assert.deepEqual(broken.map((d) => d.code), ['schema/duration']);
  assert.deepEqual(await lsp.change('inc.yaml', text), []);
});

test('fluxOci.validate.enable=false clears diagnostics; unknownFields=off hides unknown-field warnings', async () => {
  const text = 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata: {name: s}\nspec: {url: oci://ghcr.io/x/y, interval: bad, extra: 1}\n';
  assert.equal((await lsp.open('settings.yaml', text)).length, 2);
  let wait = lsp.nextDiagnostics('settings.yaml', (d) => d.length === 0);
  await lsp.setSettings({ validate: { enable: false } });
  assert.deepEqual(await wait, []);
  wait = lsp.nextDiagnostics('settings.yaml', (d) => d.length === 1);
  await lsp.setSettings({ validate: { enable: true, unknownFields: 'off' } });
  assert.deepEqual((await wait).map((d) => d.code), ['schema/duration']);
  await lsp.setSettings({});
});

test('odd input: no crash, no noise, and the server keeps answering', async () => {
  const quiet: [string, string][] = [
    ['empty.yaml', ''],
    ['comments.yaml', '# nothing here\n# yet\n'],
    ['list.yaml', '- apiVersion: source.toolkit.fluxcd.io/v1\n- kind: OCIRepository\n'],
    ['scalar.yaml', 'just text\n'],
    ['number-version.yaml', 'apiVersion: 5\nkind: OCIRepository\nspec: {url: 1}\n'],
    ['kind-list.yaml', 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: [OCIRepository]\n'],
    ['only-markers.yaml', '---\n---\n...\n--- # end\n'],
  ];
  for (const [name, text] of quiet) assert.deepEqual(await lsp.open(name, text), [], name);
  const noKind = await lsp.open('no-kind.yaml', '# half written\napiVersion: source.toolkit.fluxcd.io/v1\nmetadata: {name: x}\nspec: {url: https://x}\n');
  assert.deepEqual(noKind.map((d) => [d.code, at(d)]), [['schema/required', '1:0-1:10']]);
  assert.match(noKind[0].message, /^missing required field "kind": the API server rejects an object without it \(source\.toolkit\.fluxcd\.io kinds: .*OCIRepository/);
  const specNull = await lsp.open('spec-null.yaml', 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata: {name: x}\nspec: null\n');
  assert.deepEqual(specNull.map((d) => [d.code, d.message, at(d)]), [['schema/type', 'spec must be a map of fields, not null', '3:6-3:10']]);
  const huge = await lsp.open('huge.yaml', `apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata: {name: x}\nspec:\n  interval: 5m\n  url: oci://ghcr.io/${'a'.repeat(200_000)}\n  bogus: ${'b'.repeat(100_000)}\n`);
  assert.deepEqual(huge.map((d) => [d.code, at(d)]), [['schema/unknown-field', '6:2-6:7']]);
  // Anchors do not cross documents: an alias to another document's anchor is reported, not thrown.
  const alias = await lsp.open('alias.yaml', 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata: {name: a}\nspec: &s\n  interval: 5m\n  url: oci://ghcr.io/x/y\n---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata: {name: b}\nspec: *s\n');
  assert.deepEqual(alias.map((d) => [d.code, d.message, at(d)]), [['yaml/alias', 'alias *s has no anchor &s earlier in this document (anchors do not carry across ---)', '10:6-10:8']]);
  // `<<` merge keys are honoured as Kubernetes' YAML reader does: merged fields count, `<<` is no unknown field.
  const merge = await lsp.open('merge.yaml', 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: m\n  labels: &common {team: a}\n  annotations:\n    <<: *common\nspec:\n  <<: {interval: 5m, url: "oci://ghcr.io/x/y"}\n  provider: nope\n');
  assert.deepEqual(merge.map((d) => [d.code, at(d)]), [['schema/enum', '9:12-9:16']]);
  // Still alive: a later document is checked as usual.
  const after = await lsp.open('after.yaml', 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata: {name: z}\nspec: {url: oci://ghcr.io/x/y, interval: 5 m}\n');
  assert.deepEqual(after.map((d) => d.code), ['schema/duration']);
});
