// YAML helpers (GitHub Actions, GitLab CI, Taskfile).
import { type Document, isAlias, isMap, isScalar, isSeq, parseDocument, type Scalar } from 'yaml';
import type { Session } from './session';
import type { ShellSource } from './shellSyntax';
import { countNewlines } from './shellWords';

export type YDoc = Document.Parsed;

/**
 * CI YAML files are hand-written and small; the YAML library needs seconds for a hostile
 * megabyte, so larger files are read line by line instead.
 */
const MAX_YAML = 256 * 1024;

export function parseYaml(text: string): YDoc | undefined {
  if (text.length > MAX_YAML) return undefined;
  try {
    // logLevel 'error': warnings (an unresolved `!reference` tag) would reach stderr.
    const doc = parseDocument(text, { uniqueKeys: false, prettyErrors: false, logLevel: 'error' });
    return doc.errors.length ? undefined : doc;
  } catch {
    return undefined;
  }
}

export function deref(doc: YDoc, node: unknown): unknown {
  let n = node;
  for (let i = 0; i < 8 && isAlias(n); i++) {
    try {
      n = n.resolve(doc);
    } catch {
      return undefined;
    }
  }
  return isAlias(n) ? undefined : n;
}

/** A key's value in a mapping, following `<<: *anchor` merges. */
export function mapGet(doc: YDoc, node: unknown, key: string, depth = 0): unknown {
  const map = deref(doc, node);
  if (!isMap(map) || depth > 8) return undefined;
  const merges: unknown[] = [];
  for (const pair of map.items) {
    const k = isScalar(pair.key) ? pair.key.value : pair.key;
    if (k === key) return deref(doc, pair.value);
    if (k === '<<') merges.push(pair.value);
  }
  for (const m of merges) {
    const target = deref(doc, m);
    const sources = isSeq(target) ? target.items : [target];
    for (const src of sources) {
      const v = mapGet(doc, src, key, depth + 1);
      if (v !== undefined) return v;
    }
  }
  return undefined;
}

/** The entries of a mapping in order (merged ones first, own keys overriding them). */
export function mapEntries(doc: YDoc, node: unknown, depth = 0): [string, unknown][] {
  const map = deref(doc, node);
  if (!isMap(map) || depth > 8) return [];
  const out = new Map<string, unknown>();
  for (const pair of map.items) {
    const k = isScalar(pair.key) ? pair.key.value : undefined;
    if (k !== '<<') continue;
    const target = deref(doc, pair.value);
    for (const src of isSeq(target) ? target.items : [target]) for (const [mk, mv] of mapEntries(doc, src, depth + 1)) out.set(mk, mv);
  }
  for (const pair of map.items) {
    const k = isScalar(pair.key) ? pair.key.value : undefined;
    if (k === '<<' || (typeof k !== 'string' && typeof k !== 'number')) continue;
    out.set(String(k), deref(doc, pair.value));
  }
  return [...out];
}

export function seqItems(doc: YDoc, node: unknown): unknown[] {
  const seq = deref(doc, node);
  return isSeq(seq) ? seq.items.map((i) => deref(doc, i)) : [];
}

export function str(doc: YDoc, node: unknown): string | undefined {
  const n = deref(doc, node);
  if (!isScalar(n)) return undefined;
  const v = n.value;
  if (v === null) return '';
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }
  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/** The shell text of a scalar, with the file line of each of its lines. */
export function scalarSource(s: Session, index: LineIndex, doc: YDoc, node: unknown): ShellSource | undefined {
  const n = deref(doc, node);
  if (!isScalar(n)) return undefined;
  const value = str(doc, n);
  if (value === undefined) return undefined;
  const start = index.lineOf(n.range?.[0] ?? 0);
  const scalar: Scalar = n;
  if (scalar.type === 'BLOCK_LITERAL') return { text: value, lines: value.split('\n').map((_, k) => start + 1 + k) };
  if (scalar.type === 'BLOCK_FOLDED' && scalar.range) return foldBlock(s.text.slice(scalar.range[0], scalar.range[1]), start);
  return { text: value, lines: [start] };
}

/**
 * A folded block (`run: >`) joins its lines with spaces; the lines are folded here rather than
 * taken from the parsed value so that each command keeps the line it starts on.
 */
function foldBlock(source: string, headerLine: number): ShellSource {
  const body = source.split('\n').slice(1);
  const first = body.find((l) => l.trim() !== '');
  const indent = first === undefined ? 0 : first.length - first.trimStart().length;
  const texts: string[] = [];
  const lines: number[] = [];
  let cur: string[] | undefined;
  const flush = (): void => {
    if (cur) texts.push(cur.join(' '));
    cur = undefined;
  };
  body.forEach((raw, j) => {
    if (raw.trim() === '') return flush();
    const content = raw.slice(indent);
    if (/^[ \t]/.test(content)) {
      flush();
      texts.push(content);
      lines.push(headerLine + 1 + j);
      return;
    }
    if (!cur) {
      cur = [];
      lines.push(headerLine + 1 + j);
    }
    cur.push(content);
  });
  flush();
  return { text: texts.join('\n'), lines };
}

export function concatSources(sources: ShellSource[]): ShellSource {
  const lines: number[] = [];
  for (const src of sources) {
    const count = countNewlines(src.text) + 1;
    for (let k = 0; k < count; k++) lines.push(src.lines[Math.min(k, src.lines.length - 1)] ?? 0);
  }
  return { text: sources.map((x) => x.text).join('\n'), lines };
}
