// The document model: splits a YAML file into its documents and parses each one,
// caching the parse by document text so an edit re-parses only what changed.
import { isAlias, isMap, isScalar, isSeq, parseDocument, visit, YAMLMap, YAMLParseError, YAMLSeq, type Document, type Node } from 'yaml';
import { LineIndex } from './lineIndex';
import { identify, type ObjectIdentity } from './fluxObjects';
import type { Finding, Position, Range } from './types';

/**
 * One document's slice of a file. Chunks always start at the beginning of a line and tile the
 * file. The positions of a placed chunk are kept current as edits before it move it.
 */
export interface DocumentChunk {
  text: string;
  startOffset: number;
  startLine: number;
}

/** A chunk made only of directives (`%YAML`), comments and blank lines belongs to the next document. */
const isDirectivePrologue = (text: string, from: number, to: number): boolean => {
  let sawDirective = false;
  // Reads line by line and stops at the first content line: documents are usually long.
  for (let at = from; at < to;) {
    const newline = text.indexOf('\n', at);
    const lineEnd = newline === -1 || newline >= to ? to : newline;
    const line = text.slice(at, lineEnd).replace(/^\uFEFF/, '').trim();
    if (line.startsWith('%')) sawDirective = true;
    else if (line !== '' && !line.startsWith('#')) return false;
    at = lineEnd + 1;
  }
  return sawDirective;
};

/**
 * `---` or `...` at the start of a line, followed by whitespace or the line end. Only these
 * places can be markers, so the scan jumps from candidate to candidate instead of visiting
 * every line: it runs on every keystroke in files with thousands of documents.
 */
const MARKER_CANDIDATE = /(?:^|\n)(\uFEFF?)(---|\.\.\.)(?![^ \t\r\n])/g;

/**
 * Splits YAML text at document markers (`atFileStart` false: the text is a region further on,
 * where a byte order mark is just a character). `---` or `...` count only at column 0 followed by
 * whitespace or the line end; YAML forbids such lines inside any scalar, so a line scan is exact,
 * and an indented `---` inside a block scalar is (correctly) not a marker.
 */
export function splitDocuments(text: string, atFileStart = true): DocumentChunk[] {
  const chunks: DocumentChunk[] = [];
  let chunkStart = 0;
  let chunkLine = 0;
  // Line counting walks forward from the last place counted.
  let countedTo = 0;
  let countedLines = 0;
  const lineAt = (offset: number): number => {
    for (let nl = text.indexOf('\n', countedTo); nl !== -1 && nl < offset; nl = text.indexOf('\n', nl + 1)) countedLines++;
    countedTo = offset;
    return countedLines;
  };
  const close = (end: number, nextStart: number, nextLine: number) => {
    if (end > chunkStart) chunks.push({ text: text.slice(chunkStart, end), startOffset: chunkStart, startLine: chunkLine });
    chunkStart = nextStart;
    chunkLine = nextLine;
  };
  MARKER_CANDIDATE.lastIndex = 0;
  for (let m = MARKER_CANDIDATE.exec(text); m; m = MARKER_CANDIDATE.exec(text)) {
    const offset = text[m.index] === '\n' ? m.index + 1 : m.index;
    // A byte order mark only counts at the very start of the file.
    if (m[1] && (offset !== 0 || !atFileStart)) continue;
    const line = lineAt(offset);
    if (m[2] === '---') {
      if (offset > chunkStart && !isDirectivePrologue(text, chunkStart, offset)) close(offset, offset, line);
    } else {
      const newline = text.indexOf('\n', offset);
      const lineEnd = newline === -1 ? text.length : newline + 1;
      close(lineEnd, lineEnd, line + 1);
    }
    // The match may have consumed the newline before the marker; let the next search see it.
    MARKER_CANDIDATE.lastIndex = offset + 3;
  }
  close(text.length, text.length, 0);
  return chunks;
}

/**
 * Where a module keeps something it derives from a document's text alone (facts, references,
 * markers): on the ParsedDocument itself, which holds one small array for all of them. A WeakMap
 * per kind of fact cost a hashed lookup and an ephemeron entry for every document of a big file.
 */
