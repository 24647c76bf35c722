// Cross references of the notification, image automation and ArtifactGenerator kinds, without
// the LSP layer: resolution, wildcards, generated ExternalArtifacts, navigation and completion.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkspaceIndex } from '../../server/src/language/workspaceIndex';
import { defaultLintContext, lintFile } from '../../server/src/language/lint';
import { workspaceFindings } from '../../server/src/language/rules';
import { definitionAt, referencesAt } from '../../server/src/language/navigation';
import { complete } from '../../server/src/language/completion';
import { hover } from '../../server/src/language/hover';
import type { Position } from '../../server/src/language/types';
import { ALERT, AUTOMATION, GENERATOR, HELM_RELEASE, IMAGE_POLICY, IMAGE_REPO, KS_EXTERNAL, OCI, PROVIDER, RECEIVER } from '../fixtures/kinds';

const warnings = { ...defaultLintContext(), unresolvedReferences: 'warning' as const };
function findings(index: WorkspaceIndex, uri: string) {
  const file = index.file(uri)!;
  return [...lintFile(file, warnings), ...workspaceFindings(file, index, warnings)];
}
const codes = (index: WorkspaceIndex, uri: string) => findings(index, uri).map((f) => `${f.code}@${f.range.start.line + 1}`);

/** Position of the n-th occurrence of `needle` in a text, plus an offset into it. */
function at(text: string, needle: string, nth = 0, plus = 1): Position {
  let offset = -1;
  for (let i = 0; i <= nth; i++) offset = text.indexOf(needle, offset + 1);
  assert.ok(offset >= 0, `${needle} in text`);
  const before = text.slice(0, offset + plus);
  const line = before.split('\n').length - 1;
  return { line, character: before.length - before.lastIndexOf('\n') - 1 };
}

test('Alert providerRef and eventSources resolve; name "*" is every object and never unresolved', () => {
  const index = new WorkspaceIndex();
  index.setFile('file:///w/alert.yaml', ALERT);
  assert.deepEqual(codes(index, 'file:///w/alert.yaml'), ['flux/ref-not-found@8', 'flux/ref-not-found@15', 'flux/ref-not-found@18']);
  const messages = findings(index, 'file:///w/alert.yaml').map((f) => f.message);
  assert.match(messages[0], /^Provider "flux-system\/slack" is not defined in this workspace; notification-controller keeps the Alert not ready/);
  assert.match(messages[1], /^HelmRelease "apps\/podinfo" is not defined.*the Alert receives no events/);
  index.setFile('file:///w/provider.yaml', PROVIDER('slack'));
  index.setFile('file:///w/release.yaml', HELM_RELEASE);
  index.setFile('file:///w/policy.yaml', IMAGE_POLICY('podinfo') + '---\n' + IMAGE_REPO('podinfo'));
  assert.deepEqual(codes(index, 'file:///w/alert.yaml'), []);
  // providerRef has no namespace field: a Provider in another namespace does not count.
  index.setFile('file:///w/provider.yaml', PROVIDER('slack', 'monitoring'));
  assert.deepEqual(codes(index, 'file:///w/alert.yaml'), ['flux/ref-not-found@8']);
});

test('Receiver resources, ImagePolicy imageRepositoryRef and ImageUpdateAutomation sourceRef', () => {
  const index = new WorkspaceIndex();
  index.setFile('file:///w/receiver.yaml', RECEIVER);
  assert.deepEqual(codes(index, 'file:///w/receiver.yaml'), ['flux/ref-not-found@14']);
  assert.match(findings(index, 'file:///w/receiver.yaml')[0].message, /the Receiver cannot ask an object that does not exist to reconcile/);
  index.setFile('file:///w/policy.yaml', IMAGE_POLICY('podinfo'));
  assert.deepEqual(codes(index, 'file:///w/policy.yaml'), ['flux/ref-not-found@8']);
  assert.match(findings(index, 'file:///w/policy.yaml')[0].message, /^ImageRepository "flux-system\/podinfo" is not defined.*image-reflector-controller/);
  index.setFile('file:///w/repo.yaml', IMAGE_REPO('podinfo'));
  assert.deepEqual(codes(index, 'file:///w/policy.yaml'), []);
  index.setFile('file:///w/auto.yaml', AUTOMATION('GitRepository'));
  assert.deepEqual(codes(index, 'file:///w/auto.yaml'), ['flux/ref-not-found@10']);
  // Only GitRepository: the schema says so, and no reference warning is added on top.
  index.setFile('file:///w/auto.yaml', AUTOMATION('OCIRepository'));
  assert.deepEqual(codes(index, 'file:///w/auto.yaml'), ['flux/ref-kind-not-allowed@9']);
});

