// Real manifests written by other people (../shared/corpus/real): no false errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { lintPaths } from '../../server/src/cli/lint';
import { YamlFile } from '../../server/src/language/documents';

const corpus = resolve(__dirname, '..', '..', '..', 'shared', 'corpus', 'real');
const skip = existsSync(join(corpus, 'VALIDATION.tsv')) ? false : 'needs ../shared/corpus/real';

interface Row { file: string; docIndex: number; kind: string; apiVersion: string; vsNewest: string }

function rows(): Row[] {
  const [header, ...lines] = readFileSync(join(corpus, 'VALIDATION.tsv'), 'utf8').trimEnd().split('\n');
  const cols = header.split('\t');
  return lines.map((line) => {
    const cells = line.split('\t');
    const get = (name: string) => cells[cols.indexOf(name)];
    return { file: get('file'), docIndex: Number(get('doc_index')), kind: get('kind'), apiVersion: get('apiVersion'), vsNewest: get('vs_newest_crds') };
  });
}

/** The line span (in file lines) of the doc_index-th document as the `yaml` package counts them. */
function documentLines(text: string, docIndex: number): [number, number] {
  const doc = parseAllDocuments(text)[docIndex];
  assert.ok(doc && 'range' in doc, `document ${docIndex} exists`);
  const before = (offset: number) => text.slice(0, offset).split('\n').length - 1;
  return [before(doc.range[0]), before(doc.range[2])];
}

// The corpus holds single files lifted out of their repositories: the sources they reference
// (the flux-system GitRepository that `flux bootstrap` creates, ExternalArtifacts made by other
// controllers) are not in it, so unresolved-reference warnings are off, as for a cluster-only source.
test('no error or warning on any document valid against the newest CRDs', { skip }, () => {
  const results = new Map(lintPaths([corpus], { unknownFields: 'warning', unresolvedReferences: 'off' }).map((r) => [r.path, r.findings]));
  const valid = rows().filter((r) => r.vsNewest === 'valid');
  assert.ok(valid.length > 100, `expected many valid documents, got ${valid.length}`);
  const noisy: string[] = [];
  for (const row of valid) {
    const path = join(corpus, row.file);
    const text = readFileSync(path, 'utf8');
    const [first, last] = documentLines(text, row.docIndex);
    const file = new YamlFile('file:///corpus', text);
    const ourDoc = file.documentAtLine(first);
    assert.equal(ourDoc?.parsed.identity?.kind, row.kind, `${row.file}#${row.docIndex} is the same document for us`);
    for (const f of results.get(path) ?? []) {
      if (f.range.start.line >= first && f.range.start.line <= last && (f.severity === 'error' || f.severity === 'warning')) {
        noisy.push(`${row.file}#${row.docIndex} ${f.code} ${f.message}`);
      }
    }
  }
  assert.deepEqual(noisy, []);
});

test('documents with a removed API version get a removed-version error', { skip }, () => {
  const results = new Map(lintPaths([corpus], { unknownFields: 'warning', unresolvedReferences: 'off' }).map((r) => [r.path, r.findings]));
  const removed = rows().filter((r) => /\/(v1beta1|v1beta2|v2beta1|v2beta2)$/.test(r.apiVersion) && r.apiVersion.includes('.toolkit.fluxcd.io') && !r.apiVersion.startsWith('image.') && !r.apiVersion.startsWith('notification.'));
  assert.ok(removed.length > 20);
  for (const row of removed) {
    const path = join(corpus, row.file);
    const [first, last] = documentLines(readFileSync(path, 'utf8'), row.docIndex);
    const inDoc = (results.get(path) ?? []).filter((f) => f.range.start.line >= first && f.range.start.line <= last && f.code === 'flux/removed-api-version');
    assert.equal(inDoc.length, 1, `${row.file}#${row.docIndex} ${row.apiVersion}`);
  }
});
