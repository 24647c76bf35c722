// Concurrency of the registry features over real LSP stdio: an editor push to a tag while a
// preview of that tag is reading it (the preview shows one whole artifact, old or new, never a
// mix), and rapid settings changes and server restarts while live checks are in flight (no crash,
// a clean exit, and final diagnostics equal to a fresh server's).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RequestType } from 'vscode-languageserver-protocol';
import { startRegistry, type RegistryRig } from './rig';
import { startFaultProxy, type FaultProxy } from './faultProxy';
import { clientFor } from './helpers';
import { pushFiles, writeTree } from './explorerSeed';
import { pushFluxArtifact } from './liveSeed';
import { startLiveServer, liveCodes, until, diagnosticsWhen } from './liveHelpers';
import type { LspSession } from '../lsp/lspClient';
import type { RegistryClient } from '../../server/src/oci/registry';
import { ReadArtifactTreeRequest, ReadArtifactFileRequest, PushRequest, type PushParams, type PushResultInfo } from '../../server/src/protocol';
import { budget } from '../timing';

function request<P, R>(lsp: LspSession, type: RequestType<P, R, void>, params: P): Promise<R> {
  return lsp.conn.sendRequest<R>(type.method, params);
}

const version = (marker: string, withExtra: boolean) => ({
  'a.yaml': `kind: ConfigMap\nmetadata:\n  name: ${marker}\ndata:\n  pad: "${randomBytes(32 * 1024).toString('hex')}"\n`,
  'b.yaml': `kind: ConfigMap\nmetadata:\n  name: ${marker}\n`,
  ...(withExtra ? { 'c.yaml': `kind: ConfigMap\nmetadata:\n  name: ${marker}\n` } : {}),
});

