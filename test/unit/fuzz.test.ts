// Property tests (fast-check) over the language core with random, mutated and real YAML:
//  - no exception escapes lint, workspace rules, quick fixes, completion or hover;
//  - every range they return lies inside its document;
//  - after any sequence of edits through the incremental model (YamlFile + WorkspaceIndex, with
//    every cache warm), the findings and index entries equal those of a fresh full check.
// Bounded in npm test; FLUX_OCI_FUZZ_RUNS=2000 (or more) for a long run, FLUX_OCI_FUZZ_SEED to replay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { WorkspaceIndex } from '../../server/src/language/workspaceIndex';
import { defaultLintContext, lintFile, type LintContext } from '../../server/src/language/lint';
import { workspaceFindings } from '../../server/src/language/rules';
import { quickFixesFor } from '../../server/src/language/rules/fixes';
import { complete } from '../../server/src/language/completion';
import { hover } from '../../server/src/language/hover';
import type { Finding } from '../../server/src/language/types';
import { applyEdit, editArb, fuzzRuns, mutatedYaml, randomYaml, rangeProblem, seedTexts } from './fuzz-corpus';

const KUSTOMIZE_SEED = 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - a.yaml\n  - b.yaml\npatches:\n  - path: b.yaml\n';
const seeds = [...seedTexts(), KUSTOMIZE_SEED];
const anyYaml = fc.oneof({ weight: 1, arbitrary: randomYaml }, { weight: 3, arbitrary: mutatedYaml(seeds) });
const URIS = ['file:///ws/a.yaml', 'file:///ws/b.yaml', 'file:///ws/kustomization.yaml'];
const seed = process.env.FLUX_OCI_FUZZ_SEED ? Number(process.env.FLUX_OCI_FUZZ_SEED) : undefined;
const params = (numRuns: number): fc.Parameters<unknown> => ({ numRuns: fuzzRuns(numRuns), ...(seed !== undefined ? { seed } : {}) });

const contexts: LintContext[] = [
  { ...defaultLintContext(), unresolvedReferences: 'warning' },
  { ...defaultLintContext({ unknownFields: 'off' }), unresolvedReferences: 'off' },
];

/** Everything a file is told, in a comparable form. */
function allFindings(index: WorkspaceIndex, uri: string, context: LintContext): Finding[] {
  const file = index.file(uri);
  if (!file) return [];
  return [...lintFile(file, context), ...workspaceFindings(file, index, context)];
}

function assertRangesInside(text: string, findings: readonly { range: Finding['range'] }[], what: string): void {
  for (const f of findings) {
    const problem = rangeProblem(text, f.range);
    if (problem) assert.fail(`${what}: ${problem}\n${JSON.stringify(f)}\ntext: ${JSON.stringify(text.slice(0, 300))}`);
  }
}

/** Positions to probe: the start and end of the text, plus some chosen by fractions. */
function probePositions(text: string, fractions: readonly number[]): { line: number; character: number }[] {
  const lines = text.split('\n');
  const out = [{ line: 0, character: 0 }, { line: lines.length - 1, character: lines[lines.length - 1].length }];
  for (const f of fractions) {
    const line = Math.min(lines.length - 1, Math.floor(f * lines.length));
    out.push({ line, character: Math.floor(((f * 7919) % 1) * (lines[line].length + 1)) });
  }
  return out;
}

test('fuzz: lint, quick fixes, completion and hover never throw and keep ranges inside the document', () => {
  fc.assert(fc.property(anyYaml, fc.array(fc.double({ min: 0, max: 0.999, noNaN: true }), { maxLength: 6 }), (text, fractions) => {
    const index = new WorkspaceIndex();
    const file = index.setFile(URIS[0], text);
    for (const context of contexts) {
      const findings = allFindings(index, URIS[0], context);
      assertRangesInside(text, findings, 'finding');
      for (const finding of findings) {
        for (const fix of quickFixesFor(finding, file, index, context)) {
          for (const [uri, edits] of Object.entries(fix.edits)) {
            const target = uri === file.uri ? file.text : index.file(uri)?.text;
            assert.ok(target !== undefined, `quick fix "${fix.title}" edits ${uri}, which is not in the workspace`);
            assertRangesInside(target, edits, `quick fix "${fix.title}"`);
          }
        }
      }
    }
    for (const position of probePositions(text, fractions)) {
      const result = complete({ file, position, index });
      assertRangesInside(text, result.entries, `completion at ${position.line}:${position.character}`);
      const shown = hover({ file, position, index });
      if (shown) assertRangesInside(text, [shown], `hover at ${position.line}:${position.character}`);
    }
  }), params(150));
});

test('fuzz: after random edits across files, incremental results equal a full re-check', () => {
  const step = fc.record({ file: fc.nat({ max: URIS.length - 1 }), edit: editArb, check: fc.boolean() });
  let editsApplied = 0;
  let sequences = 0;
  fc.assert(fc.property(fc.tuple(anyYaml, anyYaml, fc.oneof(anyYaml, fc.constant(KUSTOMIZE_SEED))), fc.array(step, { minLength: 1, maxLength: 25 }),
    (initial, steps) => {
      const texts = [...initial];
      const incremental = new WorkspaceIndex();
      URIS.forEach((uri, i) => incremental.setFile(uri, texts[i]));
      // Warm every cache the way the server does: each file is checked after each change.
      const checkAll = () => { for (const context of contexts) for (const uri of URIS) allFindings(incremental, uri, context); };
      checkAll();
      const compare = (when: string) => {
        const fresh = new WorkspaceIndex();
        URIS.forEach((uri, i) => fresh.setFile(uri, texts[i]));
        for (const uri of URIS) {
          assert.deepEqual(incremental.objectsIn(uri), fresh.objectsIn(uri), `${when}: objects of ${uri}`);
          assert.deepEqual(incremental.referencesIn(uri), fresh.referencesIn(uri), `${when}: references of ${uri}`);
          for (const context of contexts) {
            const got = allFindings(incremental, uri, context);
            assert.deepEqual(got, allFindings(fresh, uri, context), `${when}: findings of ${uri} (unresolved ${context.unresolvedReferences})`);
            assertRangesInside(texts[URIS.indexOf(uri)], got, `${when}: ${uri}`);
          }
        }
      };
      sequences++;
      steps.forEach((s, n) => {
        editsApplied++;
        texts[s.file] = applyEdit(texts[s.file], s.edit).text;
        incremental.setFile(URIS[s.file], texts[s.file]);
        if (s.check) checkAll();
        if (n === Math.floor(steps.length / 2)) compare(`after edit ${n + 1}`);
      });
      compare(`after all ${steps.length} edits`);
    }), params(60));
  console.log(`  fuzz: ${editsApplied} random edits in ${sequences} sequences, each checked against a full re-check`);
});

test('fuzz: real documents survive being cut at every line (typing a file from the top)', () => {
  // Every prefix of a few real files, line by line: what the server sees while a file is typed.
  const samples = seeds.filter((t) => t.length < 4000).slice(0, fuzzRuns(6));
  let checked = 0;
  for (const text of samples) {
    const index = new WorkspaceIndex();
    const lines = text.split('\n');
    for (let n = 0; n <= lines.length; n++) {
      const prefix = lines.slice(0, n).join('\n');
      index.setFile(URIS[0], prefix);
      assertRangesInside(prefix, allFindings(index, URIS[0], contexts[0]), `prefix of ${n} lines`);
      checked++;
    }
  }
  assert.ok(checked > 0);
});
