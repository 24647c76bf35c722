// The notification, image automation and ArtifactGenerator rules over real LSP: cross references
// with navigation and completion, ImageRepository/ImagePolicy findings and fixes, and
// `$imagepolicy` setter markers in plain manifests and HelmRelease values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, positionOf } from './lspClient';
import { applyFix, byCode, only, problems, settled, waitIndexed } from './rules-helpers';
import { ALERT, GENERATOR, HELM_RELEASE, IMAGE_POLICY, IMAGE_REPO, KS_EXTERNAL, OCI, PROVIDER } from '../fixtures/kinds';

const warnings = { references: { unresolved: 'warning' } };

test('Alert providerRef: reported when missing, resolved, navigable and completed', { timeout: 60000 }, async () => {
  const alert = ALERT.replace(/  eventSources:[\s\S]*/, '  eventSources:\n    - kind: Kustomization\n      name: \'*\'\n');
  const session = await startServer({ settings: warnings, files: { 'provider.yaml': PROVIDER('slack') } });
  try {
    await waitIndexed(session, 'Provider flux-system/slack');
    const missing = alert.replace('name: slack', 'name: teams');
    await session.open('alert.yaml', missing);
    const diagnostics = await settled(session, 'alert.yaml');
    const found = only(diagnostics, 'flux/ref-not-found');
    assert.match(found.message, /^Provider "flux-system\/teams" is not defined/);
    assert.deepEqual(problems(diagnostics).filter((d) => d !== found), []);
    await session.change('alert.yaml', alert);
    assert.deepEqual(problems(await settled(session, 'alert.yaml')), []);
    const [definition] = await session.definition('alert.yaml', positionOf(alert, 'name: slack', 7));
    assert.equal(definition.uri, session.uri('provider.yaml'));
    assert.equal(definition.range.start.line, 3);
    const blank = alert.replace('name: slack', 'name: ');
    await session.change('alert.yaml', blank);
    const items = await session.completion('alert.yaml', positionOf(blank, 'name: \n', 6));
    assert.deepEqual(items.filter((i) => i.detail?.startsWith('Provider')).map((i) => i.label), ['slack']);
  } finally {
    await session.close();
  }
});

test('Alert naming a FluxInstance: a warning without evidence of the Flux Operator, silent once the workspace shows it', { timeout: 60000 }, async () => {
  const alert = ALERT.replace('kind: HelmRelease', 'kind: FluxInstance').replace('name: podinfo\n      namespace: apps', 'name: flux');
  const repository = 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: controlplaneio\n  namespace: flux-system\nspec:\n  type: oci\n  interval: 12h\n  url: oci://ghcr.io/controlplaneio-fluxcd/charts\n';
  const release = (name: string, chart: string) => `apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: ${name}\n  namespace: flux-system\nspec:\n  interval: 1h\n  chart:\n    spec:\n      chart: ${chart}\n      sourceRef:\n        kind: HelmRepository\n        name: controlplaneio\n`;
  const instance = 'apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\nmetadata:\n  name: flux\n  namespace: flux-system\nspec:\n  distribution:\n    version: "2.x"\n    registry: ghcr.io/fluxcd\n';
  const session = await startServer({ settings: warnings, files: { 'provider.yaml': PROVIDER('slack'), 'repository.yaml': repository, 'policy.yaml': IMAGE_POLICY('podinfo') + '---\n' + IMAGE_REPO('podinfo') } });
  try {
    await waitIndexed(session, 'Provider flux-system/slack');
    await waitIndexed(session, 'ImagePolicy flux-system/podinfo');
    await session.open('alert.yaml', alert);
    const diagnostics = await settled(session, 'alert.yaml');
    const warning = only(diagnostics, 'flux/operator-kind');
    assert.equal(warning.severity, 2, 'a warning: whether the cluster runs the Operator cannot be read from files');
    assert.deepEqual(warning.range.start, positionOf(alert, 'FluxInstance'));
    assert.deepEqual(problems(diagnostics).filter((d) => d !== warning), []);
    // Each kind of evidence silences it; removing the evidence brings the warning back.
    const evidence = [['flux-operator HelmRelease', release('flux-operator', 'flux-operator')], ['flux-instance HelmRelease', release('flux', 'flux-instance')], ['FluxInstance object', instance]];
    for (const [i, [what, text]] of evidence.entries()) {
      await session.open(`operator-${i}.yaml`, text);
      assert.deepEqual(problems(await settled(session, 'alert.yaml')).map((d) => `${String(d.code)}: ${d.message}`), [], what);
      await session.change(`operator-${i}.yaml`, release(`podinfo-${i}`, 'podinfo'));
      assert.deepEqual(problems(await settled(session, 'alert.yaml')).map((d) => d.code), ['flux/operator-kind'], `${what} replaced by another chart`);
    }
  } finally {
    await session.close();
  }
});

