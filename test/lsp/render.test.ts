// Show What Flux Applies over real LSP: a code lens on each Flux Kustomization, and the render
// request, on an OCI-sourced fleet whose artifact folder is known from .flux-oci.yaml. The parent
// `apps` applies ./apps of the artifact (no kustomization.yaml there: generated as Flux does) and
// patches its child Kustomization: the render shows the child with the patched fields. Needs
// kustomize or kubectl on PATH (.ci/run checks it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { CodeLens } from 'vscode-languageserver-protocol';
import { filesUnder, startServer } from './lspClient';
import { RenderKustomizationRequest, type RenderKustomizationResult } from '../../server/src/protocol';

const FIXTURE = resolve(__dirname, '..', 'fixtures', 'artifact-map', 'oci-fleet');
const MAP = 'artifacts:\n  - url: oci://ghcr.io/example-org/manifests/fleet\n    path: ./kubernetes\n';

const fixtureFiles = () => filesUnder(FIXTURE);

test('Show What Flux Applies: a lens per Kustomization, and the render of a mapped OCI fleet with the parent\'s patches applied', { timeout: 180_000 }, async () => {
  const files: Record<string, string> = { ...fixtureFiles(), '.flux-oci.yaml': MAP };
  const session = await startServer({ files });
  try {
    const parent = 'kubernetes/clusters/prod/apps.yaml';
    await session.open(parent, files[parent]);
    const lenses = await session.conn.sendRequest<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: session.uri(parent) } });
    assert.deepEqual(lenses.map((l) => [l.range.start.line, l.command?.title, l.command?.command, ...(l.command?.arguments ?? []).slice(1)]), [
      [0, 'Show What Flux Applies', 'fluxOci.showRendered', 0, 'apps'],
      [0, 'Compare with Published', 'fluxOci.compareRendered', 0, 'apps'],
      [28, 'Show What Flux Applies', 'fluxOci.showRendered', 1, 'infra'],
      [28, 'Compare with Published', 'fluxOci.compareRendered', 1, 'infra'],
    ]);

    const result = await session.conn.sendRequest(RenderKustomizationRequest.method, { uri: session.uri(parent), documentIndex: 0 }) as RenderKustomizationResult;
    assert.equal(result.error, undefined);
    const content = result.content ?? '';
    assert.match(content, /^# What Flux applies for Kustomization flux-system\/apps: \.\/kubernetes\/apps of oci:\/\/ghcr\.io\/example-org\/manifests\/fleet/);
    assert.match(content, /no kustomization\.yaml there, so one was generated as Flux does/);
    // Each object names the file it came from (kustomize's origin annotation, taken off again).
    assert.match(content, /^# from \.\/apps\/podinfo\/app\/cm\.yaml\napiVersion: v1\ndata:\n {2}color: blue\n/m);
    assert.match(content, /^# from \.\/apps\/podinfo\/ks\.yaml\n/m);
    assert.doesNotMatch(content, /config\.kubernetes\.io\/origin/);
    const objects = parseAllDocuments(content).map((d) => d.toJS() as { kind: string; metadata: { name: string; labels: Record<string, string> }; spec?: Record<string, unknown>; data?: unknown }).filter(Boolean);
    assert.deepEqual(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort(), ['ConfigMap/podinfo', 'Kustomization/podinfo']);
    const child = objects.find((o) => o.kind === 'Kustomization')!;
    // The parent's patch supplied these: the child's own file has none of them.
    assert.deepEqual({ interval: child.spec?.interval, prune: child.spec?.prune, sourceRef: child.spec?.sourceRef, path: child.spec?.path },
      { interval: '1h', prune: true, sourceRef: { kind: 'OCIRepository', name: 'flux-system' }, path: './apps/podinfo/app' });
    for (const o of objects) assert.deepEqual(o.metadata.labels, { 'kustomize.toolkit.fluxcd.io/name': 'apps', 'kustomize.toolkit.fluxcd.io/namespace': 'flux-system' });

    // The child renders its own folder of the artifact, with its targetNamespace.
    const childFile = 'kubernetes/apps/podinfo/ks.yaml';
    await session.open(childFile, files[childFile]);
    const own = await session.conn.sendRequest(RenderKustomizationRequest.method, { uri: session.uri(childFile), documentIndex: 0 }) as RenderKustomizationResult;
    assert.equal(own.error, undefined);
    assert.match(own.content ?? '', /^# with the patch of Kustomization apps applied to this Kustomization first$/m);
    const cm = parseAllDocuments(own.content ?? '').map((d) => d.toJS() as { kind: string; metadata: { namespace?: string } }).find((o) => o?.kind === 'ConfigMap');
    assert.equal(cm?.metadata.namespace, 'podinfo');
  } finally {
    await session.close();
  }
});

test('Show What Flux Applies on a FluxInstance: the Kustomization the Operator makes from its sync, rendered from the sync path of the mapped artifact', { timeout: 180_000 }, async () => {
  const files: Record<string, string> = { ...fixtureFiles(), '.flux-oci.yaml': MAP };
  const session = await startServer({ files });
  try {
    const instance = 'bootstrap/flux-instance.yaml';
    await session.open(instance, files[instance]);
    const lenses = await session.conn.sendRequest<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: session.uri(instance) } });
    assert.deepEqual(lenses.map((l) => [l.range.start.line, l.command?.title, ...(l.command?.arguments ?? []).slice(1)]), [
      [1, 'Show What Flux Applies', 0, 'flux-system'],
      [1, 'Compare with Published', 0, 'flux-system'],
    ]);
    const result = await session.conn.sendRequest(RenderKustomizationRequest.method, { uri: session.uri(instance), documentIndex: 0 }) as RenderKustomizationResult;
    assert.equal(result.error, undefined);
    assert.match(result.content ?? '', /^# What Flux applies for Kustomization flux-system\/flux-system: \.\/kubernetes\/clusters\/prod of oci:\/\/ghcr\.io\/example-org\/manifests\/fleet/);
    assert.match(result.content ?? '', /^# the Kustomization the Flux Operator makes from this FluxInstance's spec\.sync$/m);
    const objects = parseAllDocuments(result.content ?? '').map((d) => d.toJS() as { kind: string; metadata: { name: string; labels?: Record<string, string> } }).filter(Boolean);
    assert.deepEqual(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort(), ['Kustomization/apps', 'Kustomization/infra']);
    for (const o of objects) assert.equal(o.metadata.labels?.['kustomize.toolkit.fluxcd.io/name'], 'flux-system');
  } finally {
    await session.close();
  }
});

