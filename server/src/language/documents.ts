// The document model: splits a YAML file into its documents and parses each one,
// caching the parse by document text so an edit re-parses only what changed.
import { parseDocument, type Document } from 'yaml';
import { LineIndex } from './lineIndex';
import { identify, type ObjectIdentity } from './fluxObjects';
import type { Finding } from './types';

/** One document's slice of a file. Chunks always start at the beginning of a line. */
export interface DocumentChunk {
  text: string;
  startOffset: number;
  startLine: number;
}

const isMarker = (line: string, marker: '---' | '...'): boolean =>
  line.startsWith(marker) && (line.length === 3 || line[3] === ' ' || line[3] === '\t' || line[3] === '\r' || line[3] === '\n');

/** A chunk made only of directives (`%YAML`), comments and blank lines belongs to the next document. */
const isDirectivePrologue = (text: string): boolean => {
  let sawDirective = false;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/^\uFEFF/, '').trim();
    if (line.startsWith('%')) sawDirective = true;
    else if (line !== '' && !line.startsWith('#')) return false;
  }
  return sawDirective;
};

/**
 * Splits YAML text at document markers. `---` or `...` count only at column 0 followed by
 * whitespace or the line end; YAML forbids such lines inside any scalar, so a line scan is exact,
 * and an indented `---` inside a block scalar is (correctly) not a marker.
 */
export function splitDocuments(text: string): DocumentChunk[] {
  const chunks: DocumentChunk[] = [];
  let chunkStart = 0;
  let chunkLine = 0;
  let offset = 0;
  let line = 0;
  const close = (end: number, nextStart: number, nextLine: number) => {
    if (end > chunkStart) chunks.push({ text: text.slice(chunkStart, end), startOffset: chunkStart, startLine: chunkLine });
    chunkStart = nextStart;
    chunkLine = nextLine;
  };
  while (offset < text.length) {
    const newline = text.indexOf('\n', offset);
    const lineEnd = newline === -1 ? text.length : newline + 1;
    let content = text.slice(offset, Math.min(lineEnd, offset + 4));
    if (line === 0 && content.startsWith('\uFEFF')) content = text.slice(offset + 1, Math.min(lineEnd, offset + 5));
    if (isMarker(content, '---')) {
      if (offset > chunkStart && !isDirectivePrologue(text.slice(chunkStart, offset))) close(offset, offset, line);
    } else if (isMarker(content, '...')) {
      close(lineEnd, lineEnd, line + 1);
    }
    offset = lineEnd;
    line++;
  }
  close(text.length, text.length, line);
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
    this.yaml = parseDocument(text, { prettyErrors: false, uniqueKeys: true, keepSourceTokens: false });
    this.lines = new LineIndex(text);
    this.identity = identify(this.yaml);
  }
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
  private cache = new Map<string, ParsedDocument>();
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
    const next = new Map<string, ParsedDocument>();
    this.placed = splitDocuments(text).map((chunk, index) => {
      let parsed = next.get(chunk.text) ?? this.cache.get(chunk.text);
      if (!parsed) parsed = new ParsedDocument(chunk.text);
      next.set(chunk.text, parsed);
      return { index, chunk, parsed };
    });
    this.cache = next;
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
