// The document model: splits a YAML file into its documents and parses each one,
// caching the parse by document text so an edit re-parses only what changed.
import { isAlias, parseDocument, visit, type Document, type Node } from 'yaml';
import { LineIndex } from './lineIndex';
import { identify, type ObjectIdentity } from './fluxObjects';
import type { Finding } from './types';

/** One document's slice of a file. Chunks always start at the beginning of a line. */
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
 * Splits YAML text at document markers. `---` or `...` count only at column 0 followed by
 * whitespace or the line end; YAML forbids such lines inside any scalar, so a line scan is exact,
 * and an indented `---` inside a block scalar is (correctly) not a marker.
 */
export function splitDocuments(text: string): DocumentChunk[] {
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
    if (m[1] && offset !== 0) continue;
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

/** One parsed document; immutable, shared between versions of a file with the same text. */
export class ParsedDocument {
  readonly yaml: Document.Parsed;
  readonly lines: LineIndex;
  readonly identity: ObjectIdentity | undefined;
  /** Findings that depend on this document's text alone, cached by settings key. */
  readonly localFindings = new Map<string, Finding[]>();

  constructor(readonly text: string) {
    // `<<` merge keys: Kubernetes' YAML reader honours them, so they are merged, not unknown fields.
    // logLevel 'error': the library's warnings (e.g. "Keys with collection values will be
    // stringified") would go to stderr through process.emitWarning; what matters is reported as findings.
    this.yaml = parseDocument(text, { prettyErrors: false, uniqueKeys: true, keepSourceTokens: false, merge: true, logLevel: 'error' });
    this.lines = new LineIndex(text);
    this.identity = identify(this.yaml);
  }

  private plain: PlainValue | undefined;

  /**
   * The document as plain data. Converting can fail on text that parses: an alias whose anchor
   * is in another document (anchors never cross `---`), or an alias count that signals an
   * expansion bomb; callers get the reason and the alias to blame instead of an exception.
   */
  get plainValue(): PlainValue {
    if (!this.plain) {
      try {
        this.plain = { ok: true, value: this.yaml.toJS({ maxAliasCount: 100 }) as unknown };
      } catch (error) {
        this.plain = { ok: false, message: (error as Error).message, ...blameAlias(this.yaml) };
      }
    }
    return this.plain;
  }
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

/**
 * A YAML file whose documents are parsed incrementally: on each update only chunks whose
 * text is new are parsed; the others are reused from the previous version.
 */
export class YamlFile {
  private placed: PlacedDocument[] = [];
  private lineIndex: LineIndex | undefined;
  private currentText = '';

  constructor(readonly uri: string, text = '') {
    this.update(text);
  }

  get text(): string {
    return this.currentText;
  }

  get documents(): readonly PlacedDocument[] {
    return this.placed;
  }

  get lines(): LineIndex {
    this.lineIndex ??= new LineIndex(this.currentText);
    return this.lineIndex;
  }

  update(text: string): void {
    this.currentText = text;
    this.lineIndex = undefined;
    const chunks = splitDocuments(text);
    const before = this.placed;
    // An edit usually touches one document: the ones before it and after it are equal to the
    // previous ones at the same place counted from the start or from the end. Comparing those
    // pairs is cheap; only the documents in between are looked up by text (a hash of each).
    let head = 0;
    while (head < chunks.length && head < before.length && chunks[head].text === before[head].parsed.text) head++;
    let tail = 0;
    while (tail < chunks.length - head && tail < before.length - head
      && chunks[chunks.length - 1 - tail].text === before[before.length - 1 - tail].parsed.text) tail++;
    const placed: PlacedDocument[] = new Array<PlacedDocument>(chunks.length);
    for (let i = 0; i < head; i++) placed[i] = { index: i, chunk: chunks[i], parsed: before[i].parsed };
    for (let t = 0; t < tail; t++) {
      const i = chunks.length - 1 - t;
      placed[i] = { index: i, chunk: chunks[i], parsed: before[before.length - 1 - t].parsed };
    }
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
  }

  /** The document containing a line of the file. */
  documentAtLine(line: number): PlacedDocument | undefined {
    let found: PlacedDocument | undefined;
    for (const doc of this.placed) {
      if (doc.chunk.startLine <= line) found = doc;
      else break;
    }
    return found;
  }
}
