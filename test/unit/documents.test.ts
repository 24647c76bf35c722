import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitDocuments, YamlFile } from '../../server/src/language/documents';

const texts = (t: string) => splitDocuments(t).map((c) => c.text);

test('splits at --- and keeps each chunk at a line start', () => {
  const chunks = splitDocuments('a: 1\n---\nb: 2\n--- # second\nc: 3\n');
  assert.deepEqual(chunks.map((c) => [c.startLine, c.text]), [[0, 'a: 1\n'], [1, '---\nb: 2\n'], [3, '--- # second\nc: 3\n']]);
});

test('a --- that is not at column 0 or is followed by text is not a marker', () => {
  const text = 'script: |\n  echo\n  ---\n  done\n---x: 1\n';
  assert.equal(splitDocuments(text).length, 1);
});

test('... ends a document; the next starts after it', () => {
  assert.deepEqual(texts('a: 1\n...\nb: 2\n'), ['a: 1\n...\n', 'b: 2\n']);
  assert.deepEqual(texts('a: 1\n... # end\n---\nb: 2\n'), ['a: 1\n... # end\n', '---\nb: 2\n']);
});

test('CRLF line ends, BOM and directives', () => {
  assert.deepEqual(texts('a: 1\r\n---\r\nb: 2\r\n'), ['a: 1\r\n', '---\r\nb: 2\r\n']);
  assert.deepEqual(texts('\uFEFF---\na: 1\n---\nb: 2\n'), ['\uFEFF---\na: 1\n', '---\nb: 2\n']);
  assert.deepEqual(texts('%YAML 1.2\n---\na: 1\n'), ['%YAML 1.2\n---\na: 1\n']);
  assert.deepEqual(texts('---'), ['---']);
  assert.deepEqual(texts(''), []);
});

test('YamlFile re-parses only documents whose text changed', () => {
  const file = new YamlFile('file:///x.yaml', 'a: 1\n---\nb: 2\n---\nc: 3\n');
  const [first, second, third] = file.documents.map((d) => d.parsed);
  file.update('a: 1\n---\nb: 5\n---\nc: 3\n');
  assert.equal(file.documents[0].parsed, first);
  assert.notEqual(file.documents[1].parsed, second);
  assert.equal(file.documents[2].parsed, third);
  assert.equal(file.documentAtLine(2)?.index, 1);
});

/** The plain line-by-line splitter the marker search replaced; the two must always agree. */
function splitByLines(text: string): { text: string; startLine: number; startOffset: number }[] {
  const isMarker = (line: string, marker: string) =>
    line.startsWith(marker) && (line.length === 3 || line[3] === ' ' || line[3] === '\t' || line[3] === '\r' || line[3] === '\n');
  const prologue = (chunk: string) => {
    let directive = false;
    for (const raw of chunk.split('\n')) {
      const line = raw.replace(/^\uFEFF/, '').trim();
      if (line.startsWith('%')) directive = true;
      else if (line !== '' && !line.startsWith('#')) return false;
    }
    return directive;
  };
  const chunks: { text: string; startLine: number; startOffset: number }[] = [];
  let chunkStart = 0;
  let chunkLine = 0;
  const close = (end: number, nextStart: number, nextLine: number) => {
    if (end > chunkStart) chunks.push({ text: text.slice(chunkStart, end), startOffset: chunkStart, startLine: chunkLine });
    chunkStart = nextStart;
    chunkLine = nextLine;
  };
  for (let offset = 0, line = 0; offset < text.length; line++) {
    const newline = text.indexOf('\n', offset);
    const lineEnd = newline === -1 ? text.length : newline + 1;
    let content = text.slice(offset, Math.min(lineEnd, offset + 4));
    if (line === 0 && content.startsWith('\uFEFF')) content = text.slice(offset + 1, Math.min(lineEnd, offset + 5));
    if (isMarker(content, '---')) {
      if (offset > chunkStart && !prologue(text.slice(chunkStart, offset))) close(offset, offset, line);
    } else if (isMarker(content, '...')) close(lineEnd, lineEnd, line + 1);
    offset = lineEnd;
  }
  close(text.length, text.length, 0);
  return chunks;
}

test('the marker search splits exactly like a line-by-line scan (random texts)', () => {
  const pieces = ['---', '...', '--- # c', '---x', '....', ' ---', '\t...', 'a: 1', '# note', '%YAML 1.2', '', '  ---', 'k: |', '\uFEFF---', '-- -', '---\t'];
  let seed = 7;
  const random = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return (seed >>> 12) % n; };
  for (let round = 0; round < 3000; round++) {
    const lines = Array.from({ length: random(12) }, () => pieces[random(pieces.length)]);
    const newline = random(3) === 0 ? '\r\n' : '\n';
    const text = (random(2) ? '\uFEFF' : '') + lines.join(newline) + (random(2) ? newline : '');
    assert.deepEqual(splitDocuments(text), splitByLines(text), JSON.stringify(text));
  }
});
