// The registry fault matrix: every registry operation the product has (library and CLI verb) ×
// every fault (429 storms with Retry-After, 5xx, 401 after a token expired, 403, 404, resets
// mid-stream, stalls) through the fault proxy in front of the real registry. Each combination
// ends either in a retry that succeeds or in a clear one-line message — and in both cases with
// no partial tag, no partial file, nothing half-deleted. oci-faults.test.ts covers the single
// behaviours in depth (redirects, digests, pagination, aborts); this file covers the product.
//
// Adding an operation (e.g. live completion, preview) is one entry in OPERATIONS; adding a fault
// is one entry in FAULTS. A combination that cannot happen returns undefined from `rules`.
import { describe, test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry, type RegistryRig } from './rig';
import { startFaultProxy, type FaultProxy, type FaultRule } from './faultProxy';
import { assertLogsHoldNoSecrets, clientFor, signal } from './helpers';
import { parseReference } from '../../server/src/oci/reference';
import type { RegistryClient } from '../../server/src/oci/registry';
import { pullArtifact, pushDirectory } from '../../server/src/oci/artifact/push';
import { runRegistryCommand } from '../../server/src/cli/registry';
import { budget } from '../timing';

/** One run of an operation: where it works, what it may leave behind. */
interface Ctx {
  /** host:port of the fault proxy (what the operation talks to). */
  host: string;
  /** A fresh folder for this run. */
  dir: string;
  /** Unique per run (tags, file content). */
  id: string;
  /** A client straight to the registry (no proxy), for set-up and checks. */
  direct: RegistryClient;
  repo: string;
}

interface Target { method: string; path: RegExp }

interface Operation {
  name: string;
  /** The request that characterises the operation: status, stall and 401 faults go here. */
  hits: Target;
  /** Where a connection cut mid-stream goes: a response body (GET) or a request body (upload). */
  stream?: Target & { fault: 'reset-mid-body' | 'reset-request-mid-body' };
  /**
   * A fresh CLI process uses one of its tokens more than once (pull, push), so a token can expire
   * between two of its requests; tag and delete use each scope's token once.
   */
  cliMultiRequest?: boolean;
  prepare?(ctx: Ctx): Promise<void>;
  library(ctx: Ctx, client: RegistryClient): Promise<void>;
  /** CLI arguments (without credentials), when the operation is a CLI verb. */
  cli?(ctx: Ctx): string[];
  /** The state after the run, succeeded or not: no partial tag, file or deletion. */
  verify(ctx: Ctx, succeeded: boolean): Promise<void>;
}

const MANIFEST_MEDIA = 'application/vnd.oci.image.manifest.v1+json';

async function writeSource(dir: string, id: string): Promise<string> {
  const src = join(dir, 'src');
  await mkdir(join(src, 'apps'), { recursive: true });
  // Content unique to the run, so its layer is new to the registry and really uploaded.
  await writeFile(join(src, 'apps', 'cm.yaml'), `kind: ConfigMap\nmetadata:\n  name: m-${id}\ndata:\n  pad: "${'x'.repeat(48 * 1024)}"\n`);
  return src;
}

/** A tag is either absent or names a manifest whose config and layers are all there. */
async function assertNoPartialTag(ctx: Ctx, tag: string, mustExist: boolean): Promise<void> {
  const ref = parseReference(`${ctx.host}/${ctx.repo}:${tag}`);
  const head = await ctx.direct.headManifest(ref, { signal: signal() });
  if (mustExist) assert.ok(head, `tag ${tag} exists after a successful run`);
  if (!head) return;
  const manifest = await ctx.direct.getManifest(ref, { signal: signal() });
  const parsed = JSON.parse(manifest.bytes.toString('utf8')) as { config: { digest: string }; layers: { digest: string }[] };
  for (const d of [parsed.config, ...parsed.layers]) {
    assert.ok(await ctx.direct.blobExists(ref, d.digest, { signal: signal() }), `tag ${tag} names a manifest whose blob ${d.digest} is missing`);
  }
}

const ref = (ctx: Ctx, tagOrDigest = ':v1') => `oci://${ctx.host}/${ctx.repo}${tagOrDigest}`;

