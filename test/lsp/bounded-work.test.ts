// A server that always answers: a workspace whose apply graph takes many slices of work is
// judged a slice at a time, and a hover sent while it is being judged is answered before the
// judging ends (an order, not a time). A workspace past the work budget gets one information
// diagnostic per file and a log line naming the file, and the server goes on answering.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, positionOf, type LspSession } from './lspClient';
import { eventually } from '../timing';
import { selfApplyingKustomization } from '../fixtures/pathological';

/** n Kustomizations in 20 folders, each applying the workspace root: every file applied n times over. */
function everyoneAppliesEverything(n: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < n; i++) {
    files[`d${i % 20}/k${i}.yaml`] = selfApplyingKustomization(`k${i}`, '{{ .fluxns }}');
  }
  return files;
}

/** Everything the server says, in the order it arrives. */
function recordEvents(session: LspSession): string[] {
  const events: string[] = [];
  session.conn.onNotification('window/logMessage', (params: { message: string }) => events.push(`log ${params.message}`));
  return events;
}

/** Waits until the server's index holds the n Kustomizations (workspace symbols come from it, not from the graph). */
async function waitForIndexing(session: LspSession, n: number): Promise<void> {
  await eventually(`the ${n} files to be indexed`, async () => (await session.workspaceSymbols('k')).length >= Math.min(n, 500), { timeoutMs: 120_000, intervalMs: 200 });
}

test('a hover sent while the apply graph is built in slices is answered before the build ends', { timeout: 300_000 }, async () => {
  const files = everyoneAppliesEverything(400);
  const session = await startServer({ files });
  try {
    const events = recordEvents(session);
    await waitForIndexing(session, 400);
    const text = files['d0/k0.yaml'];
    const diagnostics = session.nextDiagnostics('d0/k0.yaml', undefined, 240_000).then((d) => {
      events.push('diagnostics');
      return d;
    });
    void session.open('d0/k0.yaml', text).catch(() => undefined);
    await eventually('the apply graph build to start', () => events.some((e) => e.includes('Apply graph: building in slices')), { timeoutMs: 120_000, intervalMs: 1 });
    const hover = await session.hover('d0/k0.yaml', positionOf(text, 'interval'));
    events.push('hover');
    await diagnostics;
    await eventually('the build to end', () => events.some((e) => e.includes('Apply graph: built in')), { timeoutMs: 120_000 });
    assert.ok(hover, 'the hover is answered');
    const order = events.filter((e) => e === 'hover' || e === 'diagnostics' || e.includes('Apply graph: built in'));
    assert.equal(order[0], 'hover', `the hover came first: ${order.join(' | ')}`);
    // After the build the server still answers, and it judged the file fully.
    assert.ok(await session.hover('d0/k0.yaml', positionOf(text, 'prune')));
    assert.ok(!(await diagnostics).some((d) => d.code === 'flux-oci/not-fully-judged'));
  } finally {
    await session.close();
  }
});

test('past the work budget: one information diagnostic, a log line naming the file, and the server still answers', { timeout: 300_000 }, async () => {
  const files = everyoneAppliesEverything(1600);
  const session = await startServer({ files });
  try {
    const events = recordEvents(session);
    await waitForIndexing(session, 1600);
    const text = files['d3/k3.yaml'];
    const unjudged = session.nextDiagnostics('d3/k3.yaml', (d) => d.some((x) => x.code === 'flux-oci/not-fully-judged'), 240_000);
    await session.open('d3/k3.yaml', text).catch(() => undefined);
    const diagnostics = await unjudged;
    assert.deepEqual(diagnostics.map((d) => [d.code, d.severity]), [['flux-oci/not-fully-judged', 3]]);
    assert.match(diagnostics[0].message, /not fully judged: the apply graph of this workspace stopped at its limit of \d+ steps/);
    await eventually('the log to name the file', () => events.some((e) => /Not fully judged: file:\/\/.*d3\/k3\.yaml: the apply graph/.test(e)), { timeoutMs: 60_000 });
    assert.ok(await session.hover('d3/k3.yaml', positionOf(text, 'interval')));
    const symbols = await session.documentSymbols('d3/k3.yaml');
    assert.ok(symbols.length > 0);
  } finally {
    await session.close();
  }
});