export class DocumentSlot<T> {
  private static count = 0;
  private readonly at = DocumentSlot.count++;

  get(parsed: ParsedDocument): T | undefined {
    return parsed.slots[this.at] as T | undefined;
  }

  set(parsed: ParsedDocument, value: T): void {
    parsed.slots[this.at] = value;
  }
}

/**
 * One parsed document; immutable, shared between versions of a file with the same text. Parsed
 * on first use, so a big file can be split at once and parsed a slice at a time.
 */
export class ParsedDocument {
  private parsedYaml: Document.Parsed | undefined;
  private lineIndex: LineIndex | undefined;
  private identified = false;
  private objectIdentity: ObjectIdentity | undefined;
  /** Findings that depend on this document's text alone, cached by settings key. */
  readonly localFindings = new Map<string, Finding[]>();
  /** Values other modules derived from the text (see DocumentSlot). */
  readonly slots: unknown[] = [];

  constructor(readonly text: string) {}

  get yaml(): Document.Parsed {
    // `<<` merge keys: Kubernetes' YAML reader honours them, so they are merged, not unknown fields.
    // Looking for them costs a test of every plain scalar, so only texts with `<<` pay for it.
    // logLevel 'error': the library's warnings (e.g. "Keys with collection values will be
    // stringified") would go to stderr through process.emitWarning; what matters is reported as findings.
    // uniqueKeys off, and duplicates found here instead: the library compares each key with every
    // earlier one (a 24,000-key ConfigMap took 17 s to parse), this check is linear.
    if (!this.parsedYaml) {
      const merge = this.text.includes('<<');
      this.parsedYaml = parseDocument(this.text, { prettyErrors: false, uniqueKeys: false, keepSourceTokens: false, merge, logLevel: 'error' });
      reportDuplicateKeys(this.parsedYaml, merge);
    }
    return this.parsedYaml;
  }

  get lines(): LineIndex {
    this.lineIndex ??= new LineIndex(this.text);
    return this.lineIndex;
  }

  get identity(): ObjectIdentity | undefined {
    if (!this.identified) {
      this.objectIdentity = identify(this.yaml);
      this.identified = true;
    }
    return this.objectIdentity;
  }

  private plain: PlainValue | undefined;

  /**
   * Drops the syntax tree, line index and plain data, keeping the text, the identity and the
   * cached findings: the next use parses again. For documents only indexed (files on disk that
   * are not open), whose facts the index has already taken: holding every workspace file's tree
   * made indexing a big workspace mostly garbage collection, and took more memory than the text.
   */
  releaseParse(): void {
    void this.identity; // kept: the index and the rules ask for it without the tree
    this.parsedYaml = undefined;
    this.lineIndex = undefined;
    this.plain = undefined;
  }

  /**
   * Drops the plain-data copy once the document's findings are cached: it is rebuilt on demand
   * (quick fixes), and keeping one for every document of a big file doubles the memory it holds.
   */
  releasePlainValue(): void {
    this.plain = undefined;
  }

  /**
   * The document as plain data. Converting can fail on text that parses: an alias whose anchor
   * is in another document (anchors never cross `---`), or an alias count that signals an
   * expansion bomb; callers get the reason and the alias to blame instead of an exception.
   */
  get plainValue(): PlainValue {
    if (!this.plain) {
      try {
        // Most documents are plain maps, lists and scalars: converted directly. Anything else
        // (anchors, aliases, merge keys, tagged collections, keys that are not scalars) by the library.
        const direct = this.text.includes('<<') ? NOT_PLAIN : plainData(this.yaml.contents);
        this.plain = { ok: true, value: direct !== NOT_PLAIN ? direct : this.yaml.toJS({ maxAliasCount: 100 }) as unknown };
      } catch (error) {
        this.plain = { ok: false, message: (error as Error).message, ...blameAlias(this.yaml) };
      }
    }
    return this.plain;
  }
}

const NOT_PLAIN = Symbol('not plain');

/**
 * A document's contents as plain data, exactly as `Document.toJS()` converts them, for contents
 * made of untagged maps and lists without anchors or aliases whose keys are scalars; NOT_PLAIN
 * for anything else. The library's converter carries a context through every node for the
 * cases this leaves to it, which made converting most of the cost of validating a document.
 */
