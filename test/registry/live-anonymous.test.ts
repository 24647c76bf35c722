// Live registry intelligence over real stdio against the real registry (anonymous), with the
// fault proxy in front only to page the tag list (distribution 2.8 ignores `n`) and to send blob
// downloads to a second host. A repository with 1,500 tags; completion, resolve, every live
// diagnostic, quick fixes, inlay hints, hover and one request per repository.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { CompletionItem, CompletionList, InlayHint, Diagnostic } from 'vscode-languageserver-protocol';
import type { FaultProxy } from './faultProxy';
import { pushFluxArtifact, pushCosignSignature, pushCustom, versionTags, SOURCE, HELM_CONFIG, HELM_CHART } from './liveSeed';
import { live, liveCodes, diagnosticsWhen } from './liveHelpers';
import { startLiveRig, ociSource, kustomizationOf, type LiveRig } from './liveRig';
import { positionOf, endOf, type LspSession } from '../lsp/lspClient';
import { budget } from '../timing';

let liveRig: LiveRig | undefined;
let proxy: FaultProxy;
let lsp: LspSession;
let host: string;
let newest: string; // digest of v3.24.19 (signed)
let older: string; // digest of every other tag
const TAGS = versionTags(1500);

before(async () => {
  liveRig = await startLiveRig({
    seed: async (client, registryHost) => {
      older = await pushFluxArtifact(client, registryHost, 'team/app', TAGS);
      newest = await pushFluxArtifact(client, registryHost, 'team/app', ['v3.24.19'], 'v3.24.19@sha1:fedcba9876543210fedcba9876543210fedcba98');
      await pushCosignSignature(client, registryHost, 'team/app', newest);
      await pushCustom(client, registryHost, 'team/image', 'v1', 'application/vnd.oci.image.config.v1+json', 'application/vnd.oci.image.layer.v1.tar+gzip');
      await pushCustom(client, registryHost, 'team/chart', '1.2.3', HELM_CONFIG, HELM_CHART);
      for (const v of ['6.5.0', '6.5.1', '6.6.0']) await pushCustom(client, registryHost, 'charts/podinfo', v, HELM_CONFIG, HELM_CHART);
    },
    rules: [
      { method: 'GET', path: /\/tags\/list$/, fault: { kind: 'paginate-tags' } },
      { method: 'GET', path: /\/blobs\/sha256:[a-f0-9]{64}$/, fault: { kind: 'redirect-blob' } },
    ],
  });
  ({ proxy, lsp } = liveRig);
  host = proxy.host;
});

after(async () => {
  await liveRig?.stop();
});

const source = (name: string, ref: string, extra = '') => ociSource(host, 'team/app', name, ref, extra);

async function completion(rel: string, text: string, needle: string, delta: number): Promise<CompletionList> {
  const result = await lsp.conn.sendRequest<CompletionList | CompletionItem[]>('textDocument/completion', { textDocument: { uri: lsp.uri(rel) }, position: positionOf(text, needle, delta) });
  return Array.isArray(result) ? { isIncomplete: false, items: result } : result;
}

const byVersionDesc = (a: string, b: string) => {
  const x = a.slice(1).split('.').map(Number);
  const y = b.slice(1).split('.').map(Number);
  return y[0] - x[0] || y[1] - x[1] || y[2] - x[2];
};

