// Seeds and generators for the property tests: real manifests (../shared/corpus/real, examples/),
// our whole-document snippets, random and mutated YAML, and random edits.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { DOCUMENT_SNIPPETS, expandSnippet } from '../../server/src/language/snippets';
import type { Range } from '../../server/src/language/types';

const repoRoot = resolve(__dirname, '..', '..');
const corpusDir = resolve(repoRoot, '..', 'shared', 'corpus', 'real');

function yamlFilesUnder(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yamlFilesUnder(path, out);
    else if (/\.ya?ml$/.test(name)) out.push(path);
  }
  return out;
}

/** Real texts to start from: the corpus (when present), the examples, and every snippet filled in. */
export function seedTexts(): string[] {
  const files = [...yamlFilesUnder(corpusDir), ...yamlFilesUnder(join(repoRoot, 'examples'))];
  const texts = files.map((f) => readFileSync(f, 'utf8')).filter((t) => t.length < 64 * 1024);
  for (const snippet of DOCUMENT_SNIPPETS) texts.push(expandSnippet(snippet.body));
  return texts;
}

/**
 * Characters that matter to YAML and to our splitter and cursor logic, plus some that stress
 * offsets (CR, tab, BOM, a character outside the BMP, a lone surrogate).
 */
const YAML_BITS = [
  ':', ': ', '-', '- ', '---', '...', '\n---\n', '\n...\n', '#', ' #', '[', ']', '{', '}', ',', '&a', '*a', '*b', '!!str ', '!', '|', '|-', '>',
  "'", '"', '\\', '%YAML 1.2\n', '@', '`', '?', ' ', '  ', '    ', '\t', '\n', '\r\n', '\r', '\uFEFF', '😀', '\uD800', 'é',
  '<<: *a', 'apiVersion: ', 'kind: ', 'metadata:', 'name: ', 'spec:', 'source.toolkit.fluxcd.io/v1', 'source.toolkit.fluxcd.io/v1beta2',
  'kustomize.toolkit.fluxcd.io/v1', 'helm.toolkit.fluxcd.io/v2', 'OCIRepository', 'Kustomization', 'HelmRelease', 'GitRepository',
  'HelmRepository', 'Secret', 'sourceRef:', 'chartRef:', 'dependsOn:', 'oci://ghcr.io/x/y', 'interval: 5m', 'url: ', 'ref:', 'tag: ',
  '0', '1', 'true', 'null', '~', 'x', 'podinfo', 'flux-system', 'data:', '.dockerconfigjson: ', 'kubernetes.io/dockerconfigjson',
];

/** A short piece of YAML-flavoured text. */
export const yamlBit = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...YAML_BITS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
);

/** Random YAML-flavoured text built from the pieces above. */
export const randomYaml = fc.array(yamlBit, { maxLength: 80 }).map((parts) => parts.join(''));

/** One edit as fractions of the text, so it applies to any text. */
export interface Edit { at: number; remove: number; insert: string }

export const editArb: fc.Arbitrary<Edit> = fc.record({
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  remove: fc.oneof(fc.constant(0), fc.nat({ max: 8 }), fc.nat({ max: 200 })),
  insert: fc.oneof(fc.constant(''), yamlBit, fc.array(yamlBit, { maxLength: 6 }).map((p) => p.join(''))),
});

/** Applies an edit; returns the new text and the LSP-style range it replaced (in the old text). */
export function applyEdit(text: string, edit: Edit): { text: string; start: number; end: number } {
  const start = Math.min(text.length, Math.floor(edit.at * (text.length + 1)));
  const end = Math.min(text.length, start + edit.remove);
  return { text: text.slice(0, start) + edit.insert + text.slice(end), start, end };
}

/** A text mutated by a few line-level or character-level operations. */
export function mutatedYaml(seeds: readonly string[]): fc.Arbitrary<string> {
  const lineOp = fc.record({
    kind: fc.constantFrom('delete', 'duplicate', 'swap', 'indent', 'dedent', 'truncate', 'marker'),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    other: fc.double({ min: 0, max: 1, noNaN: true }),
  });
  const op = fc.oneof(lineOp, editArb.map((e) => ({ kind: 'edit' as const, edit: e })));
  return fc.tuple(fc.constantFrom(...seeds), fc.array(op, { minLength: 1, maxLength: 8 })).map(([seed, ops]) => {
    let text = seed;
    for (const o of ops) {
      if (o.kind === 'edit') { text = applyEdit(text, o.edit).text; continue; }
      const lines = text.split('\n');
      const i = Math.floor(o.at * lines.length);
      const j = Math.floor(o.other * lines.length);
      if (o.kind === 'delete') lines.splice(i, 1);
      else if (o.kind === 'duplicate') lines.splice(i, 0, lines[i] ?? '');
      else if (o.kind === 'swap' && i < lines.length && j < lines.length) [lines[i], lines[j]] = [lines[j], lines[i]];
      else if (o.kind === 'indent' && i < lines.length) lines[i] = `  ${lines[i]}`;
      else if (o.kind === 'dedent' && i < lines.length) lines[i] = lines[i].replace(/^ {1,2}/, '');
      else if (o.kind === 'truncate') lines.length = Math.min(lines.length, i + 1);
      else if (o.kind === 'marker') lines.splice(i, 0, '---');
      text = lines.join('\n');
    }
    return text;
  });
}

/** Why a range does not lie inside a text (undefined when it does). Columns count UTF-16 units. */
export function rangeProblem(text: string, range: Range): string | undefined {
  const lines = text.split('\n');
  const ok = (p: { line: number; character: number }) =>
    Number.isInteger(p.line) && Number.isInteger(p.character) && p.line >= 0 && p.character >= 0 && p.line < lines.length && p.character <= lines[p.line].length;
  if (!ok(range.start) || !ok(range.end)) return `range ${JSON.stringify(range)} outside a text of ${lines.length} lines`;
  if (range.end.line < range.start.line || (range.end.line === range.start.line && range.end.character < range.start.character)) {
    return `range ${JSON.stringify(range)} ends before it starts`;
  }
  return undefined;
}

/** How many runs a property gets: small in npm test, more with FLUX_OCI_FUZZ_RUNS. */
export function fuzzRuns(fast: number): number {
  const raw = Number(process.env.FLUX_OCI_FUZZ_RUNS);
  return Number.isFinite(raw) && raw > 0 ? Math.round(raw) : fast;
}
