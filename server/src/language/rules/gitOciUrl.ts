// `flux/git-oci-url` (found by diagnostics/schema.ts): a GitRepository whose url is oci://.
// The fix turns the document into an OCIRepository — apiVersion, kind, Git-only fields dropped,
// `ref.tag`/`ref.semver` kept — and points every sourceRef that named it at the new kind.
import type { PlacedDocument } from '../documents';
import type { SchemaCatalog } from '../schemas';
import type { TextEdit } from '../types';
import type { IndexedObject, WorkspaceIndex } from '../workspaceIndex';
import { nodeAtPath, parseInstancePath, type PathSegment } from '../yamlPath';
import { deletePaths, replaceNode, type QuickFix, type WorkspaceEdits } from './edits';

/** Spec fields of a GitRepository that mean something else (or nothing) to an OCIRepository. */
const ALWAYS_DROP: PathSegment[][] = [['spec', 'verify']];

/** Paths to drop so that the document validates as an OCIRepository. */
export function gitOnlyPaths(doc: PlacedDocument, catalog: SchemaCatalog): PathSegment[][] | undefined {
  const target = catalog.servedVersion('OCIRepository');
  if (!target) return undefined;
  const plain = doc.parsed.plainValue;
  if (!plain.ok || typeof plain.value !== 'object' || plain.value === null) return undefined;
  // A copy: the plain value is cached on the document and shared.
  const value = { ...(plain.value as Record<string, unknown>), apiVersion: `${target.group}/${target.version}`, kind: 'OCIRepository' };
  const validate = catalog.validator(target);
  validate(value);
  const paths: PathSegment[][] = ALWAYS_DROP.filter((p) => nodeAtPath(doc.parsed.yaml, p).depth === p.length);
  for (const error of validate.errors ?? []) {
    const at = parseInstancePath(error.instancePath);
    if (at[0] !== 'spec' || at[1] === 'verify') continue;
    if (error.keyword === 'additionalProperties') paths.push([...at, String((error.params as { additionalProperty: string }).additionalProperty)]);
    // A provider only Git knows (github) has no OCI meaning.
    else if (error.keyword === 'enum' && at.length === 2 && at[1] === 'provider') paths.push(at);
  }
  return paths;
}

export function gitToOciFix(uri: string, doc: PlacedDocument, index: WorkspaceIndex, catalog: SchemaCatalog): QuickFix | undefined {
  const target = catalog.servedVersion('OCIRepository');
  const apiVersion = nodeAtPath(doc.parsed.yaml, ['apiVersion']).value;
  const kind = nodeAtPath(doc.parsed.yaml, ['kind']).value;
  const paths = gitOnlyPaths(doc, catalog);
  if (!target || !apiVersion || !kind || !paths) return undefined;
  const local: TextEdit[] = [
    replaceNode(doc, apiVersion, `${target.group}/${target.version}`),
    replaceNode(doc, kind, 'OCIRepository'),
  ];
  const deletes = deletePaths(doc, paths);
  if (!deletes) return undefined;
  local.push(...deletes);
  const edits: WorkspaceEdits = { [uri]: local };

  // Every sourceRef resolving to this GitRepository (in any file) now names an OCIRepository.
  const self = index.objectsIn(uri).find((o) => o.documentIndex === doc.index);
  for (const ref of self ? referencesRetargetable(index, self) : []) {
    (edits[ref.uri] ??= []).push({ range: ref.kindRange!, newText: 'OCIRepository' });
  }
  return { title: 'Convert to an OCIRepository (and update the sourceRefs that point at it)', kind: 'quickfix', isPreferred: true, edits };
}

function referencesRetargetable(index: WorkspaceIndex, object: IndexedObject) {
  return index.referencesOf(object).filter((ref) => ref.explicitKind && ref.kindRange && ref.allowedKinds.includes('OCIRepository'));
}