test('ref.tag completion: 1,500 tags read over two pages, newest version first, short digests; resolve adds created, source and revision', async () => {
  const text = source('app', '    tag: \n');
  await lsp.open('complete.yaml', text);
  const list = await completion('complete.yaml', text, 'tag: ', 5);
  const items = list.items.filter((i) => (i.data as { live?: string } | undefined)?.live === 'tag');
  assert.equal(list.isIncomplete, true, 'more tags than one answer holds: typing narrows on the server');
  assert.equal(items.length, 200);
  const expected = [...TAGS].sort(byVersionDesc).slice(0, 200);
  assert.deepEqual(items.map((i) => i.label), expected);
  assert.deepEqual(items.map((i) => i.sortText), [...items.map((i) => i.sortText)].sort(), 'sortText keeps the order');
  assert.equal(items[0].detail, newest.slice(0, 19), 'the newest tag shows its own digest');
  assert.equal(items[1].detail, older.slice(0, 19));
  assert.equal(items[0].preselect, true);
  const pages = proxy.requests.filter((r) => r.path === '/v2/team/app/tags/list');
  assert.equal(pages.length, 2, 'two pages of 1,000');
  assert.match(pages[1].query, /last=/);
  assert.ok(!list.items.some((i) => /^sha256-/.test(i.label)), 'signature tags are not offered');

  const resolved = await lsp.conn.sendRequest<CompletionItem>('completionItem/resolve', items[0]);
  const doc = typeof resolved.documentation === 'string' ? resolved.documentation : resolved.documentation?.value ?? '';
  assert.match(doc, new RegExp(`digest \`${newest}\``));
  assert.match(doc, /created \d{4}-\d\d-\d\dT/);
  assert.ok(doc.includes(`source ${SOURCE}`), doc);
  assert.match(doc, /revision `v3\.24\.19@sha1:fedcba98/);

  // Typing narrows: every tag holding the text, in version order, the list complete again.
  const typed = source('app', '    tag: v1.0.1\n');
  await lsp.change('complete.yaml', typed);
  const narrowed = await completion('complete.yaml', typed, 'tag: v1.0.1', 'tag: v1.0.1'.length);
  assert.equal(narrowed.isIncomplete, false);
  assert.deepEqual(narrowed.items.map((i) => i.label), ['v1.0.19', 'v1.0.18', 'v1.0.17', 'v1.0.16', 'v1.0.15', 'v1.0.14', 'v1.0.13', 'v1.0.12', 'v1.0.11', 'v1.0.10', 'v1.0.1']);
  assert.deepEqual(narrowed.items[0].textEdit && 'range' in narrowed.items[0].textEdit ? narrowed.items[0].textEdit.range : undefined,
    { start: positionOf(typed, 'v1.0.1'), end: positionOf(typed, 'v1.0.1', 6) });
  assert.equal(proxy.requests.filter((r) => r.path === '/v2/team/app/tags/list').length, 2, 'the warm list is reused');
});

test('ref.digest and ref.semver completion: digests with their tags; ranges with the tag each selects, semverFilter honoured', async () => {
  const digestText = source('app', '    digest: \n');
  await lsp.open('digest.yaml', digestText);
  const digests = await completion('digest.yaml', digestText, 'digest: ', 8);
  assert.equal(digests.items[0].label, newest);
  assert.equal(digests.items[0].detail, 'v3.24.19');
  assert.equal(digests.items[1].label, older);

  const semverText = source('app', '    semver: \n');
  await lsp.open('semver.yaml', semverText);
  const ranges = await completion('semver.yaml', semverText, 'semver: ', 8);
  const byLabel = new Map(ranges.items.map((i) => [i.label, i]));
  assert.equal(byLabel.get('~3.24')?.detail, '→ v3.24.19');
  assert.equal(byLabel.get('>=2.0.0 <3.0.0')?.detail, '→ v2.24.19');
  assert.equal(byLabel.get('*')?.detail, '→ v3.24.19');
  const edit = byLabel.get('*')?.textEdit;
  assert.equal(edit && 'newText' in edit ? edit.newText : '', '"*"', 'ranges are quoted: * and > mean something else in YAML');

  const filtered = source('app', '    semverFilter: ^v1\\.\n    semver: \n');
  await lsp.open('filtered.yaml', filtered);
  const only1 = await completion('filtered.yaml', filtered, 'semver: ', 8);
  assert.equal(new Map(only1.items.map((i) => [i.label, i.detail])).get('*'), '→ v1.24.19');
  assert.ok(only1.items.every((i) => i.detail === undefined || /→ v1\./.test(i.detail)), JSON.stringify(only1.items.map((i) => i.detail)));
});

const DOCS = () => [
  source('good', '    tag: v3.24.19\n', '  verify:\n    provider: cosign\n'),
  source('bad-tag', '    tag: v3.24.99\n'),
  source('no-match', '    semver: ">=9.0.0"\n'),
  source('no-digest', `    digest: sha256:${'0'.repeat(64)}\n`),
  source('unsigned', '    tag: v3.24.18\n', '  verify:\n    provider: cosign\n'),
  source('gone', '    tag: v1\n').replace('team/app', 'team/nope'),
  source('image', '    tag: v1\n').replace('team/app', 'team/image'),
  source('chart', '    tag: 1.2.3\n', '  layerSelector:\n    mediaType: application/vnd.cncf.helm.chart.content.v1.tar+gzip\n    operation: copy\n').replace('team/app', 'team/chart'),
  kustomization('apps-ok', 'good', './apps'),
  kustomization('apps-missing-path', 'good', './nope'),
  kustomization('not-flux', 'image', './'),
  helmReleaseChartRef('chart-ok', 'chart'),
  helmReleaseChartRef('chart-not-chart', 'good'),
  `apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: charts
  namespace: flux-system
spec:
  type: oci
  interval: 10m
  url: oci://${host}/charts
`,
  helmReleaseChart('podinfo-ok', '">=6.0.0"'),
  helmReleaseChart('podinfo-missing', '9.9.9'),
].join('---\n');

const kustomization = kustomizationOf;

/** A HelmRelease of flux-system; `chartLines` say where its chart comes from. */
const helmRelease = (name: string, chartLines: string) => `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: ${name}
  namespace: flux-system
spec:
  interval: 10m
${chartLines}`;

const helmReleaseChartRef = (name: string, sourceName: string) => helmRelease(name, `  chartRef:
    kind: OCIRepository
    name: ${sourceName}
`);

const helmReleaseChart = (name: string, version: string) => helmRelease(name, `  chart:
    spec:
      chart: podinfo
      version: ${version}
      sourceRef:
        kind: HelmRepository
        name: charts
`);

const lineOf = (text: string, needle: string, occurrence = 0) => positionOf(text, needle, 0, occurrence).line;

test('live diagnostics: missing tag, range, digest and repository; unsigned; not Flux content; not a chart; missing path; missing chart version', async () => {
  const text = DOCS();
  await lsp.open('all.yaml', text);
  const expected = [
    `${lineOf(text, 'tag: v3.24.99')}:live/tag-not-found`,
    `${lineOf(text, 'semver: ">=9.0.0"')}:live/semver-no-match`,
    `${lineOf(text, 'digest: sha256:000')}:live/digest-not-found`,
    `${lineOf(text, 'verify:', 1)}:live/unsigned`,
    `${lineOf(text, 'team/nope')}:live/repository-not-found`,
    `${lineOf(text, 'path: ./nope')}:live/path-not-found`,
    `${lineOf(text, 'name: image', 1)}:live/not-flux-artifact`,
    `${lineOf(text, 'name: good', 3)}:live/not-helm-chart`,
    `${lineOf(text, 'version: 9.9.9')}:live/chart-version-not-found`,
  ].sort();
  const diagnostics = await diagnosticsWhen(lsp, 'all.yaml', (d) => liveCodes(d).length >= expected.length, budget(60_000));
  assert.deepEqual(liveCodes(diagnostics), expected);
  const byCode = new Map(live(diagnostics).map((d) => [d.code, d]));
  assert.ok(live(diagnostics).every((d) => d.severity === 2 && d.source === 'flux-oci'), 'warnings');
  assert.match(byCode.get('live/tag-not-found')!.message, /tag "v3\.24\.99" does not exist in .*team\/app; nearest: "v3\.24\.19", "v3\.24\.9", "v3\.24\.18"/);
  assert.match(byCode.get('live/semver-no-match')!.message, /no tag of .* matches ">=9\.0\.0" \(1500 version tags considered\); newest: "v3\.24\.19"/);
  assert.match(byCode.get('live/unsigned')!.message, /asks for a cosign signature, but v3\.24\.18 @ sha256:[a-f0-9]{12}… .* has none/);
  assert.match(byCode.get('live/path-not-found')!.message, /path "\.\/nope" does not exist in the artifact of OCIRepository "good" \(v3\.24\.19 @ sha256:[a-f0-9]{12}…\); its folders: \.\/apps, \.\/base/);
  assert.match(byCode.get('live/not-flux-artifact')!.message, /application\/vnd\.oci\.image\.layer\.v1\.tar\+gzip, not Flux's/);
  assert.match(byCode.get('live/not-helm-chart')!.message, /is not a Helm chart/);
  assert.match(byCode.get('live/chart-version-not-found')!.message, /version "9\.9\.9" of chart "podinfo" does not exist/);
  // The blob for the path check was fetched through the redirect: no credentials went there.
  assert.ok(proxy.redirectHost.requests.length > 0, 'the layer was read');
  assert.deepEqual(proxy.redirectHost.authorizationHeaders, []);

  // Quick fixes: the nearest tags; the preferred one makes the warning go.
  const tagDiagnostic = byCode.get('live/tag-not-found') as Diagnostic;
  const actions = await lsp.codeActions('all.yaml', tagDiagnostic.range, [tagDiagnostic]);
  assert.deepEqual(actions.map((a) => a.title), ['Use tag v3.24.19', 'Use tag v3.24.9', 'Use tag v3.24.18']);
  assert.equal(actions[0].isPreferred, true);
  await lsp.applyEdit(actions[0].edit!);
  const isFixed = (d: Diagnostic[] | undefined) => d !== undefined && !liveCodes(d).some((c) => c.endsWith('tag-not-found')) && liveCodes(d).length === expected.length - 1;
  const last = lsp.lastDiagnostics('all.yaml');
  const fixed = isFixed(last) ? last! : await diagnosticsWhen(lsp, 'all.yaml', isFixed, budget(30_000));
  assert.ok(lsp.text('all.yaml').includes('tag: v3.24.19\n---'));
  assert.equal(liveCodes(fixed).length, expected.length - 1);
});

test('resolution in place: an inlay hint after ref and a hover on the url with tags, digest, annotations and signature', async () => {
  const text = source('good', '    tag: v3.24.19\n', '  verify:\n    provider: cosign\n');
  await lsp.open('hint.yaml', text);
  // Hints use only what the cache holds: ask until the resolution is in.
  let got: InlayHint[] = [];
  const deadline = Date.now() + budget(30_000);
  for (;;) {
    got = (await lsp.conn.sendRequest<InlayHint[] | null>('textDocument/inlayHint', { textDocument: { uri: lsp.uri('hint.yaml') }, range: { start: { line: 0, character: 0 }, end: endOf(text) } })) ?? [];
    if (got.length > 0 || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(got.length, 1);
  assert.equal(got[0].label, `→ v3.24.19 @ ${newest.slice(0, 19)}…`);
  assert.deepEqual(got[0].position, { line: lineOf(text, 'ref:'), character: '  ref:'.length });

  const hover = await lsp.hover('hint.yaml', positionOf(text, 'oci://', 2));
  const value = hover && typeof hover.contents === 'object' && 'value' in hover.contents ? hover.contents.value : '';
  assert.match(value, new RegExp(`\\*\\*Registry\\*\\* \`${host.replace(/\./g, '\\.')}\`, repository \`team/app\``));
  assert.match(value, /1501 tags\. Flux pulls `v3\.24\.19` @ `sha256:[a-f0-9]{64}` \(from ref\.tag\)/);
  assert.ok(value.includes(newest));
  assert.ok(value.includes(`Source ${SOURCE}`));
  assert.match(value, /Signed \(cosign signature found\)/);
});

