// The real-manifest corpus (../shared/corpus/real, skipped when absent), one workspace per
// corpus folder, with the files put back at their repository paths (the corpus flattens `/`
// to `__`). What it checks:
// - each document with a removed API version gets exactly one flux/removed-api-version
//   diagnostic and nothing else, and its migration fix yields a document without problems;
// - documents VALIDATION.tsv marks valid against the newest CRDs get no error or warning;
// - the other documents (mostly kustomize patch files whose kustomization.yaml is not in the
//   corpus, so they cannot be recognised as patches) get nothing beyond the schema's
//   "missing required field".
// Unresolved-reference warnings are switched off (fluxOci.references.unresolved: off): the
// corpus holds excerpts of repositories whose sources (e.g. the flux-system GitRepository that
// `flux bootstrap` writes into gotk-sync.yaml) are not part of the excerpt, as happens for
// sources that live only in the cluster.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseDocument } from 'yaml';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { REPO_ROOT, startServer } from './lspClient';
import { splitDocuments } from '../../server/src/language/documents';
import { applyFix, problems, settled } from './rules-helpers';

const CORPUS = join(REPO_ROOT, '..', 'shared', 'corpus', 'real');

interface Verdict { status: string; apiVersion: string }

function readVerdicts(): Map<string, Verdict> {
  const verdicts = new Map<string, Verdict>();
  const [header, ...rows] = readFileSync(join(CORPUS, 'VALIDATION.tsv'), 'utf8').trim().split('\n').map((l) => l.split('\t'));
  const col = (name: string) => header.indexOf(name);
  for (const row of rows) verdicts.set(`${row[col('file')]}#${row[col('doc_index')]}`, { status: row[col('vs_newest_crds')], apiVersion: row[col('apiVersion')] });
  return verdicts;
}

/** The index of the document a line belongs to. */
function documentOfLine(text: string, line: number): number {
  const chunks = splitDocuments(text);
  let found = 0;
  chunks.forEach((c, i) => { if (c.startLine <= line) found = i; });
  return found;
}

/** A partial object (kustomize patch): a Flux object without spec.interval. */
function isPartial(text: string, documentIndex: number): boolean {
  const chunk = splitDocuments(text)[documentIndex];
  const value = parseDocument(chunk.text).toJS() as { spec?: { interval?: unknown } } | null;
  return value?.spec?.interval === undefined;
}

const describe = (d: Diagnostic) => `${d.code} @${d.range.start.line + 1}: ${d.message}`;

test('real corpus: removed versions migrate, nothing else is added', { skip: !existsSync(join(CORPUS, 'VALIDATION.tsv')) && 'corpus not present', timeout: 600000 }, async () => {
  const verdicts = readVerdicts();
  let migrated = 0;
  let checkedValid = 0;
  for (const folder of readdirSync(CORPUS).filter((f) => !f.endsWith('.tsv')).sort()) {
    const root = mkdtempSync(join(tmpdir(), 'flux-oci-corpus-'));
    const files = new Map<string, string>();
    for (const flat of readdirSync(join(CORPUS, folder))) {
      const path = flat.replace(/__/g, '/');
      const text = readFileSync(join(CORPUS, folder, flat), 'utf8');
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
      files.set(path, `${folder}/${flat}`);
    }
    const session = await startServer({ root, settings: { references: { unresolved: 'off' } } });
    try {
      for (const [path, corpusName] of files) {
        await session.open(path, readFileSync(join(root, path), 'utf8'));
        const diagnostics = await settled(session, path);
        const text = session.text(path);
        const byDoc = new Map<number, Diagnostic[]>();
        for (const d of diagnostics) {
          const i = documentOfLine(text, d.range.start.line);
          byDoc.set(i, [...(byDoc.get(i) ?? []), d]);
        }
        const where = `${corpusName}`;
        for (let i = 0; i < splitDocuments(text).length; i++) {
          const verdict = verdicts.get(`${corpusName}#${i}`);
          const found = problems(byDoc.get(i) ?? []);
          const removed = found.filter((d) => d.code === 'flux/removed-api-version');
          if (verdict?.status === 'no-schema') {
            assert.equal(removed.length, 1, `${where}#${i} (${verdict.apiVersion}) has one removed-version diagnostic: ${found.map(describe)}`);
            assert.deepEqual(found.filter((d) => d !== removed[0]).map(describe), [], `${where}#${i}: nothing else`);
          } else {
            assert.deepEqual(removed.map(describe), [], `${where}#${i}: no removed-version diagnostic`);
            if (verdict?.status === 'valid') {
              checkedValid++;
              assert.deepEqual(found.map(describe), [], `${where}#${i} is valid, so nothing is reported`);
            } else {
              assert.deepEqual(found.filter((d) => d.code !== 'schema/required').map(describe), [], `${where}#${i}: only the schema's required-field check`);
            }
          }
        }
        // Migrate every removed-version document of the file, one fix at a time.
        for (let round = 0; round < 20; round++) {
          const current = await settled(session, path);
          const next = current.find((d) => d.code === 'flux/removed-api-version');
          if (!next) break;
          const doc = documentOfLine(session.text(path), next.range.start.line);
          await applyFix(session, path, next, /^Migrate to /);
          const after = session.text(path);
          const left = problems(await settled(session, path)).filter((d) => documentOfLine(after, d.range.start.line) === doc);
          const allowed = isPartial(after, doc) ? left.filter((d) => d.code !== 'schema/required') : left;
          assert.deepEqual(allowed.map(describe), [], `${where}#${doc} validates after migration:\n${splitDocuments(after)[doc].text}`);
          migrated++;
        }
      }
    } finally {
      await session.close();
      rmSync(root, { recursive: true, force: true });
    }
  }
  const expected = [...verdicts.values()].filter((v) => v.status === 'no-schema').length;
  assert.equal(migrated, expected, 'every removed-version document was migrated');
  assert.ok(checkedValid > 100, `checked ${checkedValid} valid documents`);
});
