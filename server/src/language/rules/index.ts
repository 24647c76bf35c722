// Flux rules that need more than one document's text: they look at other objects through
// the workspace index. Returns findings in file coordinates.
// Results are cached per document and reused while the index's structure (names, references,
// Secret facts, kustomize lists) is unchanged, so re-linting a large file after a one-line
// edit recomputes only the edited document.
import { shiftRange } from '../lineIndex';
import { DocumentSlot, type YamlFile } from '../documents';
import type { IndexedDocument, WorkspaceIndex } from '../workspaceIndex';
import type { LintContext } from '../lint';
import type { Finding } from '../types';
import { referenceFindings } from './resolution';
import { cycleFindings } from './cycles';
import { duplicateFindings } from './duplicates';
import { secretReferenceFindings } from './secretReferences';
import { chartRefFindings } from './helmRelease';

interface CachedFindings {
  structureVersion: number;
  unresolved: 'warning' | 'off';
  uri: string;
  documentIndex: number;
  startLine: number;
  findings: Finding[];
}

const cache = new DocumentSlot<CachedFindings>();

function documentFindings(index: WorkspaceIndex, doc: IndexedDocument, unresolved: 'warning' | 'off'): Finding[] {
  return [
    ...referenceFindings(index, doc.refs, unresolved),
    ...cycleFindings(index, doc.object, doc.refs),
    ...duplicateFindings(index, doc.object),
    ...secretReferenceFindings(index, doc.refs),
    ...chartRefFindings(index, doc.refs),
  ];
}

const shift = (f: Finding, lines: number): Finding => (lines === 0 ? f : { ...f, range: shiftRange(f.range, lines) });

export function workspaceFindings(file: YamlFile, index: WorkspaceIndex, context: LintContext): Finding[] {
  const uri = file.uri;
  if (index.file(uri) !== file) index.setFile(uri, file.text);
  const out: Finding[] = [];
  for (const doc of index.documentsIn(uri)) {
    for (const finding of documentWorkspaceFindings(uri, doc, index, context)) out.push(finding);
  }
  return out;
}

/**
 * The workspace findings of one indexed document of `uri`, in file coordinates. Cached on the
 * document while the index's structure, the document's index and the setting are the same.
 */
export function documentWorkspaceFindings(uri: string, doc: IndexedDocument, index: WorkspaceIndex, context: LintContext): Finding[] {
  if (!doc.object && doc.refs.length === 0) return [];
  // Unset (the CLI's default): folders given to `flux-oci lint` are often a slice of a repository
  // whose sources live elsewhere, so names found nowhere are not reported unless asked for.
  const unresolved = context.unresolvedReferences ?? 'off';
  const structureVersion = index.structureVersion;
  let cached = cache.get(doc.parsed);
  if (!cached || cached.structureVersion !== structureVersion || cached.unresolved !== unresolved || cached.uri !== uri || cached.documentIndex !== doc.documentIndex) {
    cached = { structureVersion, unresolved, uri, documentIndex: doc.documentIndex, startLine: doc.startLine, findings: documentFindings(index, doc, unresolved) };
    cache.set(doc.parsed, cached);
  }
  const lines = doc.startLine - cached.startLine;
  return lines === 0 ? cached.findings : cached.findings.map((f) => shift(f, lines));
}

/**
 * What a file offers to the cross-file rules of other files. When it changes, other open
 * files are re-checked. The index tracks this as its structure version.
 */
export function crossFileSignature(file: YamlFile, index: WorkspaceIndex): string {
  if (index.file(file.uri) !== file) index.setFile(file.uri, file.text);
  return String(index.structureVersion);
}
