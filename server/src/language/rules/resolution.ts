// Resolving references through the workspace index, and the findings about them:
// not found, found with another kind, ambiguous.
import type { Finding } from '../types';
import type { IndexedObject, ObjectReference, WorkspaceIndex } from '../workspaceIndex';
import type { QuickFix } from './edits';

/** Kinds a reference might have meant when its own kind finds nothing. */
const KIND_FAMILIES: readonly (readonly string[])[] = [
  ['OCIRepository', 'GitRepository', 'Bucket', 'HelmRepository', 'HelmChart', 'ExternalArtifact'],
  ['Kustomization', 'HelmRelease'],
];

export type Resolution =
  | { state: 'found'; targets: IndexedObject[] }
  | { state: 'ambiguous'; candidates: readonly IndexedObject[] }
  | { state: 'other-kind'; targets: IndexedObject[] }
  | { state: 'missing' };

export function resolveReference(index: WorkspaceIndex, ref: ObjectReference): Resolution {
  const targets = index.resolve({ kind: ref.kind, name: ref.name, namespace: ref.namespace });
  if (targets.length) return { state: 'found', targets };
  const candidates = index.withKindAndName(ref.kind, ref.name);
  if (candidates.length > 1 && candidates.some((c) => !c.identity.namespace || !ref.namespace)) return { state: 'ambiguous', candidates };
  const family = KIND_FAMILIES.find((f) => f.includes(ref.kind)) ?? [];
  const others = family.filter((k) => k !== ref.kind).flatMap((kind) => index.resolve({ kind, name: ref.name, namespace: ref.namespace }));
  if (others.length) return { state: 'other-kind', targets: others };
  return { state: 'missing' };
}

const describe = (ref: ObjectReference) => `${ref.kind} "${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}"`;

const WAITS: Record<string, string> = {
  source: 'Flux keeps the object not ready until the source exists',
  chart: 'Flux keeps the HelmRelease not ready until the chart source exists',
  dependsOn: 'Flux holds this object back until the dependency is ready, which never happens if it does not exist',
};

/** Findings for the source, chart and dependsOn references of one file. */
export function referenceFindings(index: WorkspaceIndex, refs: readonly ObjectReference[], unresolved: 'warning' | 'off'): Finding[] {
  const findings: Finding[] = [];
  for (const ref of refs) {
    if (ref.role !== 'source' && ref.role !== 'chart' && ref.role !== 'dependsOn') continue;
    // A kind the field does not accept is reported by the schema (flux/ref-kind-not-allowed).
    if (!ref.allowedKinds.includes(ref.kind)) continue;
    const resolution = resolveReference(index, ref);
    // With unresolved references switched off, sources may live in the cluster only, so a
    // same-named object of another kind is no evidence of a mistake.
    if (resolution.state === 'other-kind' && unresolved === 'warning') {
      const found = resolution.targets[0].identity.kind;
      const allowed = ref.allowedKinds.includes(found);
      findings.push({
        range: ref.kindRange ?? ref.nameRange,
        severity: 'error',
        code: 'flux/ref-wrong-kind',
        message: `${ref.field} names ${describe(ref)}, but "${ref.name}" in this workspace is ${/^[AEIOU]/.test(found) ? 'an' : 'a'} ${found}${allowed ? '' : `, which ${ref.field} cannot use (it accepts ${ref.allowedKinds.join(', ')})`}; ${WAITS[ref.role]}`,
      });
    } else if (resolution.state === 'missing' && unresolved === 'warning') {
      findings.push({
        range: ref.nameRange,
        severity: 'warning',
        code: 'flux/ref-not-found',
        message: `${describe(ref)} is not defined in this workspace; ${WAITS[ref.role]}. (If it exists only in the cluster, turn this off with fluxOci.references.unresolved.)`,
      });
    }
  }
  return findings;
}

/** The fix for flux/ref-wrong-kind: write the kind that exists (recomputed from the index, so a stale diagnostic gets no fix). */
export function wrongKindFix(index: WorkspaceIndex, uri: string, finding: { range: Finding['range'] }): QuickFix[] {
  const at = finding.range.start;
  const ref = index.referencesIn(uri).find((r) => r.kindRange && r.kindRange.start.line === at.line && r.kindRange.start.character === at.character);
  if (!ref?.kindRange) return [];
  const resolution = resolveReference(index, ref);
  if (resolution.state !== 'other-kind') return [];
  const kind = resolution.targets[0].identity.kind;
  if (!ref.allowedKinds.includes(kind)) return [];
  return [{ title: `Change the kind to ${kind}`, kind: 'quickfix', isPreferred: true, edits: { [uri]: [{ range: ref.kindRange, newText: kind }] } }];
}
