// Random LSP edits for tests of the incremental document model (unit and over LSP).
import type { TextChange } from '../../server/src/language/documents';

/** A small deterministic random source. */
export function randomSource(seed: number): (n: number) => number {
  let state = seed;
  return (n: number) => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return (state >>> 8) % n;
  };
}

export const MARKER_PIECES = [
  '---', '...', '--- # c', '---x', 'a: 1', 'kind: Kustomization', '# note', '%YAML 1.2', '', '  ---', 'k: |',
  '  text', '-- -', '---\t', 'name: x', '- item', '\uFEFF---', 'spec:', '  interval: 5m',
];

export function randomText(random: (n: number) => number, eol: string, pieces: readonly string[]): string {
  const lines = Array.from({ length: random(30) }, () => pieces[random(pieces.length)]);
  return lines.join(eol) + (random(2) ? eol : '');
}

/** A random LSP change valid for `doc`: positions inside lines (never between \r and \n). */
export function randomChange(random: (n: number) => number, text: string, eol: string, pieces: readonly string[]): TextChange {
  const lines = text.split(/\r?\n/);
  const position = () => {
    const roll = random(20);
    if (roll === 0) return { line: 0, character: 0 };
    if (roll === 1) return { line: lines.length - 1, character: lines[lines.length - 1].length };
    if (roll === 2) return { line: lines.length + random(3), character: random(5) };
    const line = random(lines.length);
    return { line, character: roll === 3 ? lines[line].length + random(4) : random(lines[line].length + 1) };
  };
  let start = position();
  let end = random(3) === 0 ? start : position();
  if (end.line < start.line || (end.line === start.line && end.character < start.character)) [start, end] = [end, start];
  const insert = random(3) === 0 ? '' : Array.from({ length: random(3) + 1 }, () => pieces[random(pieces.length)]).join(eol) + (random(2) ? eol : '');
  return { range: { start, end }, text: insert };
}