test('an ArtifactGenerator declares ExternalArtifacts that sourceRefs resolve to, with navigation to the entry', () => {
  const index = new WorkspaceIndex();
  index.setFile('file:///w/ks.yaml', KS_EXTERNAL('podinfo-composite'));
  assert.deepEqual(codes(index, 'file:///w/ks.yaml'), ['flux/ref-not-found@12']);
  index.setFile('file:///w/generator.yaml', OCI('podinfo-chart', 'flux-system') + '---\n' + GENERATOR);
  assert.deepEqual(codes(index, 'file:///w/ks.yaml'), []);
  assert.deepEqual(codes(index, 'file:///w/generator.yaml'), []);
  const generatorText = index.file('file:///w/generator.yaml')!.text;
  const [target] = definitionAt(index, 'file:///w/ks.yaml', at(KS_EXTERNAL('podinfo-composite'), 'podinfo-composite'));
  assert.deepEqual(target, { uri: 'file:///w/generator.yaml', range: { start: at(generatorText, 'podinfo-composite', 0, 0), end: at(generatorText, 'podinfo-composite', 0, 'podinfo-composite'.length) } });
  // From the artifact entry, find references lists the Kustomization.
  const refs = referencesAt(index, 'file:///w/generator.yaml', at(generatorText, 'podinfo-composite'));
  assert.deepEqual(refs.map((r) => r.uri), ['file:///w/ks.yaml']);
  // The generator's own sources resolve like sourceRefs.
  assert.deepEqual(definitionAt(index, 'file:///w/generator.yaml', at(generatorText, 'name: podinfo-chart', 1, 7)).map((l) => l.range.start.line), [3]);
  // Edits above move the declared artifacts with the document; removing the entry brings the warning back.
  index.setFile('file:///w/generator.yaml', '# moved\n' + generatorText);
  assert.equal(definitionAt(index, 'file:///w/ks.yaml', at(KS_EXTERNAL('podinfo-composite'), 'podinfo-composite'))[0].range.start.line, target.range.start.line + 1);
  index.setFile('file:///w/generator.yaml', generatorText.replace('name: podinfo-composite', 'name: other'));
  assert.deepEqual(codes(index, 'file:///w/ks.yaml'), ['flux/ref-not-found@12']);
});

test('completion offers Providers, ImageRepositories and event source names of the written kind', () => {
  const index = new WorkspaceIndex();
  index.setFile('file:///w/provider.yaml', PROVIDER('slack') + '---\n' + PROVIDER('teams', 'other'));
  index.setFile('file:///w/release.yaml', HELM_RELEASE);
  index.setFile('file:///w/repo.yaml', IMAGE_REPO('podinfo'));
  const labels = (uri: string, text: string, position: Position) => complete({ file: index.setFile(uri, text), position, index }).entries.filter((e) => e.kind === 'reference').map((e) => e.label);
  const alert = ALERT.replace('name: slack', 'name: ').replace('name: podinfo\n      namespace: apps', 'name: \n      namespace: apps');
  assert.deepEqual(labels('file:///w/alert.yaml', alert, at(alert, 'name: \n', 0, 6)), ['slack', 'teams']);
  assert.deepEqual(labels('file:///w/alert.yaml', alert, at(alert, 'name: \n', 1, 6)), ["'*'", 'podinfo']);
  const policy = IMAGE_POLICY('');
  assert.deepEqual(labels('file:///w/policy.yaml', policy, at(policy, 'name: \n', 0, 6)), ['podinfo']);
});

