// Real LSP over stdio: the notification kinds (Alert, Provider, Receiver), the image automation
// kinds (ImageRepository, ImagePolicy, ImageUpdateAutomation) and source-watcher's
// ArtifactGenerator get what the source kinds get: schema diagnostics on the offending key or
// value, key/value/apiVersion/kind completion, hover in our own words, document symbols.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { CompletionItem, Diagnostic, DocumentSymbol, Hover, MarkupContent } from 'vscode-languageserver-protocol';
import { startServer, positionOf, REPO_ROOT, type LspSession } from './lspClient';
import { problems } from './rules-helpers';
import { GIT_REPO, VALID_KINDS } from '../fixtures/kinds';

let lsp: LspSession;
before(async () => { lsp = await startServer(); });
after(async () => { await lsp.close(); });

/** One valid document of each new kind, all in flux-system and pointing at each other. */
export const VALID = VALID_KINDS;
const GIT = GIT_REPO;

let counter = 0;
const fresh = () => `doc-${++counter}.yaml`;
const describe = (ds: readonly Diagnostic[]) => ds.map((d) => `${d.code}@${d.range.start.line}:${d.range.start.character}: ${d.message}`);

test('a valid document of every new kind reports nothing', async () => {
  await lsp.open('git.yaml', GIT);
  // Objects before the documents that refer to them (the Alert names the ArtifactGenerator).
  const order = Object.entries(VALID).sort(([a], [b]) => Number(b === 'ArtifactGenerator') - Number(a === 'ArtifactGenerator'));
  for (const [kind, text] of order) {
    const diagnostics = await lsp.open(`valid-${kind}.yaml`, text);
    assert.deepEqual(describe(problems(diagnostics)), [], kind);
  }
});

/** The only problem in `text`, and where it sits. */
async function onlyProblem(text: string): Promise<Diagnostic> {
  const ds = problems(await lsp.open(fresh(), text));
  assert.equal(ds.length, 1, describe(ds).join('\n'));
  assert.equal(ds[0].source, 'flux-oci');
  return ds[0];
}

test('Alert: an eventSeverity outside its enum is an error on the value', async () => {
  const text = VALID.Alert.replace('eventSeverity: error', 'eventSeverity: warning');
  const d = await onlyProblem(text);
  assert.equal(d.code, 'schema/enum');
  assert.equal(d.severity, 1);
  assert.match(d.message, /info/);
  assert.match(d.message, /error/);
  assert.deepEqual(d.range.start, positionOf(text, 'warning'));
});

test('Alert: an eventSources kind Flux does not know is an error; a missing providerRef is reported', async () => {
  const kind = await onlyProblem(VALID.Alert.replace('kind: ArtifactGenerator', 'kind: Deployment'));
  assert.equal(kind.code, 'schema/enum');
  const missing = await onlyProblem(VALID.Alert.replace('  providerRef:\n    name: slack\n', ''));
  assert.equal(missing.code, 'schema/required');
  assert.match(missing.message, /providerRef/);
});

test('ImagePolicy: an unknown field is a warning on its key', async () => {
  const text = VALID.ImagePolicy.replace('    semver:\n', '    semver:\n      ranges: 1.x\n').replace('      range: 5.0.x\n', '');
  const ds = problems(await lsp.open(fresh(), text));
  const unknown = ds.find((d) => d.code === 'schema/unknown-field');
  assert.ok(unknown, describe(ds).join('\n'));
  assert.equal(unknown.severity, 2);
  assert.match(unknown.message, /ranges/);
  assert.deepEqual(unknown.range.start, positionOf(text, 'ranges'));
  assert.ok(ds.some((d) => d.code === 'schema/required' && /range/.test(d.message)), describe(ds).join('\n'));
});

