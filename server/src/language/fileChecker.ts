// The findings of one file kept up to date edit by edit, for the editor. It keeps the file's
// list of findings and, after an edit, replaces only the findings of the documents the edit
// replaced (found in the list by line, since each document's findings lie within its lines);
// the findings after them are moved only when lines were inserted or deleted above them.
// Gives exactly `[...lintFile(file), ...workspaceFindings(file, index)]`.
import type { DocumentsSpan, YamlFile } from './documents';
import type { IndexedDocument, WorkspaceIndex } from './workspaceIndex';
import { fileLintContext, localFindingsKey, placedDocumentFindings, type LintContext } from './lint';
import { documentWorkspaceFindings } from './rules';
import { isPartialFile } from './workspaceIndex';
import { shiftRange } from './lineIndex';
import type { Finding } from './types';

/**
 * Findings in document order, each with the first line of the document it belongs to (a
 * finding may sit on the line where the next document starts, at its own document's end).
 */
class FindingList {
  findings: Finding[] = [];
  owners: number[] = [];

  push(finding: Finding, ownerLine: number): void {
    this.findings.push(finding);
    this.owners.push(ownerLine);
  }

  /** The first finding of a document starting on or after `line`. */
  private firstOwnedFrom(line: number): number {
    let lo = 0;
    let hi = this.owners.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.owners[mid] < line) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Replaces the findings of the span's documents with `middle`; the later ones move with their documents. */
  replaceSpan(span: DocumentsSpan, middle: FindingList): void {
    const start = this.firstOwnedFrom(span.fromLine);
    const end = this.firstOwnedFrom(span.oldEndLine);
    const lines = span.newEndLine - span.oldEndLine;
    if (lines === 0 && middle.findings.length < 10000) {
      this.findings.splice(start, end - start, ...middle.findings);
      this.owners.splice(start, end - start, ...middle.owners);
      return;
    }
    const findings = this.findings.slice(0, start);
    const owners = this.owners.slice(0, start);
    for (let i = 0; i < middle.findings.length; i++) {
      findings.push(middle.findings[i]);
      owners.push(middle.owners[i]);
    }
    for (let i = end; i < this.findings.length; i++) {
      const f = this.findings[i];
      findings.push(lines === 0 ? f : { ...f, range: shiftRange(f.range, lines) });
      owners.push(this.owners[i] + lines);
    }
    this.findings = findings;
    this.owners = owners;
  }
}

export class FileChecker {
  private local = new FindingList();
  private workspace = new FindingList();
  private synced: number | undefined;
  private localKey = '';
  private workspaceKey = '';

  constructor(readonly file: YamlFile) {}

  /** Every finding of the file in file coordinates: the file's own, then the workspace rules'. */
  findings(index: WorkspaceIndex, context: LintContext): Finding[] {
    const { file } = this;
    if (index.file(file.uri) !== file) index.setFile(file.uri, file.text);
    const indexed = index.documentsIn(file.uri);
    const span = this.synced === undefined ? undefined : file.changedSince(this.synced);
    this.synced = file.version;
    const localKey = localFindingsKey(file, context);
    const workspaceKey = `${index.structureVersion}|${context.unresolvedReferences ?? 'off'}`;
    const partial = isPartialFile(file);
    const docs = file.documents;
    const local = fileLintContext(file, context);
    const localOf = (from: number, to: number) => {
      const out = new FindingList();
      for (let i = from; i < to; i++) for (const f of placedDocumentFindings(docs[i], local, partial)) out.push(f, docs[i].chunk.startLine);
      return out;
    };
    const workspaceOf = (from: number, to: number) => {
      const out = new FindingList();
      for (let i = from; i < to; i++) for (const f of this.workspaceFindingsOf(indexed[i], index, context)) out.push(f, docs[i].chunk.startLine);
      return out;
    };
    const changed = span !== undefined && (span.from !== span.oldEnd || span.from !== span.newEnd);
    if (!span || localKey !== this.localKey) this.local = localOf(0, docs.length);
    else if (changed) this.local.replaceSpan(span, localOf(span.from, span.newEnd));
    // Workspace findings may name document indices: when the number of documents changes, the
    // documents after the change are checked again.
    if (!span || workspaceKey !== this.workspaceKey) this.workspace = workspaceOf(0, docs.length);
    else if (span.newEnd !== span.oldEnd) this.workspace.replaceSpan({ ...span, oldEndLine: Number.MAX_SAFE_INTEGER, newEndLine: Number.MAX_SAFE_INTEGER }, workspaceOf(span.from, docs.length));
    else if (changed) this.workspace.replaceSpan(span, workspaceOf(span.from, span.newEnd));
    this.localKey = localKey;
    this.workspaceKey = workspaceKey;
    return this.local.findings.concat(this.workspace.findings);
  }

  private workspaceFindingsOf(doc: IndexedDocument, index: WorkspaceIndex, context: LintContext): readonly Finding[] {
    return doc.object || doc.refs.length ? documentWorkspaceFindings(this.file.uri, doc, index, context) : [];
  }
}