test('a same-named object of another kind whose namespace is unknown is not called a wrong kind', () => {
  const index = new WorkspaceIndex();
  index.setFile('file:///w/ks.yaml', KS_EXTERNAL('podinfo'));
  index.setFile('file:///w/apps/source.yaml', OCI('podinfo'));
  // Not an error: the OCIRepository may live in any namespace. An information says why no verdict.
  const [finding, ...rest] = findings(index, 'file:///w/ks.yaml');
  assert.deepEqual(rest, []);
  assert.equal(finding.code, 'flux/ref-namespace-unknown');
  assert.equal(finding.severity, 'info');
  assert.match(finding.message, /^ExternalArtifact "flux-system\/podinfo" is not defined in this workspace\. OCIRepository "podinfo" has the name, but its namespace cannot be known/);
  // Off means silence, as for every unresolved reference.
  const file = index.file('file:///w/ks.yaml')!;
  assert.deepEqual(workspaceFindings(file, index, defaultLintContext()), []);
  // Both namespaces known and equal: likely a kind mistake, but an ExternalArtifact of that name
  // may exist in the cluster only, so a warning, not an error.
  index.setFile('file:///w/apps/source.yaml', OCI('podinfo', 'flux-system'));
  assert.deepEqual(codes(index, 'file:///w/ks.yaml'), ['flux/ref-wrong-kind@11']);
  const [wrongKind] = findings(index, 'file:///w/ks.yaml');
  assert.equal(wrongKind.severity, 'warning');
  assert.match(wrongKind.message, /^spec\.sourceRef names ExternalArtifact "flux-system\/podinfo", which is not defined in this workspace, but "podinfo" here is an OCIRepository; if the cluster holds no ExternalArtifact "flux-system\/podinfo" either, Flux keeps the object not ready/);
  // Known and different: simply not found.
  index.setFile('file:///w/apps/source.yaml', OCI('podinfo', 'apps'));
  assert.deepEqual(codes(index, 'file:///w/ks.yaml'), ['flux/ref-not-found@12']);
});

test('an effective-namespace function plugs into resolution', () => {
  const index = new WorkspaceIndex();
  index.setFile('file:///w/ks.yaml', KS_EXTERNAL('podinfo'));
  index.setFile('file:///w/apps/source.yaml', OCI('podinfo'));
  index.setFile('file:///w/policy.yaml', IMAGE_POLICY('podinfo').replace('  namespace: flux-system\n', ''));
  index.setFile('file:///w/repo.yaml', IMAGE_REPO('podinfo'));
  assert.deepEqual(codes(index, 'file:///w/ks.yaml'), ['flux/ref-namespace-unknown@12']);
  const before = index.structureVersion;
  // As an apply graph would: files under apps/ land in "apps"; policy.yaml in flux-system.
  index.setNamespaceResolver((uri, _doc, written) => written ?? (uri.includes('/apps/') ? 'apps' : uri.endsWith('policy.yaml') ? 'flux-system' : undefined));
  assert.ok(index.structureVersion > before, 'cross-file results are recomputed');
  assert.deepEqual(codes(index, 'file:///w/ks.yaml'), ['flux/ref-not-found@12']);
  assert.equal(index.objectNamespace(index.objectsIn('file:///w/apps/source.yaml')[0]), 'apps');
  assert.equal(index.referenceNamespace(index.referencesIn('file:///w/policy.yaml')[0]), 'flux-system');
  assert.deepEqual(codes(index, 'file:///w/policy.yaml'), []);
  index.setNamespaceResolver(undefined);
  assert.deepEqual(codes(index, 'file:///w/ks.yaml'), ['flux/ref-namespace-unknown@12']);
});

