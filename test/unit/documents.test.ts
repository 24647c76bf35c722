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
