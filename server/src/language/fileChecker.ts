// The findings of one file kept up to date edit by edit, for the editor: after an edit only the
// documents it replaced are checked again (from the per-document caches when their text was
// seen before); the others keep their findings, re-placed only when lines above them moved.
// Gives exactly `[...lintFile(file), ...workspaceFindings(file, index)]`.
import type { PlacedDocument, YamlFile } from './documents';
import type { WorkspaceIndex } from './workspaceIndex';
import { localFindingsKey, placedDocumentFindings, type LintContext } from './lint';
import { documentWorkspaceFindings } from './rules';
import { isPartialFile } from './workspaceIndex';
import type { Finding } from './types';

interface Entry {
  placed: PlacedDocument;
  local: Finding[] | undefined;
  localLine: number;
  workspace: Finding[] | undefined;
  workspaceLine: number;
  workspaceIndex: number;
  workspaceKey: string;
}

const NONE: Finding[] = [];

export class FileChecker {
  private entries: Entry[] = [];
  private synced: number | undefined;
  private localKey = '';

  constructor(readonly file: YamlFile) {}

  /** Every finding of the file in file coordinates: the file's own, then the workspace rules'. */
  findings(index: WorkspaceIndex, context: LintContext): Finding[] {
    const { file } = this;
    if (index.file(file.uri) !== file) index.setFile(file.uri, file.text);
    this.sync();
    const localKey = localFindingsKey(file, context);
    if (localKey !== this.localKey) {
      this.localKey = localKey;
      for (const entry of this.entries) entry.local = undefined;
    }
    const partial = isPartialFile(file);
    const workspaceKey = `${index.structureVersion}|${context.unresolvedReferences ?? 'off'}`;
    const indexed = index.documentsIn(file.uri);
    const local: Finding[] = [];
    const workspace: Finding[] = [];
    for (let i = 0; i < this.entries.length; i++) {
      const entry = this.entries[i];
      const line = entry.placed.chunk.startLine;
      if (!entry.local || entry.localLine !== line) {
        entry.local = placedDocumentFindings(entry.placed, context, partial);
        entry.localLine = line;
      }
      for (const f of entry.local) local.push(f);
      const doc = indexed[i];
      if (!entry.workspace || entry.workspaceKey !== workspaceKey || entry.workspaceLine !== line || entry.workspaceIndex !== doc.documentIndex) {
        entry.workspace = doc.object || doc.refs.length ? documentWorkspaceFindings(file.uri, doc, index, context) : NONE;
        entry.workspaceKey = workspaceKey;
        entry.workspaceLine = line;
        entry.workspaceIndex = doc.documentIndex;
      }
      for (const f of entry.workspace) workspace.push(f);
    }
    for (const f of workspace) local.push(f);
    return local;
  }

  /** Replaces the entries of the documents changed since the last call. */
  private sync(): void {
    const docs = this.file.documents;
    const span = (this.synced === undefined ? undefined : this.file.changedSince(this.synced))
      ?? { from: 0, oldEnd: this.entries.length, newEnd: docs.length };
    this.synced = this.file.version;
    if (span.from === span.oldEnd && span.from === span.newEnd) return;
    const fresh: Entry[] = [];
    for (let i = span.from; i < span.newEnd; i++) {
      fresh.push({ placed: docs[i], local: undefined, localLine: 0, workspace: undefined, workspaceLine: 0, workspaceIndex: 0, workspaceKey: '' });
    }
    if (fresh.length < 10000) this.entries.splice(span.from, span.oldEnd - span.from, ...fresh);
    else this.entries = this.entries.slice(0, span.from).concat(fresh, this.entries.slice(span.oldEnd));
  }
}
