// Open documents held as the index's document models, not as whole strings: an incremental
// change from the editor is applied to the documents it touches (see YamlFile.applyChanges), so
// a keystroke in a 5 MB file neither copies the text nor re-splits it. The whole text is joined
// only when a feature asks for it (getText without a range).
import { TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Position, Range } from 'vscode-languageserver';
import type { WorkspaceIndex } from '../language/workspaceIndex';
import type { TextChange, YamlFile } from '../language/documents';

/** A TextDocument backed by the workspace index's model of the file. */
export class IndexedTextDocument implements TextDocument {
  constructor(
    readonly uri: string,
    readonly languageId: string,
    public version: number,
    private model: YamlFile,
    private readonly index: WorkspaceIndex,
  ) {}

  /** The index's model of this document (re-registered if the index dropped it). */
  get file(): YamlFile {
    if (this.index.file(this.uri) !== this.model) this.model = this.index.setFile(this.uri, this.model.text);
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
    const file = this.file;
    this.index.editFile(this.uri, changes);
    this.model = file;
    this.version = version;
  }
}

export function createOpenDocuments(index: WorkspaceIndex): TextDocuments<TextDocument> {
  return new TextDocuments<TextDocument>({
    create: (uri, languageId, version, content) => new IndexedTextDocument(uri, languageId, version, index.setFile(uri, content), index),
    update: (document, changes, version) => {
      (document as unknown as IndexedTextDocument).apply(changes, version);
      return document;
    },
  });
}

/** The model of an open document (kept in the index). */
export function openFile(document: TextDocument, index: WorkspaceIndex): YamlFile {
  return document instanceof IndexedTextDocument ? document.file : index.setFile(document.uri, document.getText());
}
