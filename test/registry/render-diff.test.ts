// `flux-oci diff kustomization` against the real registry holding two versions of a fleet
// artifact: the Kustomization rendered from the local folder against the render of what its
// OCIRepository syncs now. Expected changes are written by hand from the edits made.
// Needs kustomize or kubectl on PATH (.ci/run checks it).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { startRegistry, type RegistryRig } from './rig';
import { runCli } from './pushHelpers';
import { startServer } from '../lsp/lspClient';
import { PreparePushRequest, RenderKustomizationRequest, type PreparePushResult, type RenderKustomizationResult } from '../../server/src/protocol';
import { pathToFileURL } from 'node:url';

const appsYaml = (url: string, ref: string) => `apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: fleet
  namespace: flux-system
spec:
  interval: 5m
  url: ${url}
  ref:
    ${ref}
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
  sourceRef:
    kind: OCIRepository
    name: fleet
  targetNamespace: prod
  postBuild:
    substitute:
      REPLICAS: "2"
`;

const deploy = (image: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: \${REPLICAS}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: ${image}
`;

describe('flux-oci diff kustomization: local render against the published artifact', () => {
  let rig: RegistryRig;
  let work: string;
  let url: string;
  const env = (): Record<string, string> => ({ DOCKER_CONFIG: join(work, '..', 'docker') });
  const diff = (...extra: string[]) => runCli(work, ['diff', 'kustomization', 'apps', '--path', './kubernetes/apps', '--source-root', './kubernetes', '--kustomization-file', './kubernetes/clusters/prod/apps.yaml', ...extra], env());

  before(async () => {
    rig = await startRegistry({ auth: 'none' });
    work = join(await mkdtemp(join(tmpdir(), 'flux-oci-render-diff-')), 'fleet');
    url = `oci://${rig.host}/fleet/manifests`;
    await mkdir(join(work, 'kubernetes', 'clusters', 'prod'), { recursive: true });
    await mkdir(join(work, 'kubernetes', 'apps'), { recursive: true });
    await writeFile(join(work, 'kubernetes', 'clusters', 'prod', 'apps.yaml'), appsYaml(url, 'tag: main'));
    await writeFile(join(work, 'kubernetes', 'apps', 'kustomization.yaml'), 'resources: [deploy.yaml, settings.yaml]\n');
    await writeFile(join(work, 'kubernetes', 'apps', 'deploy.yaml'), deploy('nginx:1.25'));
    await writeFile(join(work, 'kubernetes', 'apps', 'settings.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {mode: old}\n');
    // Version 1 is published as main and as 1.0.0.
    for (const tag of ['main', '1.0.0']) {
      const push = await runCli(work, ['push', 'artifact', `${url}:${tag}`, '--path=./kubernetes', '--source=https://example.com/fleet', '--revision=v1'], env());
      assert.equal(push.code, 0, push.stderr);
    }
  });
  after(async () => {
    await rig?.stop();
    if (work) await rm(join(work, '..'), { recursive: true, force: true });
  });

  test('the same folder: no change, exit 0', async () => {
    const run = await diff();
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, new RegExp(`published: ${rig.host.replace(/[.:]/g, '\\$&')}/fleet/manifests@sha256:[0-9a-f]{64} \\(tag main, from kubernetes/clusters/prod/apps\\.yaml:1\\)`));
    assert.match(run.stderr, /no change: the local folder renders the same 2 objects/);
  });

  test('local edits: an object added, one removed, a field changed; JSON for CI', async () => {
    await writeFile(join(work, 'kubernetes', 'apps', 'deploy.yaml'), deploy('nginx:1.27'));
    await writeFile(join(work, 'kubernetes', 'apps', 'service.yaml'), 'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: 80}]}\n');
    await writeFile(join(work, 'kubernetes', 'apps', 'kustomization.yaml'), 'resources: [deploy.yaml, service.yaml]\n');
    const run = await diff();
    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.stdout, [
      '- ConfigMap/prod/settings (removed)',
      '~ Deployment.apps/prod/web',
      '    ~ spec.template.spec.containers[0].image: "nginx:1.25" → "nginx:1.27"',
      '+ Service/prod/web (added)',
      '',
    ].join('\n'));
    const json = await diff('-o', 'json');
    assert.equal(json.code, 1, json.stderr);
    const parsed = JSON.parse(json.stdout) as { published: string; changes: Array<{ id: string; change: string; fields: Array<{ path: string; before?: unknown; after?: unknown }> }> };
    assert.match(parsed.published, /^sha256:/);
    assert.deepEqual(parsed.changes.map((c) => [c.id, c.change, c.fields]), [
      ['ConfigMap/prod/settings', 'removed', []],
      ['Deployment.apps/prod/web', 'changed', [{ path: 'spec.template.spec.containers[0].image', before: 'nginx:1.25', after: 'nginx:1.27' }]],
      ['Service/prod/web', 'added', []],
    ]);
  });

  test('in the editor: the push dialog learns which Kustomizations sync the artifact, and Compare with Published renders what is published', async () => {
    await writeFile(join(work, '.flux-oci.yaml'), `artifacts:\n  - url: ${url}\n    path: ./kubernetes\n`);
    const session = await startServer({ root: work, env: { ...process.env, ...env() } });
    try {
      const prepared = await session.conn.sendRequest(PreparePushRequest.method, { folder: pathToFileURL(join(work, 'kubernetes')).href, reference: `${url.replace(/^oci:\/\//, '')}:main` }) as PreparePushResult;
      assert.match(prepared.existingDigest ?? '', /^sha256:/);
      assert.deepEqual(prepared.syncedBy?.map((k) => [k.name, k.documentIndex, k.uri.endsWith('kubernetes/clusters/prod/apps.yaml')]), [['apps', 1, true]]);
      const published = await session.conn.sendRequest(RenderKustomizationRequest.method, { uri: prepared.syncedBy![0].uri, documentIndex: 1, published: true }) as RenderKustomizationResult;
      assert.equal(published.error, undefined);
      // Version 1 as published: the ConfigMap still there, the old image.
      assert.match(published.content ?? '', /^# What Flux applies for Kustomization flux-system\/apps: \.\/apps of the published oci:\/\/.*@sha256:[0-9a-f]{64} \(tag main\)$/m);
      assert.match(published.content ?? '', /name: settings/);
      assert.match(published.content ?? '', /image: nginx:1\.25/);
      const local = await session.conn.sendRequest(RenderKustomizationRequest.method, { uri: prepared.syncedBy![0].uri, documentIndex: 1 }) as RenderKustomizationResult;
      assert.doesNotMatch(local.content ?? '', /name: settings/);
      assert.match(local.content ?? '', /image: nginx:1\.27/);
    } finally {
      await session.close();
      await rm(join(work, '.flux-oci.yaml'), { force: true });
    }
  });

  test('a semver ref resolves to the newest matching tag: after version 2 is pushed as 1.1.0, no change', async () => {
    const push = await runCli(work, ['push', 'artifact', `${url}:1.1.0`, '--path=./kubernetes', '--source=https://example.com/fleet', '--revision=v2'], env());
    assert.equal(push.code, 0, push.stderr);
    await writeFile(join(work, 'kubernetes', 'clusters', 'prod', 'apps.yaml'), appsYaml(url, 'semver: ">=1.0.0"'));
    const run = await diff();
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stderr, /\(tag 1\.1\.0, the newest matching >=1\.0\.0, from /);
  });

  test('in the editor, a semver ref: Compare with Published renders the newest matching tag, and a digest ref that digest', async () => {
    await writeFile(join(work, '.flux-oci.yaml'), `artifacts:\n  - url: ${url}\n    path: ./kubernetes\n`);
    const file = join(work, 'kubernetes', 'clusters', 'prod', 'apps.yaml');
    const session = await startServer({ root: work, env: { ...process.env, ...env() } });
    try {
      const published = async () => session.conn.sendRequest(RenderKustomizationRequest.method, { uri: pathToFileURL(file).href, documentIndex: 1, published: true }) as Promise<RenderKustomizationResult>;
      const bySemver = await published();
      assert.equal(bySemver.error, undefined);
      assert.match(bySemver.content ?? '', /^# What Flux applies for Kustomization flux-system\/apps: \.\/apps of the published oci:\/\/.*@(sha256:[0-9a-f]{64}) \(tag 1\.1\.0, the newest matching >=1\.0\.0\)$/m);
      // Version 2: no ConfigMap, the new image.
      assert.doesNotMatch(bySemver.content ?? '', /name: settings/);
      assert.match(bySemver.content ?? '', /image: nginx:1\.27/);
      // Pinned to version 1's digest: the one the tag main resolves to.
      const rel = relative(work, file);
      await session.open(rel, appsYaml(url, 'tag: main'));
      const digest = /@(sha256:[0-9a-f]{64}) \(tag main\)$/m.exec((await published()).content ?? '')?.[1];
      assert.ok(digest);
      assert.notEqual(digest, /@(sha256:[0-9a-f]{64})/.exec(bySemver.content ?? '')?.[1]);
      await session.change(rel, appsYaml(url, `digest: ${digest}`));
      const byDigest = await published();
      assert.equal(byDigest.error, undefined);
      assert.match(byDigest.content ?? '', new RegExp(`@${digest} \\(digest ${digest}\\)$`, 'm'));
      assert.match(byDigest.content ?? '', /name: settings/);
    } finally {
      await session.close();
      await rm(join(work, '.flux-oci.yaml'), { force: true });
    }
  });

  test('a registry that does not have the tag is an error (exit 2), not a difference', async () => {
    await writeFile(join(work, 'kubernetes', 'clusters', 'prod', 'apps.yaml'), appsYaml(url, 'tag: never-pushed'));
    const run = await diff();
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.match(run.stderr, /never-pushed/);
  });
});
