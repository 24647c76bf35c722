// Push from the language server over real LSP stdio (what the VS Code command and any LSP editor
// use): checks, $/progress, the overwrite guard, cancellation, and the session's credentials.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { CancellationTokenSource, type CancellationToken } from 'vscode-jsonrpc/node';
import type { RequestType } from 'vscode-languageserver-protocol';
import { WorkDoneProgress, type WorkDoneProgressBegin, type WorkDoneProgressReport, type WorkDoneProgressEnd } from 'vscode-languageserver-protocol';
import { startServer, type LspSession } from '../lsp/lspClient';
import { startRegistry, type RegistryRig } from './rig';
import { HeldRequest, startFaultProxy, type FaultProxy } from './faultProxy';
import { DEPLOY_FILES, FLUX, inspectRaw, layerListing, assertNormalisedEntries, makeFolder, tagDigest } from './pushHelpers';
import {
  PreparePushRequest, PushRequest, PushRepositoriesRequest, PushTagSuggestionsRequest, SetCredentialsRequest,
  type PushParams, type PushResultInfo,
} from '../../server/src/protocol';

/** Typed by the shared protocol, sent by method name (the test's jsonrpc copy is not the protocol's). */
function request<P, R>(server: LspSession, type: RequestType<P, R, void>, params: P, token?: CancellationToken): Promise<R> {
  return token ? server.conn.sendRequest<R>(type.method, params, token) : server.conn.sendRequest<R>(type.method, params);
}

type Progress = WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd;

/**
 * Sends a push with a work-done token and collects the progress it reports; `ended` resolves
 * with the progress's end, `cancel` sends the request's cancellation.
 */
function pushWithProgress(server: LspSession, params: PushParams) {
  const token = `push-${randomBytes(4).toString('hex')}`;
  const source = new CancellationTokenSource();
  const reports: Progress[] = [];
  let markEnded!: () => void;
  const ended = new Promise<void>((resolve) => (markEnded = resolve));
  const listener = server.conn.onProgress(WorkDoneProgress.type, token, (value) => {
    reports.push(value);
    if (value.kind === 'end') markEnded();
  });
  const result = request(server, PushRequest, { ...params, workDoneToken: token }, source.token).finally(() => listener.dispose());
  return { result, reports, ended, cancel: () => source.cancel() };
}

async function expectError(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: Error) => {
    assert.match(error.message, pattern);
    return true;
  });
}

