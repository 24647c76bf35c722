// The explorer, preview, diff and editor-push fault matrix: tag listing, fluxOci/readArtifactTree,
// fluxOci/readArtifactFile, fluxOci/compareWithFolder (over real LSP stdio, signed in with
// fluxOci/setCredentials), the `flux-oci diff` verb, and fluxOci/push with $/progress — against
// 429 storms with Retry-After, 5xx, 401 after the credentials expired, 403, 404, connections cut
// mid-stream and a stall, injected by the fault proxy in front of the real TLS + htpasswd registry.
// Each combination ends in a retry that succeeds or in one clear message; a preview shows the
// whole file or nothing, a push leaves the tag absent or on the complete artifact, and the push's
// progress always ends. Each run has its own tag and content, so no cache hides the fault.
import { describe, test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkDoneProgress, type RequestType } from 'vscode-languageserver-protocol';
import { startRegistry, type RegistryRig } from './rig';
import { startFaultProxy, type FaultProxy, type FaultRule } from './faultProxy';
import { clientFor, signal } from './helpers';
import { pushFiles, writeTree } from './explorerSeed';
import { startLiveServer } from './liveHelpers';
import type { LspSession } from '../lsp/lspClient';
import { parseReference } from '../../server/src/oci/reference';
import type { RegistryClient } from '../../server/src/oci/registry';
import { runDiffCommand } from '../../server/src/cli/diff';
import { ListTagsRequest, ReadArtifactTreeRequest, ReadArtifactFileRequest, CompareWithFolderRequest, PushRequest, type PushParams, type PushResultInfo } from '../../server/src/protocol';
import { budget } from '../timing';

function request<P, R>(lsp: LspSession, type: RequestType<P, R, void>, params: P): Promise<R> {
  return lsp.conn.sendRequest<R>(type.method, params);
}

interface Ctx {
  host: string;
  id: string;
  tag: string;
  files: Record<string, string>;
  folder: string;
  direct: RegistryClient;
  lsp: LspSession;
  rig: RegistryRig;
  /** The progress values of a push (push only). */
  progress: string[];
}

interface Target { method: string; path: RegExp }
interface Operation {
  name: string;
  hits(ctx: Ctx): Target;
  stream(ctx: Ctx): Target & { fault: 'reset-mid-body' | 'reset-request-mid-body' };
  /** A fresh process (the CLI) cannot see a credential expire between two of its requests. */
  freshProcess?: boolean;
  /** Seeds the run (pushes its artifact straight to the registry). */
  prepare(ctx: Ctx): Promise<void>;
  /** Resolves on success; throws (or returns a message) on failure. */
  run(ctx: Ctx): Promise<string | undefined>;
  verify(ctx: Ctx, succeeded: boolean): Promise<void>;
}

const REPO = 'ex/app';
const filesFor = (id: string) => ({
  'kustomization.yaml': 'resources: [apps/cm.yaml]\n',
  // Big enough that a cut mid-body lands inside the layer.
  'apps/cm.yaml': `kind: ConfigMap\nmetadata:\n  name: m-${id}\ndata:\n  pad: "${randomBytes(24 * 1024).toString('hex')}"\n`,
});
const seed = async (ctx: Ctx) => void (await pushFiles(ctx.direct, `oci://${ctx.rig.host}/${REPO}:${ctx.tag}`, ctx.files));
const ref = (ctx: Ctx) => `oci://${ctx.host}/${REPO}:${ctx.tag}`;
const manifestOf = (ctx: Ctx): Target => ({ method: 'GET', path: new RegExp(`/manifests/${ctx.tag}$`) });
const layer = (): Target & { fault: 'reset-mid-body' } => ({ method: 'GET', path: /\/blobs\/sha256:/, fault: 'reset-mid-body' });