test('Provider: a timeout in hours breaks its pattern; an unknown type is an error', async () => {
  const hours = await onlyProblem(VALID.Provider.replace('timeout: 15s', 'timeout: 1h'));
  assert.equal(hours.code, 'schema/duration');
  const type = await onlyProblem(VALID.Provider.replace('type: slack', 'type: mattermost'));
  assert.equal(type.code, 'schema/enum');
});

test('ImageRepository: interval is required, a duration in words is an error', async () => {
  const missing = await onlyProblem(VALID.ImageRepository.replace('  interval: 5m\n', ''));
  assert.equal(missing.code, 'schema/required');
  assert.match(missing.message, /interval/);
  const words = await onlyProblem(VALID.ImageRepository.replace('interval: 5m', 'interval: 5 minutes'));
  assert.equal(words.code, 'schema/duration');
});

test('ImageUpdateAutomation: sourceRef.kind other than GitRepository is an error naming the one allowed kind', async () => {
  const text = VALID.ImageUpdateAutomation.replace('    kind: GitRepository\n', '    kind: OCIRepository\n');
  const d = await onlyProblem(text);
  assert.equal(d.severity, 1);
  // The reference rule takes over from the schema's enum for sourceRef kinds, as for Kustomization.
  assert.equal(d.code, 'flux/ref-kind-not-allowed');
  assert.match(d.message, /GitRepository/);
  assert.deepEqual(d.range.start, positionOf(text, 'OCIRepository'));
});

test('ArtifactGenerator: copy.to must start with @artifact/; unknown fields are reported', async () => {
  const text = VALID.ArtifactGenerator.replace("to: '@artifact/'", "to: 'out/'");
  const d = await onlyProblem(text);
  assert.equal(d.code, 'schema/pattern');
  const unknown = await onlyProblem(VALID.ArtifactGenerator.replace('    - name: frontend\n', '    - name: frontend\n      path: ./x\n'));
  assert.equal(unknown.code, 'schema/unknown-field');
});

test('Receiver: a resources kind outside the enum and a missing type are errors', async () => {
  const kind = await onlyProblem(VALID.Receiver.replace('    - kind: GitRepository', '    - kind: Secret'));
  assert.equal(kind.code, 'schema/enum');
  const type = await onlyProblem(VALID.Receiver.replace('  type: github\n', ''));
  assert.equal(type.code, 'schema/required');
});

// ---- completion

async function completeAt(textWithCursor: string): Promise<CompletionItem[]> {
  const text = textWithCursor.replace('|', '');
  const file = fresh();
  await lsp.open(file, text);
  return lsp.completion(file, positionOf(textWithCursor, '|'));
}
const labels = (items: CompletionItem[]) => items.map((i) => i.label);
const head = (kind: string) => VALID[kind].slice(0, VALID[kind].indexOf('spec:\n'));

test('kind completion offers the kinds of the notification, image and source.extensions groups', async () => {
  assert.deepEqual(labels(await completeAt('apiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: |\n')).sort(), ['Alert', 'Provider']);
  assert.deepEqual(labels(await completeAt('apiVersion: notification.toolkit.fluxcd.io/v1\nkind: |\n')), ['Receiver']);
  assert.deepEqual(labels(await completeAt('apiVersion: image.toolkit.fluxcd.io/v1\nkind: |\n')).sort(), ['ImagePolicy', 'ImageRepository', 'ImageUpdateAutomation']);
  assert.deepEqual(labels(await completeAt('apiVersion: source.extensions.fluxcd.io/v1beta1\nkind: |\n')), ['ArtifactGenerator']);
});

