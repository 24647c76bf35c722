// Go to definition and find references over the workspace index: from a reference's name
// (sourceRef, chartRef, dependsOn, secretRef, ...) to the object, and from an object's
// metadata.name to everything that names it.
import type { Position, Range } from './types';
import type { ObjectReference, WorkspaceIndex } from './workspaceIndex';
import { resolveReference } from './rules/resolution';

export interface Location { uri: string; range: Range }

export function contains(range: Range, p: Position): boolean {
  const afterStart = p.line > range.start.line || (p.line === range.start.line && p.character >= range.start.character);
  const beforeEnd = p.line < range.end.line || (p.line === range.end.line && p.character <= range.end.character);
  return afterStart && beforeEnd;
}

export function referenceAt(index: WorkspaceIndex, uri: string, position: Position): ObjectReference | undefined {
  return index.referencesIn(uri).find((r) => contains(r.nameRange, position) || (r.kindRange !== undefined && contains(r.kindRange, position)));
}

export function definitionAt(index: WorkspaceIndex, uri: string, position: Position): Location[] {
  const ref = referenceAt(index, uri, position);
  if (!ref) return [];
  const resolution = resolveReference(index, ref);
  const targets = resolution.state === 'found' || resolution.state === 'other-kind' || resolution.state === 'other-kind-unknown-namespace' ? resolution.targets
    : resolution.state === 'ambiguous' ? [...resolution.candidates] : [];
  return targets.map((o) => ({ uri: o.uri, range: o.nameRange }));
}

export function referencesAt(index: WorkspaceIndex, uri: string, position: Position, includeDeclaration = false): Location[] {
  let object = index.objectsIn(uri).find((o) => contains(o.nameRange, position));
  if (!object) {
    const ref = referenceAt(index, uri, position);
    const resolved = ref ? index.resolveRef(ref) : [];
    if (resolved.length !== 1) return [];
    object = resolved[0];
  }
  const locations = index.referencesOf(object).map((r) => ({ uri: r.uri, range: r.nameRange }));
  return includeDeclaration ? [{ uri: object.uri, range: object.nameRange }, ...locations] : locations;
}