test('HelmRelease chart version completion: the tags of <HelmRepository url>/<chart>, newest first', async () => {
  // Its own HelmRepository name: all.yaml (still open) has one called charts.
  const text = [DOCS().split('---\n').find((d) => d.includes('kind: HelmRepository'))!, helmReleaseChart('podinfo-typing', '')].join('---\n').replace(/name: charts\n/g, 'name: charts-2\n');
  await lsp.open('chart-version.yaml', text);
  const list = await completion('chart-version.yaml', text, 'version: \n', 'version: '.length);
  assert.deepEqual(list.items.filter((i) => (i.data as { live?: string } | undefined)?.live).map((i) => i.label), ['6.6.0', '6.5.1', '6.5.0']);
  const edit = list.items.find((i) => i.label === '6.6.0')?.textEdit;
  assert.equal(edit && 'newText' in edit ? edit.newText : '', '6.6.0');
});

test('a path missing from the published artifact, told against the folder the artifact map says it is built from', async () => {
  // mapped/here exists locally but not in the artifact: the next push fixes it. mapped/gone exists
  // in neither: the paths rule's error says so, and no second (live) diagnostic repeats it.
  lsp.write('mapped/here/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: here\n');
  lsp.write('mapped/apps/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: apps\n');
  await lsp.open('.flux-oci.yaml', `artifacts:\n  - url: oci://${host}/team/app\n    path: ./mapped\n`);
  const text = [ociSource(host, 'team/app', 'mapped', '    tag: v3.24.19\n'), kustomizationOf('here', 'mapped', './here'), kustomizationOf('gone', 'mapped', './gone')].join('---\n');
  await lsp.open('mapped-fleet.yaml', text);
  const diagnostics = await diagnosticsWhen(lsp, 'mapped-fleet.yaml',
    (d) => d.some((x) => x.code === 'live/path-not-found') && d.some((x) => x.code === 'flux/path-not-found'), budget(60_000));
  const paths = diagnostics.filter((d) => String(d.code).endsWith('path-not-found')).map((d) => `${d.range.start.line}:${d.code}`).sort();
  assert.deepEqual(paths, [`${lineOf(text, 'path: ./here')}:live/path-not-found`, `${lineOf(text, 'path: ./gone')}:flux/path-not-found`].sort());
  const here = diagnostics.find((d) => d.code === 'live/path-not-found')!;
  assert.match(here.message, /path "\.\/here" does not exist in the artifact of OCIRepository "mapped" .*; it exists in \.\/mapped, the folder this artifact is built from, so the next push fixes it$/);
});
