// Each Flux rule over real LSP: a positive case (the finding appears; its quick fix, applied,
// leaves the files clean) and a negative case (valid YAML stays silent).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lspClient';
import { applyFix, byCode, only, problems, settled } from './rules-helpers';

const oci = (spec: string, name = 'app', extra = '') => `apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: ${name}
  namespace: apps
spec:
  interval: 5m
${spec}${extra}`;

const ks = (sourceRef: string, name = 'app', extra = '') => `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: ${name}
  namespace: apps
spec:
  interval: 10m
  path: ./deploy
  prune: true
  sourceRef:
${sourceRef}${extra}`;

const secret = (type: string, data: string, name = 'regcred') => `apiVersion: v1
kind: Secret
metadata:
  name: ${name}
  namespace: apps
type: ${type}
${data}`;

const AUTH = Buffer.from('{"auths":{"ghcr.io":{"auth":"eDp5"}}}').toString('base64');

interface Case {
  name: string;
  files: Record<string, string>;
  /** The file to open and check. */
  target: string;
  code: string;
  severity?: number;
  /** Title of the fix to apply (omit when the rule has no fix). */
  fix?: RegExp;
  /** Text the fixed target must contain. */
  after?: RegExp;
  /** Another file the fix must change, and what it must then contain. */
  alsoChanges?: [string, RegExp];
  negative: Record<string, string>;
  settings?: Record<string, unknown>;
  /** The rule reports several findings of its code here. */
  many?: boolean;
}