function plainData(node: unknown): unknown {
  if (node === null || node === undefined) return node;
  if (isScalar(node)) {
    if (node.anchor) return NOT_PLAIN;
    // Document.toJS() keeps scalar values as they are (no JSON conversion).
    return node.value;
  }
  if (node instanceof YAMLMap && node.constructor === YAMLMap) {
    if (node.anchor) return NOT_PLAIN;
    const map: Record<string, unknown> = {};
    for (const pair of node.items) {
      const key: unknown = pair.key;
      let stringKey: string;
      if (key === null || key === undefined) stringKey = '';
      else if (isScalar(key) && !key.anchor) {
        const k = key.value;
        if (k === null) stringKey = '';
        else if (typeof k !== 'object') stringKey = String(k);
        else return NOT_PLAIN;
      } else return NOT_PLAIN;
      const value = plainData(pair.value);
      if (value === NOT_PLAIN) return NOT_PLAIN;
      // As the library adds a pair: a key already present (or inherited) is redefined, not assigned.
      if (stringKey in map) Object.defineProperty(map, stringKey, { value, writable: true, enumerable: true, configurable: true });
      else map[stringKey] = value;
    }
    return map;
  }
  if (node instanceof YAMLSeq && node.constructor === YAMLSeq) {
    if (node.anchor) return NOT_PLAIN;
    const list: unknown[] = [];
    for (const item of node.items) {
      if (item !== null && item !== undefined && !isScalar(item) && !(item instanceof YAMLMap) && !(item instanceof YAMLSeq)) return NOT_PLAIN;
      const value = plainData(item);
      if (value === NOT_PLAIN) return NOT_PLAIN;
      list.push(value);
    }
    return list;
  }
  return NOT_PLAIN;
}

export type PlainValue =
  | { ok: true; value: unknown }
  | { ok: false; message: string; at: [number, number] | undefined; unresolvedAlias?: string };

/** The first alias whose anchor is missing, else the first alias. */
function blameAlias(doc: Document.Parsed): { at: [number, number] | undefined; unresolvedAlias?: string } {
  let unresolved: Node | undefined;
  let first: Node | undefined;
  visit(doc, {
    Alias(_key, node) {
      first ??= node;
      if (!unresolved && node.resolve(doc) === undefined) unresolved = node;
      return unresolved ? visit.BREAK : undefined;
    },
  });
  const node = unresolved ?? first;
  const at: [number, number] | undefined = node?.range ? [node.range[0], node.range[1]] : undefined;
  return unresolved && isAlias(unresolved) ? { at, unresolvedAlias: unresolved.source } : { at };
}

/** A document as placed in one version of a file. */
export interface PlacedDocument {
  index: number;
  chunk: DocumentChunk;
  parsed: ParsedDocument;
}

/** An edit as the LSP sends it: a range of the text before the edit, or no range for the whole text. */
export interface TextChange {
  range?: Range;
  text: string;
}

/**
 * Which documents an update replaced: `documents[from, oldEnd)` of the earlier version became
 * `documents[from, newEnd)`. Documents outside the span keep their parse and their PlacedDocument
 * object; those after it may have moved (their `index` and `chunk` positions are kept current).
 */
export interface DocumentsSpan {
  from: number;
  oldEnd: number;
  newEnd: number;
  /**
   * The same span in lines: where document `from` starts, and where the first document after
   * the span starts before and after (the file's line count when no document follows).
   */
  fromLine: number;
  oldEndLine: number;
  newEndLine: number;
}

const NO_CHANGE: DocumentsSpan = { from: 0, oldEnd: 0, newEnd: 0, fromLine: 0, oldEndLine: 0, newEndLine: 0 };
/** How many updates a file remembers for consumers that sync by span (older ones resync fully). */
const LOG_LENGTH = 64;

const countNewlines = (text: string): number => {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
};