test('Flux Operator kinds in eventSources and resources: a warning without evidence of the Operator, nothing with it', () => {
  const index = new WorkspaceIndex();
  const alert = ALERT.replace('kind: HelmRelease', 'kind: FluxInstance').replace('name: podinfo\n      namespace: apps', 'name: flux');
  index.setFile('file:///w/alert.yaml', alert);
  index.setFile('file:///w/provider.yaml', PROVIDER('slack'));
  index.setFile('file:///w/policy.yaml', IMAGE_POLICY('podinfo') + '---\n' + IMAGE_REPO('podinfo'));
  const [kindWarning, ...rest] = findings(index, 'file:///w/alert.yaml');
  assert.deepEqual(rest, [], 'no reference warning on top of it');
  assert.equal(kindWarning.code, 'flux/operator-kind');
  // Whether the cluster runs the Operator cannot be read from files: never an error.
  assert.equal(kindWarning.severity, 'warning');
  assert.match(kindWarning.message, /^FluxInstance is a Flux Operator kind: the Alert CRD takes it only in a cluster where the Operator runs/);
  assert.match(kindWarning.message, /no fluxcd\.controlplane\.io object, no flux-operator or flux-instance chart/);
  const instance = 'apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\nmetadata:\n  name: flux\n  namespace: flux-system\nspec:\n  distribution:\n    version: "2.x"\n';
  index.setFile('file:///w/instance.yaml', instance);
  assert.deepEqual(codes(index, 'file:///w/alert.yaml'), []);
  // The reference itself is resolved: another name is not found.
  index.setFile('file:///w/instance.yaml', instance.replace('name: flux', 'name: other'));
  assert.deepEqual(codes(index, 'file:///w/alert.yaml'), ['flux/ref-not-found@15']);
  index.removeFile('file:///w/instance.yaml');
  assert.deepEqual(codes(index, 'file:///w/alert.yaml'), ['flux/operator-kind@14']);
});

/** A HelmRelease installing `chart` from a HelmRepository. */
const chartRelease = (name: string, chart: string) => `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: ${name}
  namespace: flux-system
spec:
  interval: 1h
  chart:
    spec:
      chart: ${chart}
      sourceRef:
        kind: HelmRepository
        name: controlplaneio
`;
const CHART_REPO = 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: controlplaneio\n  namespace: flux-system\nspec:\n  type: oci\n  interval: 12h\n  url: oci://ghcr.io/controlplaneio-fluxcd/charts\n';
const OPERATOR_ALERT = ALERT.replace('kind: HelmRelease', 'kind: FluxInstance').replace('name: podinfo\n      namespace: apps', 'name: flux');
const OPERATOR_RECEIVER = 'apiVersion: notification.toolkit.fluxcd.io/v1\nkind: Receiver\nmetadata:\n  name: hook\n  namespace: flux-system\nspec:\n  type: generic\n  secretRef:\n    name: token\n  resources:\n    - kind: ResourceSet\n      name: apps\n';

