// Every whole-document snippet, with its placeholders filled by their defaults, lints clean:
// no flux-oci diagnostics at all, including the cross-reference rules (each snippet pair must
// point at its own objects).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type LspSession } from './lspClient';
import { DOCUMENT_SNIPPETS, expandSnippet } from '../../server/src/language/snippets';

let lsp: LspSession;
before(async () => { lsp = await startServer(); });
after(async () => { await lsp.close(); });

test('expandSnippet fills defaults, first choices and mirrors', () => {
  assert.equal(expandSnippet('a: ${1:x}\nb: $1\nc: ${2|p,q|}\nd: \\$HOME $0'), 'a: x\nb: x\nc: p\nd: $HOME ');
});

test('the server offers exactly these snippets at the start of a document', async () => {
  await lsp.open('empty.yaml', '');
  const items = await lsp.completion('empty.yaml', { line: 0, character: 0 });
  const offered = items.filter((i) => i.kind === 15).map((i) => (i.textEdit && 'newText' in i.textEdit ? i.textEdit.newText : ''));
  assert.deepEqual(offered, DOCUMENT_SNIPPETS.map((s) => s.body));
  assert.equal(DOCUMENT_SNIPPETS.length, 6);
});

for (const [i, snippet] of DOCUMENT_SNIPPETS.entries()) {
  test(`snippet lints clean once filled: ${snippet.label}`, async () => {
    const text = expandSnippet(snippet.body);
    assert.ok(!/\$\{|\$\d/.test(text), `unfilled placeholder in ${text}`);
    // Each snippet alone in a fresh workspace: snippets share default names, and a user inserts one.
    const alone = await startServer();
    try {
      const diagnostics = await alone.open(`snippet-${i}.yaml`, text);
      const ours = diagnostics.filter((d) => d.source === 'flux-oci');
      assert.deepEqual(ours.map((d) => `${d.code}: ${d.message}`), [], text);
    } finally {
      await alone.close();
    }
  });
}