/** One span covering `first` then `next` (whose indices are in the documents after `first`). */
function mergeSpans(first: DocumentsSpan, next: DocumentsSpan): DocumentsSpan {
  if (first.from === first.oldEnd && first.from === first.newEnd) return next;
  if (next.from === next.oldEnd && next.from === next.newEnd) return first;
  // Documents and lines are both positions in one sequence: the same algebra holds for each.
  const from = Math.min(first.from, next.from);
  const reach = Math.max(first.newEnd, next.oldEnd);
  const reachLine = Math.max(first.newEndLine, next.oldEndLine);
  return {
    from,
    oldEnd: reach - first.newEnd + first.oldEnd,
    newEnd: reach + next.newEnd - next.oldEnd,
    fromLine: Math.min(first.fromLine, next.fromLine),
    oldEndLine: reachLine - first.newEndLine + first.oldEndLine,
    newEndLine: reachLine + next.newEndLine - next.oldEndLine,
  };
}

/**
 * A YAML file held as its documents. Edits are applied to the documents they touch: the file is
 * re-split only around the edit, only new document texts are parsed, and the documents after
 * the edit are moved by adjusting their offsets. The whole text is joined only when asked for.
 */
export class YamlFile {
  private placed: PlacedDocument[] = [];
  private lineIndex: LineIndex | undefined;
  private joined: string | undefined = '';
  private textLength = 0;
  private editVersion = 0;
  private readonly log: { version: number; span: DocumentsSpan }[] = [];

  constructor(readonly uri: string, text = '') {
    this.update(text);
  }

  /** The whole text (joined from the documents after an incremental edit). */
  get text(): string {
    this.joined ??= this.placed.map((d) => d.chunk.text).join('');
    return this.joined;
  }

  get length(): number {
    return this.textLength;
  }

  /** Increases with every update; see `changedSince`. */
  get version(): number {
    return this.editVersion;
  }

  get documents(): readonly PlacedDocument[] {
    return this.placed;
  }

  /** A line index of the whole text. Builds the whole text: prefer `positionAt`/`offsetAt`. */
  get lines(): LineIndex {
    this.lineIndex ??= new LineIndex(this.text);
    return this.lineIndex;
  }

  /** Lines in the file, as the LSP counts them (a final line without newline counts). */
  get lineCount(): number {
    return Math.max(1, this.lineAt(this.placed.length));
  }

  /** The line document `i` starts on; for `i` past the last document, the line count. */
  private lineAt(i: number): number {
    if (i < this.placed.length) return this.placed[i].chunk.startLine;
    const last = this.placed[this.placed.length - 1];
    return last ? last.chunk.startLine + last.parsed.lines.lineCount : 0;
  }

  /**
   * The documents replaced since `version` as one span, or undefined when that version is too
   * old to tell (the caller then treats every document as new).
   */
  changedSince(version: number): DocumentsSpan | undefined {
    if (version === this.editVersion) return NO_CHANGE;
    const first = this.log.findIndex((e) => e.version > version);
    if (first === -1 || this.log[first].version !== version + 1) return undefined;
    let span = NO_CHANGE;
    for (let i = first; i < this.log.length; i++) span = mergeSpans(span, this.log[i].span);
    return span;
  }

  private record(span: DocumentsSpan): void {
    this.editVersion++;
    this.log.push({ version: this.editVersion, span });
    if (this.log.length > LOG_LENGTH) this.log.splice(0, this.log.length - LOG_LENGTH);
  }