test('Show What Flux Applies: nothing is run in an untrusted workspace, and a Kustomization whose source is only assumed claims no failure', { timeout: 120_000 }, async () => {
  const files = {
    'ks.yaml': 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: elsewhere, namespace: flux-system}\nspec:\n  interval: 1h\n  path: ./deploy\n  prune: true\n  sourceRef: {kind: GitRepository, name: other-repo}\n',
  };
  const untrusted = await startServer({ files, initializationOptions: { workspaceTrust: true } });
  try {
    await untrusted.open('ks.yaml', files['ks.yaml']);
    const answer = await untrusted.conn.sendRequest(RenderKustomizationRequest.method, { uri: untrusted.uri('ks.yaml'), documentIndex: 0 }) as RenderKustomizationResult;
    assert.match(answer.error ?? '', /trust the workspace first/);
  } finally {
    await untrusted.close();
  }
  const trusted = await startServer({ files });
  try {
    await trusted.open('ks.yaml', files['ks.yaml']);
    const answer = await trusted.conn.sendRequest(RenderKustomizationRequest.method, { uri: trusted.uri('ks.yaml'), documentIndex: 0 }) as RenderKustomizationResult;
    // The GitRepository is defined nowhere: the workspace is only assumed to be its content, so the
    // missing folder is reported without claiming that Flux fails.
    assert.match(answer.error ?? '', /spec\.path \.\/deploy is not found here/);
    assert.doesNotMatch(answer.error ?? '', /Flux would fail/);
  } finally {
    await trusted.close();
  }
});