const OPERATIONS: Operation[] = [
  {
    name: 'list tags',
    hits: { method: 'GET', path: /\/tags\/list$/ },
    stream: { method: 'GET', path: /\/tags\/list$/, fault: 'reset-mid-body' },
    async library(ctx, client) {
      assert.ok((await client.listTags(parseReference(`${ctx.host}/${ctx.repo}`), { signal: signal() })).includes('v1'));
    },
    cli: (ctx) => ['tags', ref(ctx, '')],
    async verify() { /* reads only */ },
  },
  {
    name: 'resolve (HEAD manifest)',
    hits: { method: 'HEAD', path: /\/manifests\/v1$/ },
    async library(ctx, client) {
      // A 404 to HEAD is an answer ("not there"), which callers turn into their own message.
      const head = await client.headManifest(parseReference(`${ctx.host}/${ctx.repo}:v1`), { signal: signal() });
      if (!head) throw new Error(`${ctx.repo}:v1 was not found (HEAD answered 404)`);
    },
    async verify() { /* reads only */ },
  },
  {
    name: 'get manifest',
    hits: { method: 'GET', path: /\/manifests\/v1$/ },
    stream: { method: 'GET', path: /\/manifests\/v1$/, fault: 'reset-mid-body' },
    async library(ctx, client) {
      const m = await client.getManifest(parseReference(`${ctx.host}/${ctx.repo}:v1`), { signal: signal() });
      assert.equal(m.mediaType, MANIFEST_MEDIA);
    },
    cli: (ctx) => ['manifest', ref(ctx)],
    async verify() { /* reads only */ },
  },
  {
    name: 'pull and extract',
    hits: { method: 'GET', path: /\/blobs\/sha256:/ },
    stream: { method: 'GET', path: /\/blobs\/sha256:/, fault: 'reset-mid-body' },
    cliMultiRequest: true,
    async library(ctx, client) {
      await pullArtifact(client, parseReference(`${ctx.host}/${ctx.repo}:v1`), join(ctx.dir, 'out'), { signal: signal() });
    },
    cli: (ctx) => ['pull', ref(ctx), '--output', join(ctx.dir, 'out')],
    async verify(ctx, succeeded) {
      const out = join(ctx.dir, 'out');
      if (succeeded) assert.match(await readFile(join(out, 'apps', 'cm.yaml'), 'utf8'), /^kind: ConfigMap/);
      else assert.ok(!existsSync(out), 'a failed pull leaves no output folder');
      const left = (await readdir(ctx.dir)).filter((n) => n !== 'out');
      assert.deepEqual(left, [], 'no temporary files left beside the output');
    },
  },
  {
    name: 'push',
    hits: { method: 'PUT', path: /\/manifests\/p-/ },
    stream: { method: 'PUT', path: /\/blobs\/uploads\//, fault: 'reset-request-mid-body' },
    cliMultiRequest: true,
    async prepare(ctx) { await writeSource(ctx.dir, ctx.id); },
    async library(ctx, client) {
      await pushDirectory(client, parseReference(`${ctx.host}/${ctx.repo}:p-${ctx.id}`), join(ctx.dir, 'src'), { signal: signal() });
    },
    cli: (ctx) => ['push', ref(ctx, `:p-${ctx.id}`), '--path', join(ctx.dir, 'src')],
    verify: (ctx, succeeded) => assertNoPartialTag(ctx, `p-${ctx.id}`, succeeded),
  },
  {
    name: 'tag',
    hits: { method: 'PUT', path: /\/manifests\/t-/ },
    stream: { method: 'PUT', path: /\/manifests\/t-/, fault: 'reset-request-mid-body' },
    async library(ctx, client) {
      await client.tag(parseReference(`${ctx.host}/${ctx.repo}:v1`), `t-${ctx.id}`, { signal: signal() });
    },
    cli: (ctx) => ['tag', ref(ctx), `t-${ctx.id}`],
    async verify(ctx, succeeded) {
      await assertNoPartialTag(ctx, `t-${ctx.id}`, succeeded);
      const tagged = await ctx.direct.headManifest(parseReference(`${ctx.host}/${ctx.repo}:t-${ctx.id}`), { signal: signal() });
      if (tagged) {
        const v1 = await ctx.direct.headManifest(parseReference(`${ctx.host}/${ctx.repo}:v1`), { signal: signal() });
        assert.equal(tagged.digest, v1?.digest, 'the new tag names the same manifest');
      }
    },
  },
  {
    name: 'delete',
    hits: { method: 'DELETE', path: /\/manifests\/sha256:/ },
    async prepare(ctx) {
      const src = await writeSource(ctx.dir, ctx.id);
      await pushDirectory(ctx.direct, parseReference(`${ctx.host}/${ctx.repo}:d-${ctx.id}`), src, { signal: signal() });
    },
    async library(ctx, client) {
      await client.deleteManifest(parseReference(`${ctx.host}/${ctx.repo}:d-${ctx.id}`), { signal: signal() });
    },
    cli: (ctx) => ['delete', ref(ctx, `:d-${ctx.id}`)],
    async verify(ctx, succeeded) {
      const left = await ctx.direct.headManifest(parseReference(`${ctx.host}/${ctx.repo}:d-${ctx.id}`), { signal: signal() });
      if (succeeded) assert.equal(left, undefined, 'deleted');
      else await assertNoPartialTag(ctx, `d-${ctx.id}`, true);
    },
  },
];

type Front = 'library' | 'cli';

interface FaultCase {
  name: string;
  /** The proxy rules for this operation, or undefined when the combination cannot happen. */
  rules(op: Operation, front: Front): FaultRule[] | undefined;
  /** 'ok' when a retry must succeed; else what the one-line message must say. */
  expect: 'ok' | RegExp;
  /** The proxy must have injected this fault kind at least once. */
  fired: string;
  /** Use the client with a short idle timeout (stalls). */
  impatient?: boolean;
}

const at = (t: Target) => ({ method: t.method, path: t.path });

const FAULTS: FaultCase[] = [
  {
    name: 'a 429 storm with Retry-After',
    rules: (op) => [
      { ...at(op.hits), fault: { kind: 'status', status: 429, retryAfter: '1' }, times: 1 },
      { ...at(op.hits), fault: { kind: 'status', status: 429, retryAfter: '0' }, times: 3 },
    ],
    expect: 'ok', fired: 'status',
  },
  {
    name: '503, 502 and 504 in a row',
    rules: (op) => [503, 502, 504].map((status) => ({ ...at(op.hits), fault: { kind: 'status' as const, status }, times: 1 })),
    expect: 'ok', fired: 'status',
  },
  { name: 'a 500 that persists', rules: (op) => [{ ...at(op.hits), fault: { kind: 'status', status: 500 } }], expect: /server error|HTTP 500|500/, fired: 'status' },
  { name: '403 forbidden', rules: (op) => [{ ...at(op.hits), fault: { kind: 'status', status: 403 } }], expect: /forbidden|403|denied/i, fired: 'status' },
  { name: '404 not found', rules: (op) => [{ ...at(op.hits), fault: { kind: 'status', status: 404 } }], expect: /not found|404/i, fired: 'status' },
  {
    name: '401 after the token expired',
    // A fresh CLI process makes one authenticated request for a tag list or manifest: no token to expire.
    rules: (op, front) => (front === 'cli' && !op.cliMultiRequest ? undefined : [{ path: /./, fault: { kind: 'expired-token' }, times: 1 }]),
    expect: 'ok', fired: 'expired-token',
  },
  { name: 'a connection reset mid-stream', rules: (op) => (op.stream ? [{ ...at(op.stream), fault: { kind: op.stream.fault }, times: 1 }] : undefined), expect: 'ok', fired: 'reset' },
  {
    name: 'resets that never stop',
    rules: (op) => (op.stream ? [{ ...at(op.stream), fault: { kind: op.stream.fault } }] : undefined),
    expect: /cut off|reset|socket|interrupted|ECONNRESET|closed/i, fired: 'reset',
  },
  {
    name: 'a stall (timeout), then an answer',
    // The CLI waits 30 s for a silent registry; its stalls are covered by the case below.
    rules: (op, front) => (front === 'cli' ? undefined : [{ ...at(op.hits), fault: { kind: 'stall' }, times: 1 }]),
    expect: 'ok', fired: 'stall', impatient: true,
  },
  {
    name: 'a registry that never answers',
    rules: (op) => [{ ...at(op.hits), fault: { kind: 'stall' } }],
    expect: /no data from|timed out|timeout|aborted/i, fired: 'stall', impatient: true,
  },
];

for (const mode of ['token'] as const) {
  describe(`registry fault matrix (${mode})`, { timeout: budget(900_000) }, () => {
    let rig: RegistryRig;
    let proxy: FaultProxy;
    let work: string;
    let direct: RegistryClient;
    let patient: RegistryClient;
    let impatient: RegistryClient;
    const logs: string[] = [];
    const repo = 'faults/matrix';
    const seen = new Map<string, string>();

    before(async () => {
      rig = await startRegistry({ auth: mode });
      proxy = await startFaultProxy({ upstream: rig.url, caFile: rig.caFile, dataDir: rig.dataDir });
      work = await mkdtemp(join(tmpdir(), 'flux-oci-matrix-'));
      direct = clientFor(rig);
      patient = clientFor(rig, { log: (l) => logs.push(l) });
      impatient = clientFor(rig, { log: (l) => logs.push(l), idleTimeoutMs: budget(1500), maxRetries: 2 });
      const src = await writeSource(work, 'base');
      await pushDirectory(direct, parseReference(`${proxy.host}/${repo}:v1`), src, { signal: signal() });
      await rm(src, { recursive: true });
    });
    after(async () => {
      for (const c of [direct, patient, impatient]) c?.close();
      await proxy?.stop();
      await rig?.stop();
      if (work) await rm(work, { recursive: true, force: true });
      const lines = [...seen.entries()].map(([k, v]) => `${v.padEnd(5)} ${k}`);
      console.log(`  fault matrix: ${lines.length} combinations\n    ${lines.join('\n    ')}`);
    });
    beforeEach(() => { proxy.rules.length = 0; });

    for (const op of OPERATIONS) {
      for (const fault of FAULTS) {
        for (const front of ['library', 'cli'] as const) {
          if (front === 'cli' && !op.cli) continue;
          const probe = fault.rules(op, front);
          if (!probe) continue;
          test(`${op.name} (${front}) × ${fault.name}`, async () => {
            const ctx: Ctx = { host: proxy.host, dir: await mkdtemp(join(work, 'run-')), id: randomUUID().slice(0, 8), direct, repo };
            await op.prepare?.(ctx);
            const from = proxy.requests.length;
            proxy.rules.push(...fault.rules(op, front)!);
            let failure: string | undefined;
            if (front === 'library') {
              try {
                await op.library(ctx, fault.impatient ? impatient : patient);
              } catch (error) {
                failure = error instanceof Error ? error.message : String(error);
                assert.ok(error instanceof Error, 'an Error, not a bare value');
              }
            } else {
              let stdout = '';
              let stderr = '';
              const creds = ['--creds', `${rig.username}:${rig.password}`, ...(fault.impatient ? ['--timeout', `${Math.round(budget(3000) / 1000)}s`] : [])];
              const code = await runRegistryCommand(op.cli!(ctx)[0], [...op.cli!(ctx).slice(1), ...creds],
                { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) }, AbortSignal.timeout(budget(120_000)));
              assert.ok(code === 0 || code === 1, `exit ${code}: ${stderr}`);
              if (code !== 0) {
                const lines = stderr.trimEnd().split('\n');
                const last = lines[lines.length - 1];
                assert.match(last, /^error: \S/, 'the last line of a failure is the message');
                assert.ok(!/\n\s+at /.test(stderr), `no stack trace:\n${stderr}`);
                failure = last;
              } else {
                assert.ok(stdout.length > 0 || op.name === 'tag', 'a successful verb prints its result');
              }
              logs.push(stdout, stderr);
            }
            proxy.rules.length = 0;
            const injected = proxy.requests.slice(from).filter((r) => r.fault).map((r) => r.fault!);
            assert.ok(injected.some((k) => k.startsWith(fault.fired)), `the fault fired (saw: ${injected.join(', ') || 'none'})`);
            if (fault.expect === 'ok') assert.equal(failure, undefined, `a retry should have succeeded: ${failure}`);
            else {
              assert.ok(failure, 'the operation reported the fault');
              assert.match(failure, fault.expect);
              assert.ok(failure.length < 600, 'one clear message, not a dump');
              assert.ok(!failure.includes(rig.password!), 'no secret in the message');
            }
            await op.verify(ctx, failure === undefined);
            seen.set(`${op.name} (${front}) × ${fault.name}`, failure === undefined ? 'retry' : 'msg');
            await rm(ctx.dir, { recursive: true, force: true });
          });
        }
      }
    }

    test('no log line or output of the whole matrix holds a secret', () => {
      assertLogsHoldNoSecrets(logs.filter((l) => l.length > 0), rig);
    });
  });
}