  /** Replaces the whole text; documents equal to earlier ones keep their parse. */
  update(text: string): void {
    this.joined = text;
    this.textLength = text.length;
    this.lineIndex = undefined;
    const chunks = splitDocuments(text);
    const before = this.placed;
    const oldLineAt = (i: number) => this.lineAt(i);
    // An edit usually touches one document: the ones before it and after it are equal to the
    // previous ones at the same place counted from the start or from the end. Comparing those
    // pairs is cheap; only the documents in between are looked up by text (a hash of each).
    let head = 0;
    while (head < chunks.length && head < before.length && chunks[head].text === before[head].parsed.text) head++;
    let tail = 0;
    while (tail < chunks.length - head && tail < before.length - head
      && chunks[chunks.length - 1 - tail].text === before[before.length - 1 - tail].parsed.text) tail++;
    const fromLine = oldLineAt(head);
    const oldEndLine = oldLineAt(before.length - tail);
    const placed: PlacedDocument[] = new Array<PlacedDocument>(chunks.length);
    // Unchanged documents keep their PlacedDocument (with the new chunk, which drops the old text).
    const keep = (i: number, old: PlacedDocument) => {
      old.index = i;
      old.chunk = chunks[i];
      placed[i] = old;
    };
    for (let i = 0; i < head; i++) keep(i, before[i]);
    for (let t = 0; t < tail; t++) keep(chunks.length - 1 - t, before[before.length - 1 - t]);
    const middle = new Map<string, ParsedDocument>();
    for (let i = head; i < before.length - tail; i++) middle.set(before[i].parsed.text, before[i].parsed);
    for (let i = head; i < chunks.length - tail; i++) {
      const chunk = chunks[i];
      let parsed = middle.get(chunk.text);
      if (!parsed) {
        parsed = new ParsedDocument(chunk.text);
        middle.set(chunk.text, parsed);
      }
      placed[i] = { index: i, chunk, parsed };
    }
    this.placed = placed;
    const newEnd = chunks.length - tail;
    this.record({ from: head, oldEnd: before.length - tail, newEnd, fromLine, oldEndLine, newEndLine: this.lineAt(newEnd) });
  }

  /** Applies LSP content changes in order (ranges refer to the text after the previous change). */
  applyChanges(changes: readonly TextChange[]): void {
    for (const change of changes) {
      if (!change.range) this.update(change.text);
      else this.applyEdit(change.range, change.text);
    }
  }