test('ExternalArtifact from an ArtifactGenerator: go to definition lands on the artifact entry', { timeout: 60000 }, async () => {
  const generator = OCI('podinfo-chart', 'flux-system') + '---\n' + GENERATOR;
  const session = await startServer({ settings: warnings, files: { 'generator.yaml': generator } });
  try {
    await waitIndexed(session, 'ExternalArtifact flux-system/podinfo-values');
    const ks = KS_EXTERNAL('podinfo-values');
    await session.open('ks.yaml', ks);
    assert.deepEqual(await settled(session, 'ks.yaml'), []);
    const [definition] = await session.definition('ks.yaml', positionOf(ks, 'podinfo-values', 2));
    assert.equal(definition.uri, session.uri('generator.yaml'));
    assert.deepEqual(definition.range.start, positionOf(generator, 'podinfo-values'));
    const hover = await session.hover('ks.yaml', positionOf(ks, 'podinfo-values', 2));
    assert.match(JSON.stringify(hover?.contents), /Declared by ArtifactGenerator `flux-system\/podinfo`/);
  } finally {
    await session.close();
  }
});

const repo = (image: string) => IMAGE_REPO('podinfo').replace('ghcr.io/stefanprodan/podinfo', image);

test('ImageRepository image with a scheme and a tag: errors, each fixed', { timeout: 60000 }, async () => {
  const session = await startServer();
  try {
    const bad = repo('https://ghcr.io/stefanprodan/podinfo:6.5.0');
    const diagnostics = await session.open('repo.yaml', bad);
    assert.deepEqual(problems(diagnostics).map((d) => d.code).sort(), ['flux/image-scheme', 'flux/image-tag']);
    await applyFix(session, 'repo.yaml', only(diagnostics, 'flux/image-scheme'), /Remove https:\/\//);
    const afterScheme = await settled(session, 'repo.yaml');
    assert.match(session.text('repo.yaml'), /image: ghcr\.io\/stefanprodan\/podinfo:6\.5\.0\n/);
    await applyFix(session, 'repo.yaml', only(afterScheme, 'flux/image-tag'), /Remove :6\.5\.0/);
    assert.equal(session.text('repo.yaml'), repo('ghcr.io/stefanprodan/podinfo'));
    assert.deepEqual(await settled(session, 'repo.yaml'), []);
    // A registry port is not a tag.
    await session.change('repo.yaml', repo('registry.local:5000/podinfo'));
    assert.deepEqual(await settled(session, 'repo.yaml'), []);
  } finally {
    await session.close();
  }
});

test('ImagePolicy: Masterminds range, Go pattern and extract groups', { timeout: 60000 }, async () => {
  const session = await startServer({ files: { 'repo.yaml': IMAGE_REPO('podinfo') } });
  try {
    await waitIndexed(session, 'ImageRepository flux-system/podinfo');
    const policy = (lines: string) => IMAGE_POLICY('podinfo').replace(/  policy:[\s\S]*/, lines);
    const bad = policy("  filterTags:\n    pattern: '^main-(?P<ts>[0-9]+)'\n    extract: '$timestamp'\n  policy:\n    semver:\n      range: '>= latest'\n");
    const diagnostics = await session.open('policy.yaml', bad);
    assert.deepEqual(problems(diagnostics).map((d) => d.code).sort(), ['flux/filter-tags-extract', 'flux/semver-range']);
    const lookbehind = policy("  filterTags:\n    pattern: '(?<=main-)[0-9]+'\n  policy:\n    numerical:\n      order: asc\n");
    assert.deepEqual(byCode(await session.change('policy.yaml', lookbehind), 'flux/filter-tags-pattern').length, 1);
    const good = policy("  filterTags:\n    pattern: '^main-[a-f0-9]+-(?P<ts>[0-9]+)'\n    extract: '$ts'\n  policy:\n    numerical:\n      order: asc\n");
    await session.change('policy.yaml', good);
    assert.deepEqual(await settled(session, 'policy.yaml'), []);
  } finally {
    await session.close();
  }
});

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: podinfo
  namespace: apps
spec:
  template:
    spec:
      containers:
        - name: podinfo
          image: ghcr.io/stefanprodan/podinfo:6.5.0 # {"$imagepolicy": "flux-system:podinfo"}
`;
const RELEASE_VALUES = `${HELM_RELEASE}  values:
    image:
      repository: ghcr.io/stefanprodan/podinfo # {"$imagepolicy": "flux-system:podinfo:name"}
      tag: 6.5.0 # {"$imagepolicy": "flux-system:podinfo:tag"}
`;

test('$imagepolicy markers: unknown policy warned, completion, definition and hover', { timeout: 60000 }, async () => {
  const policies = IMAGE_POLICY('podinfo') + '---\n' + IMAGE_REPO('podinfo');
  const session = await startServer({ settings: warnings, files: { 'image/policy.yaml': policies, 'apps/source.yaml': OCI('podinfo', 'apps') } });
  try {
    await waitIndexed(session, 'ImagePolicy flux-system/podinfo');
    await waitIndexed(session, 'OCIRepository apps/podinfo');
    // A plain Deployment (no Flux kind) with a marker naming a policy that exists: silent.
    await session.open('apps/deploy.yaml', DEPLOYMENT);
    assert.deepEqual(await settled(session, 'apps/deploy.yaml'), []);
    const wrong = DEPLOYMENT.replace('flux-system:podinfo', 'flux-system:podinfo-dev');
    await session.change('apps/deploy.yaml', wrong);
    const warning = only(await settled(session, 'apps/deploy.yaml'), 'flux/ref-not-found');
    assert.equal(warning.severity, 2);
    assert.match(warning.message, /^ImagePolicy "flux-system\/podinfo-dev" is not defined in this workspace/);
    assert.deepEqual(warning.range.start, positionOf(wrong, 'flux-system:podinfo-dev'));
    // A marker without a namespace never matches.
    await session.change('apps/deploy.yaml', DEPLOYMENT.replace('flux-system:podinfo', 'podinfo'));
    assert.match(only(await settled(session, 'apps/deploy.yaml'), 'flux/imagepolicy-marker').message, /must name <namespace>:<policy>/);
    // Completion inside the marker's string replaces namespace:name.
    const typing = DEPLOYMENT.replace('flux-system:podinfo', 'flux');
    await session.change('apps/deploy.yaml', typing);
    const items = await session.completion('apps/deploy.yaml', positionOf(typing, '"flux"', 5));
    assert.deepEqual(items.map((i) => i.label), ['flux-system:podinfo']);
    assert.deepEqual(items[0].textEdit && 'range' in items[0].textEdit ? items[0].textEdit.range.start : undefined, positionOf(typing, '"flux"', 1));
    await session.change('apps/deploy.yaml', DEPLOYMENT);
    // HelmRelease values: markers with suffixes; definition goes to the policy.
    await session.open('apps/release.yaml', RELEASE_VALUES);
    assert.deepEqual(problems(await settled(session, 'apps/release.yaml')), []);
    const [definition] = await session.definition('apps/release.yaml', positionOf(RELEASE_VALUES, 'podinfo:tag', 2));
    assert.equal(definition.uri, session.uri('image/policy.yaml'));
    assert.equal(definition.range.start.line, 3);
    const references = await session.references('image/policy.yaml', { line: 3, character: 9 });
    assert.equal(references.filter((r) => r.uri === session.uri('apps/release.yaml')).length, 2);
    const hover = await session.hover('apps/release.yaml', positionOf(RELEASE_VALUES, 'podinfo:tag', 2));
    const text = JSON.stringify(hover?.contents);
    assert.match(text, /writes the tag only/);
    assert.match(text, /image repository: ImageRepository `podinfo`, image `ghcr.io\/stefanprodan\/podinfo`/);
    assert.match(text, /semver range `5.0.x`/);
  } finally {
    await session.close();
  }
});

test('interval "5 minutes": the quick fix writes 5m', { timeout: 60000 }, async () => {
  const session = await startServer();
  try {
    const text = OCI('podinfo', 'apps').replace('interval: 5m', 'interval: 5 minutes');
    const diagnostics = await session.open('a.yaml', text);
    await applyFix(session, 'a.yaml', only(diagnostics, 'schema/duration'), /^Write 5m$/);
    assert.equal(session.text('a.yaml'), OCI('podinfo', 'apps'));
    assert.deepEqual(problems(await settled(session, 'a.yaml')), []);
  } finally {
    await session.close();
  }
});