const OPERATIONS: Operation[] = [
  {
    name: 'explorer tag listing',
    hits: (ctx) => ({ method: 'GET', path: new RegExp(`/v2/ex/l-${ctx.id}/tags/list$`) }),
    stream: (ctx) => ({ method: 'GET', path: new RegExp(`/v2/ex/l-${ctx.id}/tags/list$`), fault: 'reset-mid-body' }),
    prepare: async (ctx) => void (await pushFiles(ctx.direct, `oci://${ctx.rig.host}/ex/l-${ctx.id}:${ctx.tag}`, ctx.files)),
    run: async (ctx) => {
      const page = await request(ctx.lsp, ListTagsRequest, { repository: `oci://${ctx.host}/ex/l-${ctx.id}` });
      if (page.problem) return page.problem.message;
      assert.deepEqual(page.tags.map((t) => t.tag), [ctx.tag], 'the whole list, not a part of it');
      return undefined;
    },
    verify: async () => undefined,
  },
  {
    name: 'preview: artifact tree',
    hits: manifestOf,
    stream: layer,
    prepare: seed,
    run: async (ctx) => {
      const tree = await request(ctx.lsp, ReadArtifactTreeRequest, { reference: ref(ctx) });
      assert.deepEqual(tree.entries.filter((e) => e.type === 'file').map((e) => e.path).sort(), Object.keys(ctx.files).sort());
      return undefined;
    },
    verify: async () => undefined,
  },
  {
    name: 'preview: one file',
    hits: manifestOf,
    stream: layer,
    prepare: seed,
    run: async (ctx) => {
      const file = await request(ctx.lsp, ReadArtifactFileRequest, { reference: ref(ctx), path: 'apps/cm.yaml' });
      assert.equal(Buffer.from(file.base64, 'base64').toString('utf8'), ctx.files['apps/cm.yaml'], 'the whole file, never a part');
      return undefined;
    },
    verify: async () => undefined,
  },
  {
    name: 'diff: compare request',
    hits: manifestOf,
    stream: layer,
    prepare: async (ctx) => {
      await seed(ctx);
      await writeTree(ctx.folder, { ...ctx.files, 'new.yaml': 'kind: Namespace\n' });
    },
    run: async (ctx) => {
      const result = await request(ctx.lsp, CompareWithFolderRequest, { reference: ref(ctx), folder: ctx.folder });
      assert.deepEqual([result.added, result.removed, result.changed, result.unchanged], [['new.yaml'], [], [], 2]);
      return undefined;
    },
    verify: async () => undefined,
  },
  {
    name: 'diff: flux-oci diff',
    hits: manifestOf,
    stream: layer,
    freshProcess: true,
    prepare: async (ctx) => {
      await seed(ctx);
      await writeTree(ctx.folder, { ...ctx.files, 'new.yaml': 'kind: Namespace\n' });
    },
    run: async (ctx) => {
      let stdout = '';
      let stderr = '';
      const code = await runDiffCommand([ref(ctx), `--path=${ctx.folder}`, `--creds=${ctx.rig.username}:${ctx.rig.password}`],
        { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) }, AbortSignal.timeout(budget(120_000)));
      logs.push(stdout, stderr);
      if (code === 2) {
        assert.ok(!/\n\s+at /.test(stderr), `no stack trace:\n${stderr}`);
        const lines = stderr.trimEnd().split('\n');
        return lines[lines.length - 1];
      }
      assert.equal(code, 1, stderr);
      assert.equal(stdout, 'added: new.yaml\n', 'the whole comparison');
      return undefined;
    },
    verify: async () => undefined,
  },
  {
    name: 'editor push',
    hits: (ctx) => ({ method: 'PUT', path: new RegExp(`/manifests/${ctx.tag}$`) }),
    stream: () => ({ method: 'PUT', path: /\/blobs\/uploads\//, fault: 'reset-request-mid-body' }),
    prepare: async (ctx) => void (await writeTree(ctx.folder, ctx.files)),
    run: async (ctx) => {
      const token = `push-${ctx.id}`;
      const listener = ctx.lsp.conn.onProgress(WorkDoneProgress.type, token, (value) => ctx.progress.push(value.kind));
      try {
        const params: PushParams = { folder: ctx.folder, reference: ref(ctx), workDoneToken: token };
        const info = await request<PushParams, PushResultInfo>(ctx.lsp, PushRequest, params);
        assert.match(info.digest, /^sha256:/);
        return undefined;
      } finally {
        // The end notification is sent before the answer; wait for it as a state, bounded.
        const deadline = Date.now() + budget(10_000);
        while (ctx.progress[ctx.progress.length - 1] !== 'end' && Date.now() < deadline) await new Promise((r) => setImmediate(r));
        listener.dispose();
      }
    },
    verify: async (ctx, succeeded) => {
      assert.equal(ctx.progress[0], 'begin');
      assert.equal(ctx.progress[ctx.progress.length - 1], 'end', `progress ended: ${ctx.progress.join(',')}`);
      const target = parseReference(`${ctx.rig.host}/${REPO}:${ctx.tag}`);
      let manifest: Awaited<ReturnType<RegistryClient['getManifest']>> | undefined;
      try {
        manifest = await ctx.direct.getManifest(target, { signal: signal() });
      } catch {
        manifest = undefined;
      }
      if (succeeded) assert.ok(manifest, 'the tag exists after a successful push');
      if (manifest) {
        // No partial tag: every blob the manifest names is there in full.
        const body = JSON.parse(manifest.bytes.toString('utf8')) as { config: { digest: string; size: number }; layers: Array<{ digest: string; size: number }> };
        for (const d of [body.config, ...body.layers]) {
          // downloadBlob checks size and digest.
          await ctx.direct.downloadBlob(target, d, join(ctx.folder, `blob-${d.digest.slice(7, 19)}`), { signal: signal() });
        }
      }
    },
  },
];

interface FaultCase {
  name: string;
  rules(op: Operation, ctx: Ctx): FaultRule[] | undefined;
  expect: 'ok' | RegExp;
  fired: string;
}

const at = (t: Target) => ({ method: t.method, path: t.path });
const FAULTS: FaultCase[] = [
  {
    name: 'a 429 storm with Retry-After',
    rules: (op, ctx) => [
      { ...at(op.hits(ctx)), fault: { kind: 'status', status: 429, retryAfter: '1' }, times: 1 },
      { ...at(op.hits(ctx)), fault: { kind: 'status', status: 429, retryAfter: '0' }, times: 3 },
    ],
    expect: 'ok', fired: 'status',
  },
  { name: '503, 502 and 504 in a row', rules: (op, ctx) => [503, 502, 504].map((status) => ({ ...at(op.hits(ctx)), fault: { kind: 'status' as const, status }, times: 1 })), expect: 'ok', fired: 'status' },
  { name: 'a 500 that persists', rules: (op, ctx) => [{ ...at(op.hits(ctx)), fault: { kind: 'status', status: 500 } }], expect: /server error|500/i, fired: 'status' },
  { name: '403 forbidden', rules: (op, ctx) => [{ ...at(op.hits(ctx)), fault: { kind: 'status', status: 403 } }], expect: /forbidden|403|denied|permission/i, fired: 'status' },
  { name: '404 not found', rules: (op, ctx) => [{ ...at(op.hits(ctx)), fault: { kind: 'status', status: 404 } }], expect: /not found|404/i, fired: 'status' },
  {
    name: '401 after the credentials expired',
    rules: (op) => (op.freshProcess ? undefined : [{ path: /./, fault: { kind: 'expired-token' }, times: 1 }]),
    expect: 'ok', fired: 'expired-token',
  },
  { name: 'a connection cut mid-stream', rules: (op, ctx) => { const s = op.stream(ctx); return [{ ...at(s), fault: { kind: s.fault }, times: 1 }]; }, expect: 'ok', fired: 'reset' },
  {
    name: 'cuts that never stop',
    rules: (op, ctx) => { const s = op.stream(ctx); return [{ ...at(s), fault: { kind: s.fault } }]; },
    expect: /cut off|reset|socket|interrupted|ECONNRESET|closed|no answer|unreachable|could not reach/i, fired: 'reset',
  },
  {
    // The server waits 30 s for a silent registry, then retries: one operation shows it (cost).
    name: 'a stall (timeout), then an answer',
    rules: (op, ctx) => (op.name === 'preview: artifact tree' ? [{ ...at(op.hits(ctx)), fault: { kind: 'stall' }, times: 1 }] : undefined),
    expect: 'ok', fired: 'stall',
  },
];

const logs: string[] = [];

describe('explorer, preview, diff and editor push under registry faults', { timeout: budget(900_000) }, () => {
  let rig: RegistryRig;
  let proxy: FaultProxy;
  let lsp: LspSession;
  let direct: RegistryClient;
  let work: string;
  const seen: string[] = [];
  let stderr = '';

  before(async () => {
    rig = await startRegistry({ auth: 'basic-tls' });
    direct = clientFor(rig);
    proxy = await startFaultProxy({ upstream: rig.url, caFile: rig.caFile, dataDir: rig.dataDir });
    work = await mkdtemp(join(tmpdir(), 'flux-oci-exfaults-'));
    lsp = await startLiveServer({ registry: { cacheTtlSeconds: 600 } });
    lsp.proc.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    await lsp.conn.sendRequest('fluxOci/setCredentials', { credentials: [{ registry: proxy.host, username: rig.username, secret: rig.password }] });
  });
  after(async () => {
    await lsp?.close();
    direct?.close();
    await proxy?.stop();
    await rig?.stop();
    if (work) await rm(work, { recursive: true, force: true });
    console.log(`  explorer/push fault matrix: ${seen.length} combinations\n    ${seen.join('\n    ')}`);
  });
  beforeEach(() => { proxy.rules.length = 0; });

  for (const op of OPERATIONS) {
    for (const fault of FAULTS) {
      test(`${op.name} × ${fault.name}`, async (t) => {
        const id = randomUUID().slice(0, 8);
        const ctx: Ctx = { host: proxy.host, id, tag: `t-${id}`, files: filesFor(id), folder: await mkdtemp(join(work, 'run-')), direct, lsp, rig, progress: [] };
        const rules = fault.rules(op, ctx);
        if (!rules) return void t.skip('cannot happen for this operation');
        await op.prepare(ctx);
        const from = proxy.requests.length;
        proxy.rules.push(...rules);
        let failure: string | undefined;
        try {
          failure = await op.run(ctx);
        } catch (error) {
          assert.ok(error instanceof Error, 'an Error, not a bare value');
          if (error.name === 'AssertionError') throw error;
          failure = error.message;
        }
        proxy.rules.length = 0;
        if (failure) logs.push(failure);
        const injected = proxy.requests.slice(from).filter((r) => r.fault).map((r) => r.fault!);
        assert.ok(injected.some((k) => k.startsWith(fault.fired)), `the fault fired (saw: ${injected.join(', ') || 'none'})`);
        if (fault.expect === 'ok') assert.equal(failure, undefined, `a retry should have succeeded: ${failure}`);
        else {
          assert.ok(failure, 'the operation reported the fault');
          assert.match(failure, fault.expect);
          assert.ok(failure.length < 600 && !/\n\s+at /.test(failure), `one clear message, not a dump: ${failure}`);
        }
        await op.verify(ctx, failure === undefined);
        assert.equal(lsp.proc.exitCode, null, 'the server is alive');
        seen.push(`${failure === undefined ? 'retry' : 'msg  '} ${op.name} × ${fault.name}`);
        await rm(ctx.folder, { recursive: true, force: true });
      });
    }
  }

  test('no message, CLI output or server stderr of the whole matrix holds a secret', () => {
    const text = [...logs, stderr].join('\n');
    assert.ok(logs.length > 10, 'messages were collected');
    for (const secret of [rig.password!, Buffer.from(`${rig.username}:${rig.password}`).toString('base64')]) assert.ok(!text.includes(secret), 'a secret reached an output');
    assert.ok(!/Bearer |Basic [A-Za-z0-9+/=]{8,}/.test(text), 'no authorization value in an output');
  });
});