  /** Index of the document containing `offset` (the last one starting at or before it). */
  private documentAtOffset(offset: number): number {
    let lo = 0;
    let hi = this.placed.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.placed[mid].chunk.startOffset <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private documentIndexAtLine(line: number): number {
    let lo = 0;
    let hi = this.placed.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.placed[mid].chunk.startLine <= line) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /**
   * The offset of a position, as an LSP text document computes it: a line past the end is the
   * end of the text, a character past the line's end is the line's end (before its line break).
   */
  offsetAt(position: Position): number {
    if (this.placed.length === 0 || position.line < 0) return 0;
    if (position.line >= this.lineCount) return this.textLength;
    const doc = this.placed[this.documentIndexAtLine(position.line)];
    const { text } = doc.chunk;
    const starts = doc.parsed.lines.lineStarts;
    const local = position.line - doc.chunk.startLine;
    const lineStart = starts[local];
    let lineEnd = local + 1 < starts.length ? starts[local + 1] : text.length;
    if (lineEnd > lineStart && text.charCodeAt(lineEnd - 1) === 10) {
      lineEnd--;
      if (lineEnd > lineStart && text.charCodeAt(lineEnd - 1) === 13) lineEnd--;
    }
    return doc.chunk.startOffset + Math.max(lineStart, Math.min(lineStart + position.character, lineEnd));
  }

  positionAt(offset: number): Position {
    if (this.placed.length === 0) return { line: 0, character: 0 };
    const clamped = Math.max(0, Math.min(offset, this.textLength));
    const doc = this.placed[this.documentAtOffset(clamped)];
    const local = doc.parsed.lines.positionAt(clamped - doc.chunk.startOffset);
    return { line: local.line + doc.chunk.startLine, character: local.character };
  }

  /**
   * Replaces a range of the text. Only the documents around the edit are re-split: a marker
   * line can appear, vanish or change meaning only there. The re-split region reaches one
   * document past the edit on each side, so a `---` typed, deleted or joined to the line above
   * is seen, and grows while its last document is a directive prologue (which joins the next).
   */
  private applyEdit(range: Range, text: string): void {
    let start = this.offsetAt(range.start);
    let end = this.offsetAt(range.end);
    if (end < start) [start, end] = [end, start];
    if (this.placed.length === 0) {
      this.update(text);
      return;
    }
    const count = this.placed.length;
    const a = Math.max(0, this.documentAtOffset(start) - 1);
    let b = Math.min(count - 1, this.documentAtOffset(end) + 1);
    const regionStart = this.placed[a].chunk.startOffset;
    let oldRegion = '';
    for (let i = a; i <= b; i++) oldRegion += this.placed[i].chunk.text;
    let newRegion = oldRegion.slice(0, start - regionStart) + text + oldRegion.slice(end - regionStart);
    let chunks = splitDocuments(newRegion, regionStart === 0);
    while (b < count - 1 && chunks.length > 0) {
      const last = chunks[chunks.length - 1];
      if (!isDirectivePrologue(last.text, 0, last.text.length)) break;
      b++;
      oldRegion += this.placed[b].chunk.text;
      newRegion += this.placed[b].chunk.text;
      chunks = splitDocuments(newRegion, regionStart === 0);
    }
    const startLine = this.placed[a].chunk.startLine;
    const old = this.placed.slice(a, b + 1);
    // Documents at the region's ends usually did not change: keep them as they are.
    let head = 0;
    while (head < chunks.length && head < old.length && chunks[head].text === old[head].chunk.text && chunks[head].startOffset === old[head].chunk.startOffset - regionStart) head++;
    let tail = 0;
    while (tail < chunks.length - head && tail < old.length - head
      && chunks[chunks.length - 1 - tail].text === old[old.length - 1 - tail].chunk.text) tail++;
    const reuse = new Map<string, ParsedDocument>();
    for (let i = head; i < old.length - tail; i++) reuse.set(old[i].parsed.text, old[i].parsed);
    const fresh: PlacedDocument[] = [];
    for (let i = head; i < chunks.length - tail; i++) {
      const chunk = chunks[i];
      let parsed = reuse.get(chunk.text);
      if (!parsed) {
        parsed = new ParsedDocument(chunk.text);
        reuse.set(chunk.text, parsed);
      }
      fresh.push({
        index: a + i,
        chunk: { text: chunk.text, startOffset: regionStart + chunk.startOffset, startLine: startLine + chunk.startLine },
        parsed,
      });
    }
    const from = a + head;
    const removed = old.length - head - tail;
    this.placed.splice(from, removed, ...fresh);
    // Everything after the replaced documents moves by the same amounts.
    const offsetDelta = text.length - (end - start);
    const lineDelta = countNewlines(newRegion) - countNewlines(oldRegion);
    const indexDelta = fresh.length - removed;
    if (offsetDelta !== 0 || lineDelta !== 0 || indexDelta !== 0) {
      for (let i = from + fresh.length; i < this.placed.length; i++) {
        const doc = this.placed[i];
        doc.index = i;
        doc.chunk.startOffset += offsetDelta;
        doc.chunk.startLine += lineDelta;
      }
    }
    this.textLength += offsetDelta;
    this.joined = undefined;
    this.lineIndex = undefined;
    const newEndLine = this.lineAt(from + fresh.length);
    this.record({ from, oldEnd: from + removed, newEnd: from + fresh.length, fromLine: this.lineAt(from), oldEndLine: newEndLine - lineDelta, newEndLine });
  }

  /** The document containing a line of the file. */
  documentAtLine(line: number): PlacedDocument | undefined {
    if (this.placed.length === 0 || this.placed[0].chunk.startLine > line) return undefined;
    return this.placed[this.documentIndexAtLine(line)];
  }
}

/**
 * The library's "Map keys must be unique" errors, found in linear time: scalar keys compared by
 * value, as the library does (1 and "1" differ), collection keys never equal, and `<<` merge keys
 * allowed more than once where merging is on.
 */
function reportDuplicateKeys(doc: Document.Parsed, merge: boolean): void {
  const found: YAMLParseError[] = [];
  const stack: unknown[] = [doc.contents];
  while (stack.length) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        const key = pair.key;
        if (isScalar(key)) {
          const value = key.value;
          if (!(merge && value === '<<')) {
            if (seen.has(value) && key.range) found.push(new YAMLParseError([key.range[0], key.range[1]], 'DUPLICATE_KEY', 'Map keys must be unique'));
            seen.add(value);
          }
        } else if (key) stack.push(key);
        if (pair.value) stack.push(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(item);
    }
  }
  if (found.length === 0) return;
  // In text order among the parser's own errors, as the library reports them.
  doc.errors.push(...found);
  doc.errors.sort((x, y) => x.pos[0] - y.pos[0]);
}