describe('push during a preview of the same tag', { timeout: budget(300_000) }, () => {
  let rig: RegistryRig;
  let proxy: FaultProxy;
  let lsp: LspSession;
  let direct: RegistryClient;
  let work: string;

  before(async () => {
    rig = await startRegistry({ auth: 'none' });
    direct = clientFor(rig);
    proxy = await startFaultProxy({ upstream: rig.url, dataDir: rig.dataDir });
    work = await mkdtemp(join(tmpdir(), 'flux-oci-race-'));
    lsp = await startLiveServer({ registry: { cacheTtlSeconds: 600 } });
  });
  after(async () => {
    await lsp?.close();
    direct?.close();
    await proxy?.stop();
    await rig?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const outcomes: string[] = [];
  for (let round = 0; round < 6; round++) {
    test(`round ${round + 1}: ${round % 2 === 0 ? 'the push lands while the preview downloads' : 'the preview starts as the push moves the tag'}`, async () => {
      const id = randomUUID().slice(0, 8);
      const tag = `r-${id}`;
      const old = version(`old-${id}`, false);
      const next = version(`new-${id}`, true);
      const oldDigest = await pushFiles(direct, `oci://${rig.host}/race/app:${tag}`, old);
      const folder = await writeTree(await mkdtemp(join(work, 'src-')), next);
      const reference = `oci://${proxy.host}/race/app:${tag}`;
      // Slow reads and writes so the two really overlap (the proxy paces the bytes).
      proxy.rules.length = 0;
      proxy.rules.push({ method: 'GET', path: /\/blobs\/sha256:/, fault: { kind: 'slow', chunkBytes: 4096, delayMs: 15 } });
      const from = proxy.requests.length;
      const seen = (method: string, path: RegExp) => () => proxy.requests.slice(from).some((r) => r.method === method && path.test(r.path));
      let preview: ReturnType<typeof readTree>;
      let push: Promise<PushResultInfo>;
      const startPush = () => request<PushParams, PushResultInfo>(lsp, PushRequest, { folder, reference, overwriteDigest: oldDigest });
      if (round % 2 === 0) {
        preview = readTree(reference);
        await until('the preview to download the layer', seen('GET', /\/blobs\/sha256:/), budget(30_000));
        push = startPush();
      } else {
        push = startPush();
        // The moment the push's manifest reaches the proxy: the tag moves while the preview resolves it.
        await until('the push to tag', seen('PUT', /\/manifests\/r-/), budget(30_000));
        preview = readTree(reference);
      }
      const [shown, pushed] = await Promise.all([preview, push]);
      proxy.rules.length = 0;
      const expected = Object.keys(shown.names).length === 3 ? next : old;
      assert.deepEqual(shown.names, expected, 'one whole artifact, old or new, never a mix');
      const which = expected === next ? 'new' : 'old';
      if (which === 'new') assert.equal(shown.digest, pushed.digest);
      outcomes.push(which);
      // After the push, the tag is the new artifact, in full.
      const after = await readTree(reference);
      assert.deepEqual(after.names, next);
      await rm(folder, { recursive: true, force: true });
    });
  }
  test('both outcomes are allowed; each round was one of them', () => {
    assert.equal(outcomes.length, 6);
    console.log(`  push during preview: ${outcomes.filter((o) => o === 'old').length} old, ${outcomes.filter((o) => o === 'new').length} new, 0 mixed`);
  });

  async function readTree(reference: string): Promise<{ digest: string; names: Record<string, string> }> {
    const tree = await request(lsp, ReadArtifactTreeRequest, { reference });
    const names: Record<string, string> = {};
    for (const entry of tree.entries.filter((e) => e.type === 'file')) {
      // The pinned reference: the files of the artifact the tree showed.
      const file = await request(lsp, ReadArtifactFileRequest, { reference: tree.reference, path: entry.path });
      names[entry.path] = Buffer.from(file.base64, 'base64').toString('utf8');
    }
    return { digest: tree.digest, names };
  }
});

const doc = (host: string, repo: string, name: string, tag: string) => `apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: ${name}
  namespace: flux-system
spec:
  interval: 5m
  url: oci://${host}/${repo}
  ref:
    tag: ${tag}
`;

describe('settings changes and restarts during live checks', { timeout: budget(300_000) }, () => {
  let rig: RegistryRig;
  let proxy: FaultProxy;
  const docs: Array<[string, string]> = [];
  const settings = { registry: { cacheTtlSeconds: 600 } };

  before(async () => {
    rig = await startRegistry({ auth: 'none' });
    const client = clientFor(rig);
    try {
      for (let i = 0; i < 4; i++) await pushFluxArtifact(client, rig.host, `churn/r${i}`, ['v1.0.0', 'v1.1.0']);
    } finally {
      client.close();
    }
    proxy = await startFaultProxy({ upstream: rig.url, dataDir: rig.dataDir });
    for (let i = 0; i < 8; i++) docs.push([`d${i}.yaml`, doc(proxy.host, `churn/r${i % 4}`, `d${i}`, i % 2 === 0 ? 'v1.0.0' : 'v9.9.9')]);
  });
  after(async () => {
    await proxy?.stop();
    await rig?.stop();
  });

  /** The settled live diagnostics of every document. */
  async function settled(lsp: LspSession): Promise<string[]> {
    const out: string[] = [];
    for (const [rel, text] of docs) {
      const wanted = text.includes('v9.9.9') ? '9:live/tag-not-found' : '';
      const d = await diagnosticsWhen(lsp, rel, (x) => liveCodes(x).join() === wanted, budget(60_000));
      out.push(`${rel} ${liveCodes(d).join()}`);
    }
    return out;
  }

  test('a fresh server, 40 rapid settings changes mid-check, and restarts mid-check all agree', async () => {
    const fresh = await startLiveServer(settings);
    for (const [rel, text] of docs) await fresh.open(rel, text);
    const reference = await settled(fresh);
    await fresh.close();
    assert.equal(fresh.proc.exitCode, 0, 'clean exit');

    // Slow tag lists keep checks in flight while settings change under them.
    proxy.rules.push({ method: 'GET', path: /\/tags\/list$/, fault: { kind: 'slow', chunkBytes: 8, delayMs: 30 } });
    const churn = await startLiveServer(settings);
    for (const [rel, text] of docs) await churn.open(rel, text);
    await until('live checks in flight', () => proxy.requests.some((r) => r.path.endsWith('/tags/list')), budget(30_000));
    for (let i = 0; i < 40; i++) {
      const next = i % 4 === 0 ? { registry: { liveChecks: false } }
        : i % 4 === 1 ? { registry: { cacheTtlSeconds: i } }
        : i % 4 === 2 ? { registry: { insecureHosts: [`h${i}.invalid`], cacheTtlSeconds: 600 } }
        : settings;
      await churn.conn.sendNotification('workspace/didChangeConfiguration', { settings: { fluxOci: next } });
    }
    await churn.setSettings(settings);
    proxy.rules.length = 0;
    assert.deepEqual(await settled(churn), reference, 'after the churn: what a fresh server says');
    assert.equal(churn.proc.exitCode, null, 'no crash');
    await churn.close();
    assert.equal(churn.proc.exitCode, 0, 'clean exit');

    // Restarts while checks hang on the registry: each server exits cleanly; the last one agrees.
    for (let i = 0; i < 3; i++) {
      proxy.rules.push({ method: 'GET', path: /\/tags\/list$/, fault: { kind: 'stall' } });
      const from = proxy.requests.length;
      const doomed = await startLiveServer(settings);
      for (const [rel, text] of docs) await doomed.open(rel, text);
      await until('a check in flight', () => proxy.requests.slice(from).some((r) => r.fault === 'stall'), budget(30_000));
      await doomed.close();
      assert.equal(doomed.proc.exitCode, 0, `restart ${i + 1}: clean exit with checks in flight`);
      proxy.rules.length = 0;
    }
    const last = await startLiveServer(settings);
    for (const [rel, text] of docs) await last.open(rel, text);
    assert.deepEqual(await settled(last), reference, 'after restarts: what a fresh server says');
    await last.close();
  });
});
