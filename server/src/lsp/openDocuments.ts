// Open documents held as the index's document models, not as whole strings: an incremental
// change from the editor is applied to the documents it touches (see YamlFile.applyChanges), so
// a keystroke in a 5 MB file neither copies the text nor re-splits it. The whole text is joined
// only when a feature asks for it (getText without a range).
// Opening a big file does not stop the server: its documents are parsed and checked a slice at
// a time between other messages (hover and completion answer meanwhile, from the documents at
// hand), and the file joins the index and gets diagnostics when all are done.
import { TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Position, Range } from 'vscode-languageserver';
import { prepareForIndex, type WorkspaceIndex } from '../language/workspaceIndex';
import { YamlFile, type ParsedDocument, type TextChange } from '../language/documents';
import { checkThenRelease, type LintContext } from '../language/lint';
import { documentWorkspaceFindings } from '../language/rules';

/** Files with more documents than this are opened a slice at a time. */
export const GRADUAL_OPEN_DOCUMENTS = 200;
/** Work done between two looks at pending messages while opening a big file. */
const SLICE_MS = 8;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A TextDocument backed by the workspace index's model of the file. */
export class IndexedTextDocument implements TextDocument {
  /** False while a big file is still being parsed and checked (it is not in the index yet). */
  ready = true;
  closed = false;

  constructor(
    readonly uri: string,
    readonly languageId: string,
    public version: number,
    private model: YamlFile,
    private readonly index: WorkspaceIndex,
  ) {}

  /** The index's model of this document (re-registered if the index dropped it). */
  get file(): YamlFile {
    if (this.ready && this.index.file(this.uri) !== this.model) this.index.adoptFile(this.model);
    return this.model;
  }

  getText(range?: Range): string {
    const text = this.file.text;
    return range ? text.slice(this.offsetAt(range.start), this.offsetAt(range.end)) : text;
  }

  positionAt(offset: number): Position {
    return this.file.positionAt(offset);
  }

  offsetAt(position: Position): number {
    return this.file.offsetAt(position);
  }

  getLineRange(line: number): Range {
    if (line < 0) return { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    const at = Math.min(line, this.lineCount - 1);
    const start = this.offsetAt({ line: at, character: 0 });
    return { start: { line: at, character: 0 }, end: { line: at, character: this.offsetAt({ line: at, character: Number.MAX_SAFE_INTEGER }) - start } };
  }

  getEOLCharacters(line: number): string {
    if (line < 0 || line >= this.lineCount) return '';
    return this.getText({ start: { line, character: Number.MAX_SAFE_INTEGER }, end: { line: line + 1, character: 0 } });
  }

  get lineCount(): number {
    return this.file.lineCount;
  }

  apply(changes: readonly TextChange[], version: number): void {
    if (this.ready) this.index.editFile(this.file.uri, changes);
    else this.model.applyChanges(changes);
    this.version = version;
  }

  /**
   * Parses and checks the documents a slice at a time, yielding to pending messages between
   * slices; then hands the file to the index and warms the workspace rules the same way.
   */
  async prepare(lintContext: () => LintContext, warm?: (parsed: ParsedDocument) => void): Promise<void> {
    const model = this.model;
    for (let i = 0; i < model.documents.length && !this.closed;) {
      const deadline = performance.now() + SLICE_MS;
      for (; i < model.documents.length && performance.now() < deadline; i++) {
        const { parsed } = model.documents[i];
        prepareForIndex(parsed);
        // Thrown away here the tree dies young.
        checkThenRelease(parsed, lintContext(), warm);
      }
      await nextTurn();
    }
    if (this.closed) return;
    this.index.adoptFile(model);
    this.ready = true;
    for (let i = 0; i < this.index.documentsIn(this.uri).length && !this.closed && this.index.file(this.uri) === model;) {
      const deadline = performance.now() + SLICE_MS;
      for (const docs = this.index.documentsIn(this.uri); i < docs.length && performance.now() < deadline; i++) {
        documentWorkspaceFindings(this.uri, docs[i], this.index, lintContext());
      }
      await nextTurn();
    }
  }
}

export interface OpenDocumentsOptions {
  lintContext: () => LintContext;
  /** Called when a big file opened gradually is ready for diagnostics. */
  onReady: (uri: string) => void;
  /** Reads what other features will want from a document before its tree is dropped (live targets). */
  warm?: (parsed: ParsedDocument) => void;
}

export function createOpenDocuments(index: WorkspaceIndex, options: OpenDocumentsOptions): TextDocuments<TextDocument> {
  const documents = new TextDocuments<TextDocument>({
    create: (uri, languageId, version, content) => {
      const known = index.file(uri);
      if (known && known.length === content.length && known.text === content) return new IndexedTextDocument(uri, languageId, version, known, index);
      const model = new YamlFile(uri, content);
      if (model.documents.length <= GRADUAL_OPEN_DOCUMENTS) {
        // The index's model, if it has one, keeps the parses of the documents it already has.
        return new IndexedTextDocument(uri, languageId, version, index.setFile(uri, content), index);
      }
      const document = new IndexedTextDocument(uri, languageId, version, model, index);
      document.ready = false;
      void document.prepare(options.lintContext, options.warm).then(() => {
        if (!document.closed) options.onReady(uri);
      });
      return document;
    },
    update: (document, changes, version) => {
      (document as unknown as IndexedTextDocument).apply(changes, version);
      return document;
    },
  });
  documents.onDidClose((e) => {
    if (e.document instanceof IndexedTextDocument) e.document.closed = true;
  });
  return documents;
}

/** False while a big file is still being opened (no diagnostics until it is ready). */
export function isReady(document: TextDocument): boolean {
  return !(document instanceof IndexedTextDocument) || document.ready;
}

/** The model of an open document (kept in the index). */
export function openFile(document: TextDocument, index: WorkspaceIndex): YamlFile {
  return document instanceof IndexedTextDocument ? document.file : index.setFile(document.uri, document.getText());
}