test('a HelmRelease, HelmChart or OCIRepository of the flux-operator or flux-instance chart shows the Operator', () => {
  const cases: [string, string][] = [
    ['flux-operator HelmRelease', chartRelease('flux-operator', 'flux-operator')],
    ['flux-instance HelmRelease', chartRelease('flux', 'flux-instance')],
    ['chart path in a Git source', chartRelease('flux', './charts/flux-operator')],
    ['HelmChart', 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmChart\nmetadata:\n  name: flux-instance\n  namespace: flux-system\nspec:\n  interval: 1h\n  chart: flux-instance\n  sourceRef:\n    kind: HelmRepository\n    name: controlplaneio\n'],
    ['OCIRepository used as chartRef', OCI('flux-operator', 'flux-system').replace(/url: .*/, 'url: oci://ghcr.io/controlplaneio-fluxcd/charts/flux-operator')],
  ];
  for (const [what, text] of cases) {
    const index = new WorkspaceIndex();
    index.setFile('file:///w/alert.yaml', OPERATOR_ALERT);
    index.setFile('file:///w/receiver.yaml', OPERATOR_RECEIVER);
    index.setFile('file:///w/provider.yaml', PROVIDER('slack'));
    index.setFile('file:///w/policy.yaml', IMAGE_POLICY('podinfo') + '---\n' + IMAGE_REPO('podinfo'));
    index.setFile('file:///w/repo.yaml', CHART_REPO);
    assert.deepEqual(codes(index, 'file:///w/alert.yaml'), ['flux/operator-kind@14'], what);
    assert.deepEqual(codes(index, 'file:///w/receiver.yaml'), ['flux/operator-kind@11'], what);
    index.setFile('file:///w/operator.yaml', text);
    assert.ok(index.usesFluxOperator(), what);
    // The FluxInstance the chart makes has no document: it is not looked up either.
    assert.deepEqual(codes(index, 'file:///w/alert.yaml'), [], what);
    assert.deepEqual(codes(index, 'file:///w/receiver.yaml'), [], what);
    // Another chart is no evidence; the warning comes back.
    index.setFile('file:///w/operator.yaml', text.replace(/flux-(operator|instance)(?=\n)/g, 'podinfo'));
    assert.ok(!index.usesFluxOperator(), what);
    assert.deepEqual(codes(index, 'file:///w/alert.yaml'), ['flux/operator-kind@14'], what);
  }
});

test('Operator chart evidence crosses threads with the exported facts', () => {
  const source = new WorkspaceIndex();
  source.setFile('file:///w/operator.yaml', chartRelease('flux', 'flux-instance'));
  const index = new WorkspaceIndex();
  index.setFile('file:///w/alert.yaml', OPERATOR_ALERT);
  index.setFile('file:///w/provider.yaml', PROVIDER('slack'));
  index.setFile('file:///w/policy.yaml', IMAGE_POLICY('podinfo') + '---\n' + IMAGE_REPO('podinfo'));
  assert.deepEqual(codes(index, 'file:///w/alert.yaml'), ['flux/operator-kind@14']);
  index.importFacts('file:///w/operator.yaml', JSON.parse(JSON.stringify(source.exportFacts('file:///w/operator.yaml'))));
  assert.deepEqual(codes(index, 'file:///w/alert.yaml'), []);
});

test('ArtifactGenerator: copy.from and revisions name declared source aliases; artifact names are unique', () => {
  const index = new WorkspaceIndex();
  index.setFile('file:///w/sources.yaml', OCI('podinfo-chart', 'flux-system'));
  index.setFile('file:///w/generator.yaml', GENERATOR);
  assert.deepEqual(codes(index, 'file:///w/generator.yaml'), []);
  const wrong = GENERATOR.replace('from: "@chart/values.yaml"', 'from: "@repo/values.yaml"').replace('    - name: podinfo-values\n', '    - name: podinfo-values\n      revision: "@chart"\n');
  index.setFile('file:///w/generator.yaml', wrong);
  const [alias, ...rest] = findings(index, 'file:///w/generator.yaml');
  assert.deepEqual(rest, []);
  assert.equal(alias.code, 'flux/artifact-source-alias');
  assert.equal(alias.range.start.line, 18);
  assert.match(alias.message, /^copy\.from names source @repo, but spec\.sources has no alias "repo" \(aliases: @chart\)/);
  index.setFile('file:///w/generator.yaml', GENERATOR.replace('name: podinfo-values', 'name: podinfo-composite'));
  assert.deepEqual(codes(index, 'file:///w/generator.yaml'), ['flux/artifact-duplicate-name@16']);
});

test('hover on the new reference fields summarises the target; "*" is described, not looked up', () => {
  const index = new WorkspaceIndex();
  index.setFile('file:///w/provider.yaml', PROVIDER('slack'));
  index.setFile('file:///w/repo.yaml', IMAGE_REPO('podinfo'));
  const alert = index.setFile('file:///w/alert.yaml', ALERT);
  const provider = hover({ file: alert, position: at(ALERT, 'name: slack', 0, 7), index })!.markdown;
  assert.match(provider, /\*\*Provider\*\* `flux-system\/slack`/);
  assert.match(provider, /channel: `general`/);
  const star = hover({ file: alert, position: at(ALERT, "name: '*'", 0, 7), index })!.markdown;
  assert.match(star, /^Every Kustomization in namespace `flux-system`/);
  const policy = index.setFile('file:///w/policy.yaml', IMAGE_POLICY('podinfo'));
  assert.match(hover({ file: policy, position: at(IMAGE_POLICY('podinfo'), 'name: podinfo', 1, 7), index })!.markdown, /image: `ghcr.io\/stefanprodan\/podinfo`/);
});