const CASES: Case[] = [
  {
    name: 'OCIRepository url with a tag',
    files: { 'a.yaml': oci('  url: oci://ghcr.io/org/app:1.2.3\n') },
    target: 'a.yaml', code: 'flux/oci-url-reference', fix: /Move the tag/, after: /url: oci:\/\/ghcr.io\/org\/app\n[\s\S]*tag: 1.2.3|tag: "1.2.3"/,
    negative: { 'a.yaml': oci('  url: oci://ghcr.io/org/app\n  ref:\n    tag: 1.2.3\n') },
  },
  {
    name: 'OCIRepository url with a digest and an existing ref',
    files: { 'a.yaml': oci(`  url: oci://ghcr.io/org/app@sha256:${'a'.repeat(64)}\n  ref:\n    tag: latest\n`) },
    target: 'a.yaml', code: 'flux/oci-url-reference', fix: /Move the digest/, after: /digest: "?sha256:a{64}/,
    negative: { 'a.yaml': oci(`  url: oci://ghcr.io/org/app\n  ref:\n    digest: sha256:${'a'.repeat(64)}\n`) },
  },
  {
    name: 'OCIRepository url with a tag, all in a flow map',
    files: { 'a.yaml': 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata: {name: app, namespace: apps}\nspec: {interval: 5m, url: oci://ghcr.io/org/app:v1.2.3}\n' },
    target: 'a.yaml', code: 'flux/oci-url-reference', fix: /Move the tag/, after: /^spec: \{interval: 5m, url: oci:\/\/ghcr\.io\/org\/app, ref: \{tag: v1\.2\.3\}\}$/m,
    negative: { 'a.yaml': 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata: {name: app, namespace: apps}\nspec: {interval: 5m, url: oci://ghcr.io/org/app, ref: {tag: v1.2.3}}\n' },
  },
  {
    name: 'OCIRepository url with a digest beside a flow ref',
    files: { 'a.yaml': 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata: {name: app, namespace: apps}\nspec: {url: \"oci://ghcr.io/org/app@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\", ref: {}, interval: 5m} # pinned\n' },
    target: 'a.yaml', code: 'flux/oci-url-reference', fix: /Move the digest/, after: /^spec: \{url: oci:\/\/ghcr\.io\/org\/app, ref: \{digest: "sha256:a{64}"\}, interval: 5m\} # pinned$/m,
    negative: { 'a.yaml': 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata: {name: app, namespace: apps}\nspec: {url: oci://ghcr.io/org/app, ref: {}, interval: 5m}\n' },
  },
  {
    name: 'OCIRepository url with https scheme',
    files: { 'a.yaml': oci('  url: https://ghcr.io/org/app\n') },
    target: 'a.yaml', code: 'flux/oci-url-scheme', fix: /oci:\/\//, after: /url: oci:\/\/ghcr.io\/org\/app/,
    negative: { 'a.yaml': oci('  url: oci://ghcr.io/org/app\n') },
  },
  {
    name: 'OCIRepository url with upper-case path',
    files: { 'a.yaml': oci('  url: oci://ghcr.io/Org/App\n') },
    target: 'a.yaml', code: 'flux/oci-url-path', fix: /lower case/, after: /oci:\/\/ghcr.io\/org\/app/,
    negative: { 'a.yaml': oci('  url: oci://ghcr.io/org/my-app_v2\n') },
  },
  {
    name: 'OCIRepository url without registry host (hint)',
    files: { 'a.yaml': oci('  url: oci://stefanprodan/podinfo\n') },
    target: 'a.yaml', code: 'flux/oci-url-docker-hub', severity: 4,
    negative: { 'a.yaml': oci('  url: oci://docker.io/stefanprodan/podinfo\n') },
  },
  {
    name: 'malformed ref.digest',
    files: { 'a.yaml': oci('  url: oci://ghcr.io/org/app\n  ref:\n    digest: sha256:abc\n') },
    target: 'a.yaml', code: 'flux/oci-ref-digest',
    negative: { 'a.yaml': oci(`  url: oci://ghcr.io/org/app\n  ref:\n    digest: sha256:${'0'.repeat(64)}\n`) },
  },
  {
    name: 'semver range that Masterminds rejects (comma form accepted)',
    files: { 'a.yaml': oci('  url: oci://ghcr.io/org/app\n  ref:\n    semver: ">= latest"\n') },
    target: 'a.yaml', code: 'flux/semver-range',
    negative: { 'a.yaml': oci('  url: oci://ghcr.io/org/app\n  ref:\n    semver: ">= 1.0, < 2.0"\n') },
  },
  {
    name: 'semverFilter that is not a regular expression',
    files: { 'a.yaml': oci('  url: oci://ghcr.io/org/app\n  ref:\n    semver: ">=1.0.0"\n    semverFilter: "(rc"\n') },
    target: 'a.yaml', code: 'flux/semver-filter',
    negative: { 'a.yaml': oci('  url: oci://ghcr.io/org/app\n  ref:\n    semver: ">=1.0.0"\n    semverFilter: ".*-rc.*"\n') },
  },
  {
    name: 'several refs: hint names the winner',
    files: { 'a.yaml': oci('  url: oci://ghcr.io/org/app\n  ref:\n    tag: latest\n    semver: "1.x"\n') },
    target: 'a.yaml', code: 'flux/oci-ref-precedence', severity: 4,
    negative: { 'a.yaml': oci('  url: oci://ghcr.io/org/app\n  ref:\n    semver: "1.x"\n') },
  },
  {
    name: 'sourceRef not found (warning)',
    files: { 'k.yaml': ks('    kind: OCIRepository\n    name: nowhere\n') },
    target: 'k.yaml', code: 'flux/ref-not-found', severity: 2,
    negative: { 'k.yaml': ks('    kind: OCIRepository\n    name: app\n'), 's.yaml': oci('  url: oci://ghcr.io/org/app\n') },
  },
  {
    name: 'sourceRef not found is silent with fluxOci.references.unresolved off',
    files: { 'k.yaml': ks('    kind: OCIRepository\n    name: nowhere\n') },
    target: 'k.yaml', code: 'flux/ref-not-found', severity: 2,
    negative: { 'k.yaml': ks('    kind: OCIRepository\n    name: app\n'), 's.yaml': oci('  url: oci://ghcr.io/org/app\n') },
    settings: { references: { unresolved: 'off' } },
  },
  {
    name: 'sourceRef found with another kind',
    files: { 'k.yaml': ks('    kind: GitRepository\n    name: app\n'), 's.yaml': oci('  url: oci://ghcr.io/org/app\n') },
    // A warning: a GitRepository "app" may exist in the cluster only.
    target: 'k.yaml', code: 'flux/ref-wrong-kind', severity: 2, fix: /Change the kind to OCIRepository/, after: /kind: OCIRepository\n    name: app/,
    negative: { 'k.yaml': ks('    kind: OCIRepository\n    name: app\n'), 's.yaml': oci('  url: oci://ghcr.io/org/app\n') },
  },
  {
    name: 'dependsOn not found (warning)',
    files: { 's.yaml': oci('  url: oci://ghcr.io/org/app\n'), 'k.yaml': ks('    kind: OCIRepository\n    name: app\n', 'app', '  dependsOn:\n    - name: infra\n') },
    target: 'k.yaml', code: 'flux/ref-not-found', severity: 2,
    negative: { 's.yaml': oci('  url: oci://ghcr.io/org/app\n'), 'k.yaml': ks('    kind: OCIRepository\n    name: app\n', 'app', '  dependsOn:\n    - name: infra\n      namespace: apps\n'), 'i.yaml': ks('    kind: OCIRepository\n    name: app\n', 'infra') },
  },
  {
    name: 'chartRef found with another kind',
    files: {
      'h.yaml': 'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: web\n  namespace: apps\nspec:\n  interval: 10m\n  chartRef:\n    kind: OCIRepository\n    name: web\n',
      'c.yaml': 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmChart\nmetadata:\n  name: web\n  namespace: apps\nspec:\n  interval: 10m\n  chart: web\n  sourceRef:\n    kind: HelmRepository\n    name: charts\n',
      'r.yaml': 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: charts\n  namespace: apps\nspec:\n  url: https://charts.example.com\n',
    },
    target: 'h.yaml', code: 'flux/ref-wrong-kind', severity: 2, fix: /Change the kind to HelmChart/, after: /chartRef:\n    kind: HelmChart/,
    negative: { 'h.yaml': 'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: web\n  namespace: apps\nspec:\n  interval: 10m\n  chartRef:\n    kind: OCIRepository\n    name: web\n', 'o.yaml': oci('  url: oci://ghcr.io/org/web\n', 'web') },
  },
  {
    name: 'sourceRef kind the field does not allow',
    files: { 'k.yaml': ks('    kind: HelmRepository\n    name: app\n') },
    target: 'k.yaml', code: 'flux/ref-kind-not-allowed',
    negative: { 'k.yaml': ks('    kind: Bucket\n    name: app\n'), 'b.yaml': 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: Bucket\nmetadata:\n  name: app\n  namespace: apps\nspec:\n  interval: 5m\n  bucketName: b\n  endpoint: minio.example.com\n' },
  },
  {
    name: 'dependsOn cycle',
    files: {
      's.yaml': oci('  url: oci://ghcr.io/org/app\n'),
      'k.yaml': ks('    kind: OCIRepository\n    name: app\n', 'a', '  dependsOn:\n    - name: b\n'),
      'k2.yaml': ks('    kind: OCIRepository\n    name: app\n', 'b', '  dependsOn:\n    - name: a\n'),
    },
    // Every namespace known: certainly a cycle.
    target: 'k.yaml', code: 'flux/depends-on-cycle', severity: 1,
    negative: {
      's.yaml': oci('  url: oci://ghcr.io/org/app\n'),
      'k.yaml': ks('    kind: OCIRepository\n    name: app\n', 'a', '  dependsOn:\n    - name: b\n') + '---\n' + ks('    kind: OCIRepository\n    name: app\n', 'b'),
    },
  },
  {
    name: 'dependsOn cycle between objects of unknown namespaces (warning)',
    files: {
      's.yaml': oci('  url: oci://ghcr.io/org/app\n'),
      'k.yaml': ks('    kind: OCIRepository\n    name: app\n', 'a', '  dependsOn:\n    - name: b\n').replace('  namespace: apps\n', ''),
      'k2.yaml': ks('    kind: OCIRepository\n    name: app\n', 'b', '  dependsOn:\n    - name: a\n').replace('  namespace: apps\n', ''),
    },
    target: 'k.yaml', code: 'flux/depends-on-cycle', severity: 2,
    negative: {
      's.yaml': oci('  url: oci://ghcr.io/org/app\n'),
      'k.yaml': (ks('    kind: OCIRepository\n    name: app\n', 'a', '  dependsOn:\n    - name: b\n') + '---\n' + ks('    kind: OCIRepository\n    name: app\n', 'b')).replaceAll('  namespace: apps\n', ''),
    },
  },
  {
    // No Kustomization here applies s.yaml: the one that does may substitute ${INTERVAL}.
    name: 'a ${VAR} value of a file no known Kustomization applies (warning)',
    files: { 's.yaml': oci('  url: oci://ghcr.io/org/app\n').replace('interval: 5m', 'interval: ${INTERVAL}') },
    target: 's.yaml', code: 'schema/duration', severity: 2,
    negative: { 's.yaml': oci('  url: oci://ghcr.io/org/app\n') },
  },
  {
    name: 'same object defined twice',
    files: { 'prod/s.yaml': oci('  url: oci://ghcr.io/org/app\n'), 'prod/t.yaml': oci('  url: oci://ghcr.io/org/other\n'), 'prod/kustomization.yaml': 'resources:\n  - s.yaml\n  - t.yaml\n' },
    target: 'prod/s.yaml', code: 'flux/duplicate-object', severity: 2,
    // Sibling folders and unlisted neighbours are alternatives (clusters, fixtures), not duplicates.
    negative: { 'prod/s.yaml': oci('  url: oci://ghcr.io/org/app\n'), 'prod/t.yaml': oci('  url: oci://ghcr.io/org/other\n'), 'staging/s.yaml': oci('  url: oci://ghcr.io/org/app\n') },
  },
  {
    name: 'same object defined twice in one file',
    files: { 's.yaml': oci('  url: oci://ghcr.io/org/app\n') + '---\n' + oci('  url: oci://ghcr.io/org/other\n') },
    target: 's.yaml', code: 'flux/duplicate-object', severity: 2, many: true,
    negative: { 's.yaml': oci('  url: oci://ghcr.io/org/app\n') + '---\n' + oci('  url: oci://ghcr.io/org/other\n', 'other') },
  },
  {
    name: 'OCIRepository pull secret with the wrong type',
    files: { 's.yaml': oci('  url: oci://ghcr.io/org/app\n  secretRef:\n    name: regcred\n'), 'sec.yaml': secret('Opaque', 'stringData:\n  username: u\n  password: p\n') },
    target: 's.yaml', code: 'flux/secret-wrong-type', severity: 1,
    negative: { 's.yaml': oci('  url: oci://ghcr.io/org/app\n  secretRef:\n    name: regcred\n'), 'sec.yaml': secret('kubernetes.io/dockerconfigjson', `data:\n  .dockerconfigjson: ${AUTH}\n`) },
  },
  {
    name: 'certSecretRef without tls.key',
    files: { 's.yaml': oci('  url: oci://ghcr.io/org/app\n  certSecretRef:\n    name: certs\n'), 'sec.yaml': secret('Opaque', 'stringData:\n  tls.crt: x\n', 'certs') },
    target: 's.yaml', code: 'flux/secret-missing-keys', severity: 1,
    negative: { 's.yaml': oci('  url: oci://ghcr.io/org/app\n  certSecretRef:\n    name: certs\n'), 'sec.yaml': secret('Opaque', 'stringData:\n  tls.crt: x\n  tls.key: y\n', 'certs') },
  },
  {
    // The Secret's namespace unknown: the OCIRepository may read another regcred, made in the cluster.
    name: 'OCIRepository pull secret with the wrong type, matched by name only (warning)',
    files: { 's.yaml': oci('  url: oci://ghcr.io/org/app\n  secretRef:\n    name: regcred\n'), 'sec.yaml': secret('Opaque', 'stringData:\n  username: u\n  password: p\n').replace('  namespace: apps\n', '') },
    target: 's.yaml', code: 'flux/secret-wrong-type', severity: 2,
    negative: { 's.yaml': oci('  url: oci://ghcr.io/org/app\n  secretRef:\n    name: regcred\n'), 'sec.yaml': secret('kubernetes.io/dockerconfigjson', `data:\n  .dockerconfigjson: ${AUTH}\n`).replace('  namespace: apps\n', '') },
  },
  {
    name: 'plain JSON under data, fixed by base64 encoding',
    files: { 'sec.yaml': secret('kubernetes.io/dockerconfigjson', 'data:\n  .dockerconfigjson: |\n    {"auths": {"ghcr.io": {"auth": "eDp5"}}}\n') },
    target: 'sec.yaml', code: 'flux/dockerconfigjson-plain', fix: /Encode/, after: /\.dockerconfigjson: [A-Za-z0-9+/=]+\n/,
    negative: { 'sec.yaml': secret('kubernetes.io/dockerconfigjson', `data:\n  .dockerconfigjson: ${AUTH}\n`) },
  },
  {
    name: 'plain JSON under data beside another key, moved to stringData',
    files: { 'sec.yaml': secret('kubernetes.io/dockerconfigjson', `data:\n  extra: ${Buffer.from('x').toString('base64')}\n  .dockerconfigjson: '{"auths": {}}'\n`) },
    target: 'sec.yaml', code: 'flux/dockerconfigjson-plain', fix: /Move/, after: /stringData:\n  \.dockerconfigjson: '\{"auths": \{\}\}'/,
    negative: { 'sec.yaml': secret('kubernetes.io/dockerconfigjson', `stringData:\n  .dockerconfigjson: '{"auths": {}}'\n`) },
  },
  {
    name: 'Secret type oci-registry',
    files: { 'sec.yaml': secret('oci-registry', `data:\n  .dockerconfigjson: ${AUTH}\n`) },
    target: 'sec.yaml', code: 'flux/secret-type-oci-registry', fix: /dockerconfigjson/, after: /type: kubernetes.io\/dockerconfigjson/,
    negative: { 'sec.yaml': secret('Opaque', 'stringData:\n  username: u\n') },
  },
  {
    // Only Opaque is offered: dockerconfigjson would trade this error for a missing key.
    name: 'Secret type oci-registry holding username/password',
    files: { 'sec.yaml': secret('"oci-registry" # as some tutorials write it', 'stringData:\n  username: u\n  password: p\n') },
    target: 'sec.yaml', code: 'flux/secret-type-oci-registry', fix: /./, after: /type: Opaque # as some tutorials write it\n/,
    negative: { 'sec.yaml': secret('Opaque', 'stringData:\n  username: u\n  password: p\n') },
  },
  {
    name: 'HelmRelease with both chart and chartRef',
    files: {
      'h.yaml': 'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: web\n  namespace: apps\nspec:\n  interval: 10m\n  chart:\n    spec:\n      chart: web\n      sourceRef:\n        kind: HelmRepository\n        name: charts\n  chartRef:\n    kind: OCIRepository\n    name: web\n',
      'r.yaml': 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: charts\n  namespace: apps\nspec:\n  url: https://charts.example.com\n',
      'o.yaml': oci('  url: oci://ghcr.io/org/web\n  layerSelector:\n    mediaType: application/vnd.cncf.helm.chart.content.v1.tar+gzip\n    operation: copy\n', 'web'),
    },
    target: 'h.yaml', code: 'flux/helmrelease-chart-both',
    negative: { 'h.yaml': 'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: web\n  namespace: apps\nspec:\n  interval: 10m\n  chartRef:\n    kind: OCIRepository\n    name: web\n', 'o.yaml': oci('  url: oci://ghcr.io/org/web\n  layerSelector:\n    mediaType: application/vnd.cncf.helm.chart.content.v1.tar+gzip\n    operation: copy\n', 'web') },
  },
  {
    name: 'chartRef to an OCIRepository without the Helm layer selector',
    files: {
      'h.yaml': 'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: web\n  namespace: apps\nspec:\n  interval: 10m\n  chartRef:\n    kind: OCIRepository\n    name: web\n',
      'o.yaml': oci('  url: oci://ghcr.io/org/web\n  layerSelector:\n    mediaType: application/vnd.cncf.helm.chart.content.v1.tar+gzip\n    operation: extract\n', 'web'),
    },
    target: 'h.yaml', code: 'flux/chartref-layer-selector', severity: 2, fix: /Helm chart layer/, alsoChanges: ['o.yaml', /layerSelector:\n    mediaType: application\/vnd.cncf.helm.chart.content.v1.tar\+gzip\n    operation: copy/],
    negative: { 'h.yaml': 'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: web\n  namespace: apps\nspec:\n  interval: 10m\n  chartRef:\n    kind: OCIRepository\n    name: web\n', 'o.yaml': oci('  url: oci://ghcr.io/org/web\n  layerSelector:\n    mediaType: application/vnd.cncf.helm.chart.content.v1.tar+gzip\n    operation: copy\n', 'web') },
  },
  {
    name: 'field the API server drops (Kustomization v1 validation)',
    files: { 'k.yaml': ks('    kind: OCIRepository\n    name: app\n', 'app', '  validation: client\n'), 's.yaml': oci('  url: oci://ghcr.io/org/app\n') },
    target: 'k.yaml', code: 'schema/unknown-field', severity: 2, fix: /Remove validation/,
    negative: { 'k.yaml': ks('    kind: OCIRepository\n    name: app\n'), 's.yaml': oci('  url: oci://ghcr.io/org/app\n') },
  },
  {
    name: 'kustomize patch file: no missing-field errors',
    files: { 'overlay/patch.yaml': 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: app\n  namespace: apps\nspec:\n  path: ./overlay\n' },
    target: 'overlay/patch.yaml', code: 'schema/required', many: true,
    negative: { 'overlay/patch.yaml': 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: app\n  namespace: apps\nspec:\n  path: ./overlay\n', 'overlay/kustomization.yaml': 'resources:\n  - ../base\npatches:\n  - path: patch.yaml\n' },
  },
];

for (const c of CASES) {
  test(`${c.name}: reported${c.fix ? ' and fixed' : ''}`, { timeout: 30000 }, async () => {
    const session = await startServer({ files: c.files, settings: c.settings });
    try {
      const opened = new Map<string, string>();
      for (const [file, text] of Object.entries(c.files)) if (file !== c.target) { await session.open(file, text); opened.set(file, text); }
      let diagnostics = await session.open(c.target, c.files[c.target]);
      if (c.settings) {
        // The server pulls settings after initialisation; lint again once they are in.
        diagnostics = await settled(session, c.target);
        assert.deepEqual(byCode(diagnostics, c.code), [], 'silent with the setting');
        return;
      }
      if (c.many) {
        assert.ok(byCode(diagnostics, c.code).length > 1);
        return;
      }
      const found = only(diagnostics, c.code);
      if (c.severity) assert.equal(found.severity, c.severity);
      assert.deepEqual(problems(diagnostics).filter((d) => d !== found), [], 'nothing else is reported');
      if (!c.fix) return;
      await applyFix(session, c.target, found, c.fix);
      if (c.after) assert.match(session.text(c.target), c.after);
      if (c.alsoChanges) assert.match(session.text(c.alsoChanges[0]), c.alsoChanges[1]);
      for (const file of opened.keys()) assert.deepEqual(problems(await settled(session, file)), [], `${file} is clean after the fix`);
      assert.deepEqual(problems(await settled(session, c.target)), [], `clean after the fix:\n${session.text(c.target)}`);
    } finally {
      await session.close();
    }
  });

  test(`${c.name}: silent when valid`, { timeout: 30000 }, async () => {
    const session = await startServer({ files: c.negative });
    try {
      for (const [file, text] of Object.entries(c.negative)) if (file !== c.target) await session.open(file, text);
      const diagnostics = await session.open(c.target, c.negative[c.target]);
      assert.deepEqual(byCode(diagnostics, c.code), []);
      assert.deepEqual(problems(diagnostics).map((d) => `${d.code}: ${d.message}`), [], 'nothing else is reported either');
    } finally {
      await session.close();
    }
  });
}
