// Over real stdio: a 10,000-file workspace is indexed in the background while requests are
// answered; once indexing is done, references into those files resolve.
//
// The test judges states and order, never speed, so neither a fast nor a slow machine decides it:
// - The server's answers and notifications come over one stream in the order it sent them, so a
//   hover whose answer arrives before the "Indexed N YAML files" log was answered before indexing
//   ended. It was asked after indexing began: the server starts indexing as soon as it has its
//   settings (onInitialized: pull them, then index), and startServer() returns only once the
//   client has answered that pull.
// - A workspace-symbol answer that holds some but not all of the objects of one namespace shows a
//   request answered between two files being indexed. The files sit in one folder, so the only
//   places indexing can let a request in are its own slices (not the reading of each folder).
// A server whose indexing holds requests up answers them only after the log, with every object
// in the index; one that answers between slices answers within a slice (a few ms), long before
// 10,000 files are read and parsed, and keeps answering while they are.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type LspSession } from './lspClient';
import { eventually } from '../timing';

let lsp: LspSession | undefined;
after(async () => { await lsp?.close(); });

const FILES = 10000;

function workspaceFile(i: number): string {
  return `apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: svc-${i}\n  namespace: team-${i % 50}\nspec:\n  interval: 5m\n  url: oci://registry.example.com/team/svc-${i}\n  ref:\n    tag: v1\n`;
}

/**
 * A workspace-symbol query for the objects of one namespace: every 50th file, so they are spread
 * over the folder whichever order it is read in (by name, by creation, by hash).
 */
const PROBE = 'team-7/';
const PROBED = Array.from({ length: FILES }, (_, i) => i).filter((i) => i % 50 === 7).length;

const OPEN = `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: app
  namespace: team-1
spec:
  interval: 10m
  path: ./deploy
  prune: true
  sourceRef:
    kind: OCIRepository
    name: svc-${FILES - 49}
`;

test(`requests are answered while ${FILES} workspace files are indexed in the background`, async () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < FILES; i++) files[`svc-${i}.yaml`] = workspaceFile(i);
  lsp = await startServer({ files, settings: { references: { unresolved: 'warning' } } });
  const session = lsp;
  // What arrived from the server, in the order it arrived: answered hovers, how many probed objects
  // each workspace-symbol answer held, and the end of indexing. (The connection handles one
  // message per turn of the event loop, so the continuations below run before the next message.)
  const arrivals: string[] = [];
  let indexedLog: string | undefined;
  const indexed = new Promise<void>((resolve) => {
    session.conn.onNotification('window/logMessage', (p: { message: string }) => {
      if (/^Indexed \d+ YAML files/.test(p.message)) {
        indexedLog = p.message;
        arrivals.push('indexed');
        resolve();
      }
    });
  });
  void session.open('app.yaml', OPEN);
  // Requests one after another until indexing is done (each waits for its answer).
  const partlyIndexed: number[] = [];
  while (indexedLog === undefined) {
    const hover = await session.hover('app.yaml', { line: 6, character: 4 });
    assert.match(JSON.stringify(hover?.contents), /interval/i);
    arrivals.push('hover');
    const found = (await session.workspaceSymbols(PROBE)).length;
    arrivals.push(`symbols:${found}`);
    if (indexedLog === undefined && found > 0 && found < PROBED) partlyIndexed.push(found);
  }
  await indexed;
  const summary = `${indexedLog}; arrivals: ${arrivals.slice(0, 40).join(', ')}${arrivals.length > 40 ? ', …' : ''}`;
  const firstHover = arrivals.indexOf('hover');
  assert.ok(firstHover >= 0 && firstHover < arrivals.indexOf('indexed'),
    `no hover was answered before the server logged the end of indexing: indexing held up the requests sent while it ran (${summary})`);
  assert.ok(partlyIndexed.length > 0,
    `no request was answered between two files being indexed: no workspace-symbol answer held some but not all ${PROBED} objects of namespace ${PROBE.slice(0, -1)} (${summary})`);
  assert.match(indexedLog ?? '', new RegExp(`^Indexed ${FILES} YAML files`));
  assert.equal((await session.workspaceSymbols(PROBE)).length, PROBED, 'once indexed, the probe finds every object it names');
  // With the index complete, the sourceRef resolves: no unresolved-reference warning. (The
  // diagnostics published after indexing may have come already: the last ones count.)
  await eventually('diagnostics of app.yaml without an unresolved reference',
    () => session.lastDiagnostics('app.yaml')?.every((x) => x.code !== 'flux/ref-not-found'),
    { timeoutMs: 120_000, describe: () => JSON.stringify(session.lastDiagnostics('app.yaml')?.map((d) => d.message)) });
});
