// Flux rules that need more than one document's text: they look at other objects through
// the workspace index. Returns findings in file coordinates. Every check here is a lookup in
// the index per reference or per object, so re-linting a large file stays cheap.
import type { YamlFile } from '../documents';
import type { WorkspaceIndex } from '../workspaceIndex';
import type { LintContext } from '../lint';
import type { Finding } from '../types';
import { referenceFindings } from './resolution';
import { cycleFindings } from './cycles';
import { duplicateFindings } from './duplicates';
import { secretReferenceFindings } from './secretReferences';
import { chartRefFindings } from './helmRelease';

export function workspaceFindings(file: YamlFile, index: WorkspaceIndex, context: LintContext): Finding[] {
  const uri = file.uri;
  if (index.file(uri) !== file) index.setFile(uri, file.text);
  const refs = index.referencesIn(uri);
  return [
    ...referenceFindings(index, refs, context.unresolvedReferences ?? 'warning'),
    ...cycleFindings(index, uri, refs),
    ...duplicateFindings(index, uri),
    ...secretReferenceFindings(index, refs),
    ...chartRefFindings(index, refs),
  ];
}

/**
 * What a file offers to the cross-file rules of other files: its objects (with Secret facts and
 * OCIRepository layer selectors) and its references. When it changes, other open files are re-checked.
 */
export function crossFileSignature(file: YamlFile, index: WorkspaceIndex): string {
  const parts: string[] = [];
  for (const o of index.objectsIn(file.uri)) {
    parts.push(`${o.identity.kind}/${o.identity.namespace ?? ''}/${o.identity.name}/${o.secretType ?? ''}/${o.dataKeys?.join(',') ?? ''}/${o.sops ? 's' : ''}`);
    if (o.identity.kind === 'OCIRepository') parts.push(file.documents[o.documentIndex]?.parsed.text ?? '');
  }
  for (const r of index.referencesIn(file.uri)) parts.push(`${r.fromKind}/${r.fromName ?? ''}>${r.kind}/${r.namespace ?? ''}/${r.name}`);
  return parts.join('\n');
}
