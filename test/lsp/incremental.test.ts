// Over real stdio: diagnostics after random ranged edits (markers typed and deleted, edits at
// the start and end, CRLF) equal the diagnostics of the same text opened afresh in a second
// server; and a big file's open does not hold up requests.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { startServer, type LspSession } from './lspClient';
import { randomSource, randomChange } from '../unit/randomEdits';
import type { Range } from '../../server/src/language/types';

const sessions: LspSession[] = [];
after(async () => { await Promise.all(sessions.map((s) => s.close())); });

const FLUX_PIECES = [
  '---', '--- # next', '...', 'apiVersion: source.toolkit.fluxcd.io/v1', 'kind: OCIRepository', 'kind: Kustomization',
  'apiVersion: kustomize.toolkit.fluxcd.io/v1', 'metadata:', '  name: app', '  name: other', '  namespace: flux-system',
  'spec:', '  interval: 5m', '  interval: 5 minutes', '  url: oci://ghcr.io/org/app', '  provider: ibm', '  bogus: 1',
  '  sourceRef:', '    kind: OCIRepository', '    name: app', '  path: ./deploy', '  prune: true', '# comment', '',
];

function fluxText(eol: string): string {
  const docs: string[] = [];
  for (let i = 0; i < 12; i++) {
    docs.push(i % 2 === 0
      ? ['apiVersion: source.toolkit.fluxcd.io/v1', 'kind: OCIRepository', 'metadata:', `  name: svc-${i}`, 'spec:', `  interval: ${i % 4 === 0 ? '5 minutes' : '5m'}`, `  url: oci://ghcr.io/org/svc-${i}`].join(eol)
      : ['apiVersion: kustomize.toolkit.fluxcd.io/v1', 'kind: Kustomization', 'metadata:', `  name: svc-${i}`, 'spec:', '  interval: 10m', '  path: ./deploy', '  prune: true', '  sourceRef:', '    kind: OCIRepository', `    name: svc-${i - 1}`].join(eol));
  }
  return docs.join(`${eol}---${eol}`) + eol;
}

const key = (d: Diagnostic) => `${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character} ${d.code} ${d.message}`;

for (const eol of ['\n', '\r\n']) {
  test(`diagnostics after random ranged edits equal a fresh open of the same text (${JSON.stringify(eol)})`, async () => {
    const [edited, fresh] = await Promise.all([startServer(), startServer()]);
    sessions.push(edited, fresh);
    const random = randomSource(eol === '\n' ? 5 : 17);
    const rel = 'flux.yaml';
    const uri = edited.uri(rel);
    let doc = TextDocument.create(uri, 'yaml', 1, fluxText(eol));
    await edited.open(rel, doc.getText());
    for (let step = 0; step < 40; step++) {
      const changes = Array.from({ length: random(4) === 0 ? 2 : 1 }, () => undefined).map(() => {
        const change = randomChange(random, doc.getText(), eol, FLUX_PIECES) as { range: Range; text: string };
        doc = TextDocument.update(doc, [change], doc.version + 1);
        return change;
      });
      const version = doc.version;
      const published = edited.nextDiagnostics(rel, (_d, v) => v === version, 30000);
      edited.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: changes });
      const got = (await published).map(key);
      const reference = `fresh-${step}.yaml`;
      const want = (await fresh.open(reference, doc.getText())).map(key);
      // The server drops a closed file from its index before it clears its diagnostics: wait for
      // that, or the next reference text would be checked against this one's objects.
      const cleared = fresh.nextDiagnostics(reference, (d) => d.length === 0, 30000);
      fresh.conn.sendNotification('textDocument/didClose', { textDocument: { uri: fresh.uri(reference) } });
      await cleared;
      assert.deepEqual(got, want, `step ${step}: ${JSON.stringify(changes)}\n${doc.getText()}`);
    }
  });
}

test('hover and completion sent right after opening a 20,000-document file are answered before its diagnostics', async () => {
  const { generateFluxFile } = await import('../../bench/generate.mjs') as { generateFluxFile: (n: number) => string };
  const text = generateFluxFile(20000);
  const lsp = await startServer();
  sessions.push(lsp);
  const rel = 'big.yaml';
  const uri = lsp.uri(rel);
  const order: string[] = [];
  const diagnostics = lsp.nextDiagnostics(rel, (d) => d.length > 0, 600000).then((d) => { order.push('diagnostics'); return d; });
  lsp.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text } });
  // Line 6 is `  interval: 5m` of the first OCIRepository.
  const hover = lsp.hover(rel, { line: 6, character: 4 }).then((h) => { order.push('hover'); return h; });
  const completion = lsp.completion(rel, { line: 6, character: 2 }).then((c) => { order.push('completion'); return c; });
  const [h, c, d] = await Promise.all([hover, completion, diagnostics]);
  assert.deepEqual(order, ['hover', 'completion', 'diagnostics']);
  assert.match(JSON.stringify(h?.contents), /interval/i);
  assert.ok(c.some((item) => item.label === 'layerSelector'), `completion offers spec fields: ${c.map((i) => i.label).join(', ')}`);
  assert.equal(d.length, 4000);
});
