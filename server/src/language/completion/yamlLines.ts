// A line-based reading of block YAML around a cursor. While someone types, the document is often
// not valid YAML (`  sourceRef:\n    kind: `, `  pro`), so completion and hover find the object
// path from indentation instead of the parse tree. Only the cursor's own document is scanned,
// and only as far as needed.
import type { PathSegment } from '../yamlPath';

export interface LineEntry {
  /** Column where the entry starts. */
  col: number;
  type: 'dash' | 'key' | 'scalar';
  /** Key text (unquoted), for keys. */
  key?: string;
  /** Inline value after `key:` (or the scalar of a `- item`), comment and quotes removed. */
  value?: string;
  /** Column where the raw value text starts. */
  valueCol?: number;
  /** Column just after the key's colon. */
  colonEnd?: number;
}

const KEY = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"[\]{}:,-][^#:]*?|-[^\s#:][^#:]*?)[ \t]*:(?=[ \t]|$)/;

function unquote(text: string): string {
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) return text.slice(1, -1).replace(/\\"/g, '"');
  if (text.length >= 2 && text.startsWith("'") && text.endsWith("'")) return text.slice(1, -1).replace(/''/g, "'");
  return text;
}

/** Removes a trailing ` # comment` (outside quotes) and surrounding blanks. */
function stripComment(text: string): string {
  if (text.startsWith('"') || text.startsWith("'")) {
    const q = text[0];
    for (let i = 1; i < text.length; i++) {
      if (q === '"' && text[i] === '\\') { i++; continue; }
      if (text[i] === q) {
        if (q === "'" && text[i + 1] === "'") { i++; continue; }
        return text.slice(0, i + 1);
      }
    }
    return text.trim();
  }
  const hash = text.search(/(^|[ \t])#/);
  return (hash === -1 ? text : text.slice(0, hash)).trim();
}

/** Structural entries of one line; empty for blank lines, comments and document markers. */
export function tokenizeLine(line: string): LineEntry[] {
  const entries: LineEntry[] = [];
  if (/^(---|\.\.\.)([ \t]|$)/.test(line)) return entries;
  let i = 0;
  while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
  for (;;) {
    if (line[i] === '-' && (i + 1 === line.length || line[i + 1] === ' ' || line[i + 1] === '\t')) {
      entries.push({ col: i, type: 'dash' });
      i++;
      while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
      continue;
    }
    break;
  }
  const rest = line.slice(i);
  if (rest === '' || rest.startsWith('#')) return entries;
  const key = KEY.exec(rest);
  if (key) {
    const colonEnd = i + key[0].length;
    let valueCol = colonEnd;
    while (valueCol < line.length && (line[valueCol] === ' ' || line[valueCol] === '\t')) valueCol++;
    const value = stripComment(line.slice(valueCol));
    entries.push({ col: i, type: 'key', key: unquote(key[1].trim()), value: value === '' ? undefined : unquote(value), valueCol, colonEnd });
  } else {
    entries.push({ col: i, type: 'scalar', value: unquote(stripComment(rest)), valueCol: i });
  }
  return entries;
}

/** The lines of one document, tokenized on demand. */
export class DocumentLines {
  private readonly cache: (LineEntry[] | undefined)[];

  constructor(readonly lines: readonly string[]) {
    this.cache = new Array<LineEntry[] | undefined>(lines.length);
  }

  static fromText(text: string): DocumentLines {
    return new DocumentLines(text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l)));
  }

  get length(): number {
    return this.lines.length;
  }

  entries(line: number): LineEntry[] {
    let e = this.cache[line];
    if (!e) {
      e = tokenizeLine(this.lines[line] ?? '');
      this.cache[line] = e;
    }
    return e;
  }

  /** True when no line other than `except` holds any YAML content. */
  isEmptyExcept(except: number): boolean {
    for (let l = 0; l < this.lines.length; l++) if (l !== except && this.entries(l).length > 0) return false;
    return true;
  }

  /** Inline value of a top-level key (column 0), e.g. kind or apiVersion. */
  topLevelValue(key: string): string | undefined {
    for (let l = 0; l < this.lines.length; l++) {
      const [first] = this.entries(l);
      if (first?.type === 'key' && first.col === 0 && first.key === key) return first.value;
    }
    return undefined;
  }

  /** Inline value of a field given by map keys only, e.g. ['spec', 'type']; block maps only. */
  scalarAt(path: readonly string[]): string | undefined {
    return this.find(path)?.entry.value;
  }

  /** The keys of a block map given by its path, e.g. the key names under ['data']. */
  childKeys(path: readonly string[]): string[] {
    const found = this.find(path);
    if (!found) return [];
    const keys: string[] = [];
    let childCol = -1;
    for (let l = found.line + 1; l < this.lines.length; l++) {
      const first = this.entries(l)[0];
      if (!first) continue;
      if (first.col <= found.entry.col) break;
      if (childCol === -1) childCol = first.col;
      if (first.col === childCol && first.type === 'key' && first.key !== undefined) keys.push(first.key);
    }
    return keys;
  }

  private find(path: readonly string[]): { entry: LineEntry; line: number } | undefined {
    let from = 0;
    let parentCol = -1;
    for (let i = 0; i < path.length; i++) {
      let childCol = -1;
      let found: LineEntry | undefined;
      for (let l = from; l < this.lines.length; l++) {
        const first = this.entries(l)[0];
        if (!first) continue;
        if (first.col <= parentCol) break;
        if (childCol === -1) childCol = first.col;
        if (first.col === childCol && first.type === 'key' && first.key === path[i]) {
          found = first;
          from = l + 1;
          break;
        }
      }
      if (!found) return undefined;
      if (i === path.length - 1) return { entry: found, line: from - 1 };
      parentCol = found.col;
    }
    return undefined;
  }

  /**
   * The object path of the collection that holds a node starting at `col` on `line`.
   * `left` are the entries on that line before the node (e.g. the `- ` of a list item).
   * `kind` says whether the node is a map key or a list item (a list may sit at its key's column).
   * Returns undefined when the node sits inside a block scalar (`key: |`).
   */
  containerPath(line: number, col: number, left: readonly LineEntry[], kind: 'key' | 'item'): PathSegment[] | undefined {
    const path: PathSegment[] = [];
    const pending = [...left];
    let c = col;
    let k = kind;
    let l = line;
    for (;;) {
      let entry = pending.pop();
      if (!entry) {
        const owns = (e: LineEntry) => e.col < c || (k === 'item' && e.type === 'key' && e.col === c);
        while (--l >= 0) {
          const entries = this.entries(l);
          if (entries.length === 0 || !owns(entries[0])) continue;
          pending.push(...entries.filter(owns));
          entry = pending.pop();
          break;
        }
        if (!entry) break;
      }
      if (entry.type === 'key') {
        if (entry.value !== undefined && /^[|>]/.test(entry.value)) return undefined;
        path.unshift(entry.key ?? '');
        c = entry.col;
        k = 'key';
      } else if (entry.type === 'dash') {
        path.unshift(0);
        c = entry.col;
        k = 'item';
      } else {
        break;
      }
    }
    return path;
  }

  /**
   * The keys (with inline values) of the map whose keys start at `col` and that contains `line`.
   * `startsItem` is true when `line` itself holds the `- ` of the map, so nothing above belongs to it.
   */
  siblings(line: number, col: number, startsItem = false): Map<string, string | undefined> {
    const out = new Map<string, string | undefined>();
    const take = (entries: LineEntry[]): 'skip' | 'stop' | 'took' => {
      const first = entries[0];
      if (!first || first.col > col) return 'skip';
      if (first.col === col) {
        if (first.type === 'key') { out.set(first.key ?? '', first.value); return 'took'; }
        return 'skip'; // a compact list of a sibling key
      }
      const key = entries.find((e) => e.col === col && e.type === 'key');
      if (key && entries.every((e) => e.col >= col || e.type === 'dash')) out.set(key.key ?? '', key.value);
      return 'stop';
    };
    if (!startsItem) for (let l = line - 1; l >= 0; l--) if (take(this.entries(l)) === 'stop') break;
    for (let l = line + 1; l < this.lines.length; l++) {
      const entries = this.entries(l);
      const first = entries[0];
      if (first && first.col < col) break;
      if (first && first.col === col && first.type === 'dash') continue;
      take(entries);
    }
    return out;
  }
}