test('apiVersion completion offers only the served version of each new kind, and new documents get them', async () => {
  const expected: Record<string, string> = {
    Alert: 'notification.toolkit.fluxcd.io/v1beta3', Provider: 'notification.toolkit.fluxcd.io/v1beta3', Receiver: 'notification.toolkit.fluxcd.io/v1',
    ImageRepository: 'image.toolkit.fluxcd.io/v1', ImagePolicy: 'image.toolkit.fluxcd.io/v1', ImageUpdateAutomation: 'image.toolkit.fluxcd.io/v1',
    ArtifactGenerator: 'source.extensions.fluxcd.io/v1beta1',
  };
  for (const [kind, apiVersion] of Object.entries(expected)) {
    assert.deepEqual(labels(await completeAt(`kind: ${kind}\napiVersion: |\n`)), [apiVersion], kind);
  }
  const all = labels(await completeAt('apiVersion: |'));
  for (const [kind, apiVersion] of Object.entries(expected)) assert.ok(all.includes(`${apiVersion} ${kind}`), `${kind}: ${all.join(', ')}`);
  assert.ok(!all.some((l) => /^(notification|image)\.toolkit\.fluxcd\.io\/v1beta[12] /.test(l)), `no removed versions: ${all.join(', ')}`);
});

test('keys: ImagePolicy policy offers its three rankings; Alert eventSources items offer their fields', async () => {
  assert.deepEqual(labels(await completeAt(`${head('ImagePolicy')}spec:\n  policy:\n    |\n`)).sort(), ['alphabetical', 'numerical', 'semver']);
  const item = labels(await completeAt(`${head('Alert')}spec:\n  eventSources:\n    - kind: Kustomization\n      |\n`)).sort();
  assert.deepEqual(item, ['apiVersion', 'matchLabels', 'name', 'namespace']);
  const spec = labels(await completeAt(`${head('ArtifactGenerator')}spec:\n  |\n`));
  for (const key of ['sources', 'artifacts', 'pathPattern', 'commonMetadata']) assert.ok(spec.includes(key), spec.join(', '));
});

test('values: enums of the new kinds, with the default preselected', async () => {
  const severity = await completeAt(`${head('Alert')}spec:\n  eventSeverity: |\n`);
  assert.deepEqual(labels(severity), ['info', 'error']);
  assert.equal(severity.find((i) => i.preselect)?.label, 'info');
  const types = labels(await completeAt(`${head('Provider')}spec:\n  type: |\n`));
  for (const t of ['slack', 'msteams', 'github', 'generic', 'generic-hmac']) assert.ok(types.includes(t), types.join(', '));
  assert.deepEqual(labels(await completeAt(`${head('ImageUpdateAutomation')}spec:\n  sourceRef:\n    kind: |\n`)), ['GitRepository']);
  assert.deepEqual(labels(await completeAt(`${head('ImagePolicy')}spec:\n  policy:\n    numerical:\n      order: |\n`)), ['asc', 'desc']);
  assert.deepEqual(labels(await completeAt(`${head('ArtifactGenerator')}spec:\n  artifacts:\n    - name: x\n      copy:\n        - strategy: |\n`)), ['Overwrite', 'Merge', 'Extract']);
  const timeout = labels(await completeAt(`${head('ImageRepository')}spec:\n  timeout: |\n`));
  assert.ok(timeout.length > 0 && !timeout.some((d) => d.includes('h')), `no hours for a timeout: ${timeout.join(', ')}`);
});

// ---- hover

const markdown = (h: Hover | null): string => {
  assert.ok(h, 'no hover');
  return (h.contents as MarkupContent).value;
};
const docs = (kind: string) => parse(readFileSync(join(REPO_ROOT, 'schemas', 'docs', `${kind.toLowerCase()}.yaml`), 'utf8')) as {
  reference: string; fields: Record<string, { description: string; anchor?: string }>;
};

