// Incremental edits of the document model must give exactly what a full re-split gives:
// random edits (markers typed and deleted, edits at the file's start and end, CRLF text)
// checked against vscode-languageserver-textdocument applying the same LSP changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Range } from '../../server/src/language/types';
import { splitDocuments, YamlFile, type TextChange } from '../../server/src/language/documents';
import { randomSource, randomText, randomChange, MARKER_PIECES } from './randomEdits';

function assertSameAsFullSplit(file: YamlFile, expected: string, context: string): void {
  assert.equal(file.text, expected, context);
  assert.equal(file.length, expected.length, context);
  const want = splitDocuments(expected);
  const got = file.documents.map((d) => ({ text: d.chunk.text, startOffset: d.chunk.startOffset, startLine: d.chunk.startLine }));
  assert.deepEqual(got, want.map((c) => ({ text: c.text, startOffset: c.startOffset, startLine: c.startLine })), context);
  file.documents.forEach((d, i) => {
    assert.equal(d.index, i, context);
    assert.equal(d.parsed.text, d.chunk.text, context);
  });
}

for (const eol of ['\n', '\r\n']) {
  test(`incremental edits equal a full re-split after random edits (${JSON.stringify(eol)} line ends)`, () => {
    const random = randomSource(eol === '\n' ? 11 : 29);
    for (let round = 0; round < 300; round++) {
      const initial = randomText(random, eol, MARKER_PIECES);
      const doc = TextDocument.create('file:///r.yaml', 'yaml', 1, initial);
      const file = new YamlFile('file:///r.yaml', initial);
      for (let step = 0; step < 12; step++) {
        // Several changes in one event apply in order; each is made against the text before it.
        const applied: TextChange[] = [];
        const before = doc.getText();
        for (let n = random(3) === 0 ? 2 : 1; n > 0; n--) {
          const change = randomChange(random, doc.getText(), eol, MARKER_PIECES);
          applied.push(change);
          TextDocument.update(doc, [change as { range: Range; text: string }], step + 2);
        }
        file.applyChanges(applied);
        const context = `round ${round} step ${step}: ${JSON.stringify(before)} ${JSON.stringify(applied)}`;
        assertSameAsFullSplit(file, doc.getText(), context);
        assert.equal(file.lineCount, doc.lineCount, context);
        let probe = random(doc.getText().length + 1);
        // Offsets between \r and \n name no position.
        if (doc.getText()[probe - 1] === '\r') probe--;
        assert.deepEqual(file.positionAt(probe), doc.positionAt(probe), context);
        assert.equal(file.offsetAt(doc.positionAt(probe)), probe, context);
      }
    }
  });
}

test('an edit re-parses only the document it touches; the others keep their parse and move', () => {
  const docs = Array.from({ length: 50 }, (_, i) => `a: ${i}\nb: ${i}\n`);
  const text = docs.join('---\n');
  const file = new YamlFile('file:///m.yaml', text);
  const before = file.documents.map((d) => d.parsed);
  const version = file.version;
  // Insert a line inside document 10.
  file.applyChanges([{ range: { start: { line: 31, character: 0 }, end: { line: 31, character: 0 } }, text: 'c: new\n' }]);
  const after = file.documents.map((d) => d.parsed);
  assert.equal(after.length, 50);
  after.forEach((p, i) => (i === 10 ? assert.notEqual(p, before[i]) : assert.equal(p, before[i])));
  assert.deepEqual(file.changedSince(version), { from: 10, oldEnd: 11, newEnd: 11, fromLine: 29, oldEndLine: 32, newEndLine: 33 });
  assert.equal(file.documents[11].chunk.startLine, 33);
  // Typing a marker splits the document in two; deleting it joins them again.
  file.applyChanges([{ range: { start: { line: 32, character: 0 }, end: { line: 32, character: 0 } }, text: '---\n' }]);
  assert.equal(file.documents.length, 51);
  assertSameAsFullSplit(file, splitDocuments(file.text).map((c) => c.text).join(''), 'split');
  file.applyChanges([{ range: { start: { line: 32, character: 0 }, end: { line: 33, character: 0 } }, text: '' }]);
  assert.equal(file.documents.length, 50);
  assert.equal(file.documents[12].parsed, before[12]);
});

test('changedSince merges the spans of several updates and gives up on versions it no longer has', () => {
  const text = Array.from({ length: 20 }, (_, i) => `n: ${i}\n`).join('---\n');
  const file = new YamlFile('file:///s.yaml', text);
  const v = file.version;
  file.applyChanges([{ range: { start: { line: 2, character: 3 }, end: { line: 2, character: 4 } }, text: '9' }]);
  file.applyChanges([{ range: { start: { line: 20, character: 3 }, end: { line: 20, character: 4 } }, text: '8' }]);
  const merged = file.changedSince(v);
  assert.deepEqual([merged?.from, merged?.oldEnd, merged?.newEnd], [1, 11, 11]);
  const none = file.changedSince(file.version);
  assert.equal(none?.from === none?.oldEnd && none?.from === none?.newEnd, true);
  for (let i = 0; i < 100; i++) file.applyChanges([{ range: { start: { line: 0, character: 3 }, end: { line: 0, character: 4 } }, text: String(i % 10) }]);
  assert.equal(file.changedSince(v), undefined);
});