test('a ${VAR} with no value and no default is a warning on the Kustomization, naming it; it goes when the variable is given', { timeout: 180_000 }, async () => {
  const files: Record<string, string> = { ...fixtureFiles(), '.flux-oci.yaml': MAP };
  files['kubernetes/apps/podinfo/app/cm.yaml'] = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: podinfo\ndata:\n  color: ${COLOR}\n  size: ${SIZE:=large}\n  owner: ${OWNER}\n';
  const parent = 'kubernetes/clusters/prod/apps.yaml';
  const withVars = (vars: string) => files[parent].replace('  patches:\n', `  postBuild:\n    substitute:\n${vars}  patches:\n`);
  const session = await startServer({ files: { ...files, [parent]: withVars('      COLOR: blue\n') } });
  try {
    const warned = session.nextDiagnostics(parent, (d) => d.some((x) => x.code === 'flux/substitute-missing-variable'), 120_000);
    await session.open(parent, withVars('      COLOR: blue\n'));
    const diagnostics = (await warned).filter((d) => d.code === 'flux/substitute-missing-variable');
    assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics));
    assert.equal(diagnostics[0].severity, 2);
    assert.match(diagnostics[0].message, /^\$\{OWNER\} has no value and no default \(in ConfigMap\/podinfo\): Flux substitutes an empty string/);
    const text = withVars('      COLOR: blue\n');
    assert.equal(text.split('\n')[diagnostics[0].range.start.line].trim(), 'postBuild:');
    // Given a value, the warning goes.
    const cleared = session.nextDiagnostics(parent, (d) => !d.some((x) => x.code === 'flux/substitute-missing-variable'), 120_000);
    await session.change(parent, withVars('      COLOR: blue\n      OWNER: team-a\n'));
    await cleared;
  } finally {
    await session.close();
  }
});

test('substituteFrom reads the workspace\'s ConfigMap as the editor holds it: a variable it gives is no warning, and the view says where it came from; an edit under the source root alone renders again', { timeout: 180_000 }, async () => {
  const files: Record<string, string> = { ...fixtureFiles(), '.flux-oci.yaml': MAP };
  files['kubernetes/apps/podinfo/app/cm.yaml'] = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: podinfo\ndata:\n  owner: ${OWNER}\n';
  const parent = 'kubernetes/clusters/prod/apps.yaml';
  files[parent] = files[parent].replace('  patches:\n', '  postBuild:\n    substituteFrom:\n      - kind: ConfigMap\n        name: cluster-vars\n  patches:\n');
  const vars = 'kubernetes/clusters/prod/vars.yaml';
  const varsText = (owner: string) => `# the cluster's variables\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cluster-vars\n  namespace: flux-system\ndata:\n  ${owner}\n`;
  const session = await startServer({ files: { ...files, [vars]: varsText('OTHER: x') } });
  try {
    const warned = session.nextDiagnostics(parent, (d) => d.some((x) => x.code === 'flux/substitute-missing-variable'), 120_000);
    await session.open(parent, files[parent]);
    assert.match((await warned).find((d) => d.code === 'flux/substitute-missing-variable')!.message, /^\$\{OWNER\} has no value/);
    // An edit of the ConfigMap in the editor, not saved and with the Kustomization untouched:
    // the variable is there now.
    const cleared = session.nextDiagnostics(parent, (d) => !d.some((x) => x.code === 'flux/substitute-missing-variable'), 120_000);
    await session.open(vars, varsText('OWNER: team-a'));
    await cleared;
    const view = await session.conn.sendRequest(RenderKustomizationRequest.method, { uri: session.uri(parent), documentIndex: 0 }) as RenderKustomizationResult;
    assert.match(view.content ?? '', /^# substitution: ConfigMap\/cluster-vars read from \.\/clusters\/prod\/vars\.yaml:2$/m);
    assert.match(view.content ?? '', /owner: team-a/);
    // An applied file saved with another ${VAR} in the same field (the watcher's notification;
    // no name, kind or key changed, so only the source root's files tell): warned again.
    const cm = 'kubernetes/apps/podinfo/app/cm.yaml';
    const rewarned = session.nextDiagnostics(parent, (d) => d.some((x) => x.code === 'flux/substitute-missing-variable' && x.message.startsWith('${TEAM}')), 120_000);
    session.write(cm, files[cm].replace('${OWNER}', '${TEAM}'));
    session.conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: session.uri(cm), type: 2 }] });
    await rewarned;
  } finally {
    await session.close();
  }
});