test('hover on a field of each new kind shows our description and the schema facts', async () => {
  const cases: [kind: string, needle: string, delta: number, docPath: string, fact?: RegExp][] = [
    ['Alert', 'eventSeverity', 2, 'spec.eventSeverity', /Allowed values: `info`, `error`/],
    ['Provider', 'timeout', 2, 'spec.timeout', /no hours/],
    ['Receiver', 'events', 2, 'spec.events'],
    ['ImageRepository', 'image:', 2, 'spec.image', /required/],
    ['ImagePolicy', 'range', 2, 'spec.policy.semver.range'],
    ['ImageUpdateAutomation', 'strategy', 2, 'spec.update.strategy', /Allowed values: `Setters`/],
    ['ArtifactGenerator', 'originRevision', 2, 'spec.artifacts[].originRevision', /Format:/],
  ];
  for (const [kind, needle, delta, docPath, fact] of cases) {
    const file = `hover-${kind}.yaml`;
    await lsp.open(file, VALID[kind]);
    const text = markdown(await lsp.hover(file, positionOf(VALID[kind], needle, delta)));
    assert.ok(text.includes(docs(kind).fields[docPath].description), `${kind}: ${text}`);
    assert.ok(text.includes(`\`${docPath}\``), text);
    assert.ok(text.includes(`](${docs(kind).reference}`), `${kind} links its reference page: ${text}`);
    if (fact) assert.match(text, fact, kind);
  }
});

test('hover on apiVersion: GA release for v1 kinds, beta note for Alert, Provider and ArtifactGenerator', async () => {
  const expected: Record<string, RegExp> = {
    Receiver: /generally available since notification-controller v1\.0\.0/,
    ImageRepository: /generally available since image-reflector-controller v1\.0\.0/,
    ImagePolicy: /generally available since image-reflector-controller v1\.0\.0/,
    ImageUpdateAutomation: /generally available since image-automation-controller v1\.0\.0/,
    Alert: /beta API \(served since notification-controller v1\.2\.0\); Alert has no v1 yet/,
    Provider: /beta API \(served since notification-controller v1\.2\.0\); Provider has no v1 yet/,
    ArtifactGenerator: /beta API, and the only version source-watcher serves/,
  };
  for (const [kind, pattern] of Object.entries(expected)) {
    const file = `api-${kind}.yaml`;
    await lsp.open(file, VALID[kind]);
    const text = markdown(await lsp.hover(file, { line: 0, character: 14 }));
    assert.match(text, /\*\*Served\.\*\*/, kind);
    assert.match(text, pattern, `${kind}: ${text}`);
  }
});

test('hover on a removed image apiVersion names the release that stopped serving it', async () => {
  const text = VALID.ImagePolicy.replace('image.toolkit.fluxcd.io/v1', 'image.toolkit.fluxcd.io/v1beta2');
  await lsp.open('old-policy.yaml', text);
  const h = markdown(await lsp.hover('old-policy.yaml', { line: 0, character: 14 }));
  assert.match(h, /\*\*Not served\.\*\*/);
  assert.match(h, /image-reflector-controller v1\.2\.0/);
  assert.match(h, /`image\.toolkit\.fluxcd\.io\/v1`/);
});

test('hover on ImageUpdateAutomation sourceRef.name summarises the GitRepository it pushes to', async () => {
  await lsp.open('git.yaml', GIT);
  await lsp.open('automation.yaml', VALID.ImageUpdateAutomation);
  const h = markdown(await lsp.hover('automation.yaml', positionOf(VALID.ImageUpdateAutomation, 'name: flux-system', 8)));
  assert.match(h, /\*\*GitRepository\*\* `flux-system\/flux-system`/);
  assert.match(h, /url: `https:\/\/github\.com\/org\/fleet`/);
});

// ---- outline

test('document symbols name each new kind like the others: Kind namespace/name', async () => {
  const text = Object.values(VALID).join('---\n');
  await lsp.open('all.yaml', text);
  const symbols = (await lsp.documentSymbols('all.yaml')) as DocumentSymbol[];
  // The ExternalArtifact an ArtifactGenerator declares is listed too, so it can be found by name.
  const expected = Object.entries(VALID).map(([kind, t]) => `${kind} flux-system/${/^  name: (.*)$/m.exec(t)![1]}`);
  assert.deepEqual(symbols.map((s) => s.name), [...expected, 'ExternalArtifact flux-system/frontend']);
});
