// Live registry intelligence (tag completion and live diagnostics, over real LSP stdio) under
// registry faults injected by the fault proxy in front of the real TLS + htpasswd registry, with
// the user signed in over fluxOci/setCredentials. Each fault ends in a retry that succeeds (the
// right diagnostic, the real tags) or — while it lasts — in silence: no crash, no diagnostic
// about the fault, no flood of publishes; once it clears, the server recovers by itself (no edit).
// Each case uses its own repository so that no cached answer hides the fault.
import { describe, test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import type { CompletionItem } from 'vscode-languageserver-protocol';
import { startRegistry, type RegistryRig } from './rig';
import { startFaultProxy, type FaultProxy, type FaultRule } from './faultProxy';
import { clientFor } from './helpers';
import { pushFluxArtifact } from './liveSeed';
import { startLiveServer, live, liveCodes, countPublishes, until, diagnosticsWhen } from './liveHelpers';
import { positionOf, type LspSession } from '../lsp/lspClient';
import { budget } from '../timing';

interface LiveFault {
  name: string;
  rules(repo: string): FaultRule[];
  /** 'ok': a retry succeeds while the fault is on; 'quiet': nothing is reported until it clears. */
  expect: 'ok' | 'quiet';
  fired: string;
  /** Codes allowed while a persistent fault is on (a 404 on the tag list is a missing repository). */
  allowed?: string[];
}

const tags = (repo: string) => new RegExp(`^/v2/${repo}/tags/list$`);
const LIVE_FAULTS: LiveFault[] = [
  {
    name: 'a 429 storm with Retry-After',
    rules: (r) => [
      { method: 'GET', path: tags(r), fault: { kind: 'status', status: 429, retryAfter: '1' }, times: 1 },
      { method: 'GET', path: tags(r), fault: { kind: 'status', status: 429, retryAfter: '0' }, times: 3 },
    ],
    expect: 'ok', fired: 'status',
  },
  { name: '503, 502 and 504 in a row', rules: (r) => [503, 502, 504].map((status) => ({ method: 'GET', path: tags(r), fault: { kind: 'status' as const, status }, times: 1 })), expect: 'ok', fired: 'status' },
  { name: '401 after the credentials expired', rules: (r) => [{ path: tags(r), fault: { kind: 'expired-token' }, times: 1 }], expect: 'ok', fired: 'expired-token' },
  { name: 'a connection reset mid-body', rules: (r) => [{ method: 'GET', path: tags(r), fault: { kind: 'reset-mid-body' }, times: 1 }], expect: 'ok', fired: 'reset' },
  { name: 'a 500 that persists', rules: (r) => [{ method: 'GET', path: tags(r), fault: { kind: 'status', status: 500 } }], expect: 'quiet', fired: 'status' },
  { name: '403 forbidden until it clears', rules: (r) => [{ method: 'GET', path: tags(r), fault: { kind: 'status', status: 403 } }], expect: 'quiet', fired: 'status', allowed: ['live/auth-required'] },
  { name: '404 on the tag list until it clears', rules: (r) => [{ method: 'GET', path: tags(r), fault: { kind: 'status', status: 404 } }], expect: 'quiet', fired: 'status', allowed: ['live/repository-not-found'] },
  { name: 'resets that never stop', rules: (r) => [{ method: 'GET', path: tags(r), fault: { kind: 'reset-mid-body' } }], expect: 'quiet', fired: 'reset' },
];

const doc = (host: string, repo: string, name: string) => `apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: ${name}
  namespace: flux-system
spec:
  interval: 5m
  url: oci://${host}/${repo}
  ref:
    tag: v9.9.9
`;

const liveTags = (items: CompletionItem[]) => items.filter((i) => (i.data as { live?: string } | undefined)?.live === 'tag').map((i) => i.label).sort();

describe('live features under registry faults (LSP stdio, TLS + htpasswd behind the fault proxy)', { timeout: budget(600_000) }, () => {
  let rig: RegistryRig;
  let proxy: FaultProxy;
  let lsp: LspSession;
  const summary: string[] = [];
  let n = 0;

  before(async () => {
    rig = await startRegistry({ auth: 'basic-tls' });
    const client = clientFor(rig);
    try {
      for (let i = 0; i < LIVE_FAULTS.length * 2; i++) await pushFluxArtifact(client, rig.host, `live/f${i}`, ['v1.0.0', 'v1.1.0']);
    } finally {
      client.close();
    }
    proxy = await startFaultProxy({ upstream: rig.url, caFile: rig.caFile, dataDir: rig.dataDir });
    lsp = await startLiveServer({ registry: { cacheTtlSeconds: 600 } });
    await lsp.conn.sendRequest('fluxOci/setCredentials', { credentials: [{ registry: proxy.host, username: rig.username, secret: rig.password }] });
  });
  after(async () => {
    await lsp?.close();
    await proxy?.stop();
    await rig?.stop();
    console.log(`  live fault matrix: ${summary.length} combinations\n    ${summary.join('\n    ')}`);
  });
  beforeEach(() => { proxy.rules.length = 0; });

  for (const fault of LIVE_FAULTS) {
    for (const feature of ['diagnostics', 'completion'] as const) {
      test(`live ${feature} × ${fault.name}`, async () => {
        const repo = `live/f${n++}`;
        const rel = `${repo.replace('/', '-')}.yaml`;
        const text = doc(proxy.host, repo, repo.replace('/', '-'));
        const from = proxy.requests.length;
        proxy.rules.push(...fault.rules(repo));
        const fired = () => proxy.requests.slice(from).some((r) => r.fault?.startsWith(fault.fired));
        const wanted = (d: ReturnType<typeof live>) => liveCodes(d).join() === '9:live/tag-not-found';
        if (feature === 'diagnostics') {
          await lsp.open(rel, text);
          if (fault.expect === 'ok') {
            await diagnosticsWhen(lsp, rel, wanted, budget(60_000));
          } else {
            await until('the fault fired', fired, budget(30_000));
            const publishes = await countPublishes(lsp, rel, budget(2500));
            assert.ok(publishes <= 2, `publishes while the fault lasted: ${publishes}`);
            const codes = live(lsp.lastDiagnostics(rel)).map((d) => String(d.code));
            assert.ok(codes.every((c) => fault.allowed?.includes(c)), `no diagnostic about the fault: ${codes}`);
            for (const d of live(lsp.lastDiagnostics(rel))) assert.ok(!/\bat \S+:\d+:\d+|ECONN|socket hang up/i.test(d.message) && d.message.length < 400, `one clear message: ${d.message}`);
            proxy.rules.length = 0;
            await diagnosticsWhen(lsp, rel, wanted, budget(90_000));
          }
        } else {
          await lsp.open(rel, text);
          const position = positionOf(text, 'tag: v9', 5);
          const items = await lsp.completion(rel, position);
          if (fault.expect === 'ok') {
            assert.deepEqual(liveTags(items), ['v1.0.0', 'v1.1.0'], 'the retry gave the real tags');
          } else {
            assert.deepEqual(liveTags(items), [], 'no registry tags while the fault lasts (and no error)');
            await until('the fault fired', fired, budget(30_000));
            proxy.rules.length = 0;
            // Recovers by itself: the back-off retry refills the cache, completion then offers the tags.
            const deadline = Date.now() + budget(90_000);
            for (;;) {
              const again = liveTags(await lsp.completion(rel, position));
              if (again.length > 0) {
                assert.deepEqual(again, ['v1.0.0', 'v1.1.0']);
                break;
              }
              assert.ok(Date.now() < deadline, 'completion recovered after the fault cleared');
              await new Promise((r) => setTimeout(r, 200));
            }
          }
        }
        assert.ok(fired(), 'the fault fired');
        assert.equal(lsp.proc.exitCode, null, 'the server is alive');
        summary.push(`${fault.expect === 'ok' ? 'retry' : 'quiet'} live ${feature} × ${fault.name}`);
      });
    }
  }
});