describe('push through the language server (LSP stdio)', () => {
  let rig: RegistryRig;
  let proxy: FaultProxy;
  let server: LspSession;
  let work: string;
  const savedDockerConfig = process.env.DOCKER_CONFIG;
  before(async () => {
    rig = await startRegistry({ auth: 'none' });
    proxy = await startFaultProxy({ upstream: rig.url, dataDir: rig.dataDir });
    work = await mkdtemp(join(tmpdir(), 'flux-oci-pushlsp-'));
    process.env.DOCKER_CONFIG = join(work, 'docker');
    server = await startServer({
      files: {
        'clusters/apps.yaml': `apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: apps\nspec:\n  interval: 5m\n  url: oci://${rig.host}/lsp/apps\n  ref:\n    tag: v1.0.0\n`,
        'clusters/other.yaml': 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: other\nspec:\n  interval: 5m\n  url: oci://ghcr.io/org/other\n',
      },
    });
  });
  after(async () => {
    await server?.close();
    await proxy?.stop();
    await rig?.stop();
    if (work) await rm(work, { recursive: true, force: true });
    if (savedDockerConfig === undefined) delete process.env.DOCKER_CONFIG;
    else process.env.DOCKER_CONFIG = savedDockerConfig;
  });

  test('repositories of the workspace\'s OCIRepositories are offered', async () => {
    // Asked right after start-up: the server answers once its first indexing of the workspace is done.
    const { repositories } = await request(server, PushRepositoriesRequest, {});
    assert.deepEqual(repositories, [`oci://${rig.host}/lsp/apps`, 'oci://ghcr.io/org/other']);
  });

  test('prepare reports files, lint errors and secrets; push refuses secrets, and lint errors unless allowed', async () => {
    const dir = await makeFolder({
      ...DEPLOY_FILES,
      'bad.yaml': 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: x\nspec:\n  url: oci://ghcr.io/x/y\n  interval: 10 minutes\n',
      'secret.yaml': 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: aHVudGVyMg==\n',
    });
    const reference = `oci://${rig.host}/lsp/checked:v1`;
    const prepared = await request(server, PreparePushRequest, { folder: pathToFileURL(dir).href, reference });
    assert.equal(prepared.files, 6, 'README, kustomization, two apps files, bad, secret (logo.png ignored)');
    assert.equal(prepared.existingDigest, undefined);
    assert.deepEqual(prepared.lintErrors.map((e) => [e.path, e.line, e.code]), [['bad.yaml', 7, 'schema/duration']]);
    assert.deepEqual(prepared.secrets.map((s) => [s.path, s.line]), [['secret.yaml', 5]]);

    await expectError(pushWithProgress(server, { folder: dir, reference }).result, /found 1 secret that would be published:\n {2}secret\.yaml:5: Secret "db" has data that is not SOPS-encrypted/);
    await writeFile(join(dir, '.sourceignore'), 'secret.yaml\n');
    await expectError(pushWithProgress(server, { folder: dir, reference }).result, /1 error in the manifests to push:\n {2}bad\.yaml:7:13 error schema\/duration/);
    assert.equal(await tagDigest(rig, 'lsp/checked:v1'), undefined, 'nothing was pushed');
    const { result } = pushWithProgress(server, { folder: dir, reference, allowLintErrors: true });
    assert.match((await result).digest, /^sha256:/);

    await expectError(request(server, PreparePushRequest, { folder: await mkdtemp(join(tmpdir(), 'flux-oci-empty-')), reference }), /nothing to push/);
  });

  test('push reports files packed and bytes uploaded, and gives Flux\'s artifact', async () => {
    const dir = await makeFolder(DEPLOY_FILES);
    const { result, reports } = pushWithProgress(server, {
      folder: dir,
      reference: `oci://${rig.host}/lsp/apps:v1.0.0`,
      source: 'https://github.com/org/fleet',
      revision: `main@sha1:${'c'.repeat(40)}`,
      annotations: { team: 'ops' },
    });
    const info: PushResultInfo = await result;
    assert.deepEqual({ ...info, digest: undefined }, {
      url: `oci://${rig.host}/lsp/apps@${info.digest}`, repository: `${rig.host}/lsp/apps`, tag: 'v1.0.0', digest: undefined,
      files: 4, layerSize: info.layerSize, unchanged: false,
    });
    assert.equal(await tagDigest(rig, 'lsp/apps:v1.0.0'), info.digest);
    assert.equal(reports[0].kind, 'begin');
    assert.ok((reports[0] as WorkDoneProgressBegin).cancellable);
    assert.equal(reports[reports.length - 1].kind, 'end');
    const messages = reports.filter((r): r is WorkDoneProgressReport => r.kind === 'report').map((r) => r.message ?? '');
    assert.ok(messages.some((m) => /^packed 4\/4 files$/.test(m)), messages.join(' | '));
    assert.ok(messages.some((m) => /; uploaded \d+ kB of \d+ kB$/.test(m)), messages.join(' | '));

    const manifest = await inspectRaw(rig, 'lsp/apps:v1.0.0');
    assert.equal(manifest.mediaType, FLUX.manifest);
    assert.equal(manifest.config.mediaType, FLUX.config);
    assert.deepEqual(manifest.layers.map((l) => l.mediaType), [FLUX.content]);
    assert.equal(manifest.annotations['org.opencontainers.image.source'], 'https://github.com/org/fleet');
    assert.equal(manifest.annotations['org.opencontainers.image.revision'], `main@sha1:${'c'.repeat(40)}`);
    assert.equal(manifest.annotations.team, 'ops');
    const layer = await layerListing(rig, 'lsp/apps', manifest.layers[0].digest);
    assert.deepEqual(layer.names, ['README.md', 'apps/', 'apps/deployment.yaml', 'apps/sync.yaml', 'kustomization.yaml']);
    assertNormalisedEntries(layer.verbose);

    const suggestions = await request(server, PushTagSuggestionsRequest, { repository: `oci://${rig.host}/lsp/apps` });
    assert.deepEqual(suggestions, { newest: 'v1.0.0', nextPatch: 'v1.0.1', tags: ['v1.0.0'] });
    assert.deepEqual(await request(server, PushTagSuggestionsRequest, { repository: `oci://${rig.host}/lsp/none` }), { tags: [] });
  });

  test('an existing tag is replaced only with the digest the user agreed to replace', async () => {
    const dir = await makeFolder({ 'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n' });
    const reference = `oci://${rig.host}/lsp/guard:v1`;
    const first = await pushWithProgress(server, { folder: dir, reference }).result;
    await writeFile(join(dir, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n');
    const prepared = await request(server, PreparePushRequest, { folder: dir, reference });
    assert.equal(prepared.existingDigest, first.digest);
    await expectError(pushWithProgress(server, { folder: dir, reference }).result, new RegExp(`already exists with digest ${first.digest}`));
    await expectError(pushWithProgress(server, { folder: dir, reference, overwriteDigest: `sha256:${'0'.repeat(64)}` }).result, /already exists/);
    assert.equal(await tagDigest(rig, 'lsp/guard:v1'), first.digest);
    const second = await pushWithProgress(server, { folder: dir, reference, overwriteDigest: prepared.existingDigest }).result;
    assert.equal(second.replaced, first.digest);
    assert.equal(await tagDigest(rig, 'lsp/guard:v1'), second.digest);
  });

  test('cancelling during the upload leaves the tag untouched', async () => {
    const dir = await makeFolder({ 'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n' });
    // Through the fault proxy, which holds the big upload once its first bytes arrived: the cancel
    // then always comes during the upload, however fast the machine sends 32 MB.
    const reference = `oci://${proxy.host}/lsp/cancel:v1`;
    const first = await pushWithProgress(server, { folder: dir, reference }).result;
    await writeFile(join(dir, 'big.bin'), randomBytes(32 * 1024 * 1024));
    const held = new HeldRequest();
    proxy.rules.push({ method: 'PUT', path: /^\/v2\/lsp\/cancel\/blobs\/uploads\//, times: 1, fault: { kind: 'hold', held } });
    const from = proxy.requests.length;
    const push = pushWithProgress(server, { folder: dir, reference, overwriteDigest: first.digest });
    try {
      await Promise.race([held.arrived, push.result.then((r) => assert.fail(`the push ended before its upload was held: ${r.digest}`))]);
      push.cancel();
      await expectError(push.result, /cancelled|Request cancelled/i);
      // The server sends the progress's end before its answer; waiting for it keeps the check honest.
      await push.ended;
    } finally {
      proxy.rules.length = 0;
      held.release();
    }
    assert.equal(await held.outcome, 'client-gone', 'the server closed the upload mid-body when cancelled');
    const uploads = push.reports.filter((r): r is WorkDoneProgressReport => r.kind === 'report' && /uploaded/.test(r.message ?? ''));
    for (const { message } of uploads) {
      const [, done, total] = /uploaded ([\d.]+) MB of ([\d.]+) MB/.exec(message ?? '') ?? [];
      assert.ok(Number(done) < Number(total), `cancelled before the end: ${message}`);
    }
    assert.deepEqual(proxy.requests.slice(from).filter((r) => r.path.includes('/manifests/') && r.method === 'PUT'), [], 'the manifest PUT never happened');
    assert.equal(await tagDigest(rig, 'lsp/cancel:v1'), first.digest, 'the tag still names the first push');
  });
});

describe('push through the language server with signed-in credentials (TLS + htpasswd)', () => {
  test('the server\'s registry session holds the credentials and the CA', async () => {
    const rig = await startRegistry({ auth: 'basic-tls' });
    const work = await mkdtemp(join(tmpdir(), 'flux-oci-pushlsp-tls-'));
    const saved = process.env.DOCKER_CONFIG;
    process.env.DOCKER_CONFIG = join(work, 'docker');
    const server = await startServer({ settings: { registry: { caFiles: { [rig.host]: rig.caFile } } } });
    try {
      const dir = await makeFolder(DEPLOY_FILES);
      const reference = `oci://${rig.host}/lsp/secure:v1`;
      await expectError(pushWithProgress(server, { folder: dir, reference }).result, /401|unauthori[sz]ed|requires authentication/i);
      await request(server, SetCredentialsRequest, { credentials: [{ registry: rig.host, username: rig.username!, secret: rig.password! }] });
      const info = await pushWithProgress(server, { folder: dir, reference }).result;
      assert.equal(await tagDigest(rig, 'lsp/secure:v1'), info.digest);
    } finally {
      await server.close();
      await rig.stop();
      await rm(work, { recursive: true, force: true });
      if (saved === undefined) delete process.env.DOCKER_CONFIG;
      else process.env.DOCKER_CONFIG = saved;
    }
  });
});
