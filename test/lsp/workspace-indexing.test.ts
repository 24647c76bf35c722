// Over real stdio: a 10,000-file workspace is indexed in the background while requests are
// answered; once indexing is done, references into those files resolve.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type LspSession } from './lspClient';

let lsp: LspSession | undefined;
after(async () => { await lsp?.close(); });

const FILES = 10000;

function workspaceFile(i: number): string {
  return `apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: svc-${i}\n  namespace: team-${i % 50}\nspec:\n  interval: 5m\n  url: oci://registry.example.com/team/svc-${i}\n  ref:\n    tag: v1\n`;
}

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
  for (let i = 0; i < FILES; i++) files[`team-${i % 50}/svc-${i}.yaml`] = workspaceFile(i);
  lsp = await startServer({ files, settings: { references: { unresolved: 'warning' } } });
  const session = lsp;
  let indexedLog: string | undefined;
  const indexed = new Promise<void>((resolve) => {
    session.conn.onNotification('window/logMessage', (p: { message: string }) => {
      if (/^Indexed \d+ YAML files/.test(p.message)) {
        indexedLog = p.message;
        resolve();
      }
    });
  });
  void session.open('app.yaml', OPEN);
  // Ask for hovers one after another until indexing is done.
  const answeredWhileIndexing: number[] = [];
  let done = false;
  void indexed.then(() => { done = true; });
  while (!done) {
    const started = performance.now();
    const hover = await session.hover('app.yaml', { line: 6, character: 4 });
    if (!done) answeredWhileIndexing.push(performance.now() - started);
    assert.match(JSON.stringify(hover?.contents), /interval/i);
  }
  assert.ok(answeredWhileIndexing.length >= 3, `only ${answeredWhileIndexing.length} hovers answered while indexing (${indexedLog})`);
  assert.match(indexedLog ?? '', new RegExp(`^Indexed ${FILES} YAML files`));
  // With the index complete, the sourceRef resolves: no unresolved-reference warning.
  const final = await session.nextDiagnostics('app.yaml', (d) => !d.some((x) => x.code === 'flux/ref-not-found'), 120000).catch(() => session.lastDiagnostics('app.yaml'));
  assert.deepEqual(final?.filter((x) => x.code === 'flux/ref-not-found'), []);
});
