// ParsedDocument.plainValue converts plain maps, lists and scalars itself and leaves the rest to
// yaml's Document.toJS: both must give the same data (values, keys, key order, prototypes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { YamlFile } from '../../server/src/language/documents';

const repo = resolve(__dirname, '..', '..');

/** The library's conversion, and whether it threw (alias problems are reported, not thrown). */
function library(file: YamlFile, i: number): { ok: boolean; value?: unknown } {
  try {
    return { ok: true, value: file.documents[i].parsed.yaml.toJS({ maxAliasCount: 100 }) };
  } catch {
    return { ok: false };
  }
}

const keyOrder = (a: unknown, b: unknown, at = '$'): void => {
  if (!a || typeof a !== 'object' || !b || typeof b !== 'object') return;
  assert.deepEqual(Object.keys(a), Object.keys(b), `key order at ${at}`);
  for (const k of Object.keys(a)) keyOrder((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}.${k}`);
};

function assertSame(text: string, label: string): number {
  const file = new YamlFile('file:///plain.yaml', text);
  file.documents.forEach((doc, i) => {
    const ours = doc.parsed.plainValue;
    const theirs = library(file, i);
    assert.equal(ours.ok, theirs.ok, `${label} document ${i}: converts`);
    if (ours.ok) {
      assert.deepStrictEqual(ours.value, theirs.value, `${label} document ${i}`);
      keyOrder(ours.value, theirs.value, `${label} document ${i}`);
    }
  });
  return file.documents.length;
}

test('edge cases: the same data as Document.toJS', () => {
  const cases = [
    'a: 1\nb: [1, 2, {c: d}]\nc: {}\nd: []\ne: null\nf: ~\ng: true\nh: 0x1F\ni: 1.5e3\nj: .inf\nk: "quoted"\nl: |\n  block\n',
    'a: &x {b: 1}\nc: *x\n',                  // anchors and aliases: the library's way
    'base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n', // merge keys
    '__proto__: 1\ntoString: 2\nconstructor: {a: 1}\n',
    'a: 1\na: 2\n',                           // duplicate keys (an error, still converted)
    '? [a, b]\n: 1\n',                        // a key that is a list
    '? {a: 1}\n: 2\n',
    '- [a: 1, b]\n',                          // a pair inside a flow list
    '!!set {a, b}\n',
    '- !!omap [a: 1, b: 2]\n',
    'x: !!binary aGVsbG8=\n',
    'x: !custom {a: 1}\ny: !other [1]\n',
    ': v\n',                                  // empty key
    'null: 1\n~: 2\n1: a\ntrue: b\n1.5: c\n',
    'x: 123456789012345678901234567890\n',
    '- a\n- - b\n  - c\n- {d: [e, {f: g}]}\n',
    '',
    '# only a comment\n',
    'just a scalar\n',
    'a: *missing\n',                          // unresolved alias: converting fails
  ];
  for (const [i, text] of cases.entries()) assertSame(text, `case ${i}`);
});

test('fixtures and examples: the same data as Document.toJS', () => {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (name === 'node_modules' || name.startsWith('.')) continue;
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.ya?ml$/.test(name)) files.push(path);
    }
  };
  for (const dir of ['test/fixtures', 'examples']) walk(join(repo, dir));
  let documents = 0;
  for (const path of files) documents += assertSame(readFileSync(path, 'utf8'), path);
  assert.ok(documents > 20, `only ${documents} documents found`);
});
