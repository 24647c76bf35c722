// Resolving references through the workspace index, and the findings about them:
// not found, found with another kind, ambiguous.
import type { Finding } from '../types';
import type { IndexedObject, ObjectReference, WorkspaceIndex } from '../workspaceIndex';
import type { QuickFix } from './edits';
import { FLUX_OPERATOR_KINDS } from './referenceFields';

/** Kinds a reference might have meant when its own kind finds nothing. */
const KIND_FAMILIES: readonly (readonly string[])[] = [
  ['OCIRepository', 'GitRepository', 'Bucket', 'HelmRepository', 'HelmChart', 'ExternalArtifact'],
  ['Kustomization', 'HelmRelease'],
];

export type Resolution =
  | { state: 'found'; targets: IndexedObject[] }
  | { state: 'ambiguous'; candidates: readonly IndexedObject[] }
  | { state: 'other-kind'; targets: IndexedObject[] }
  /**
   * Nothing of the written kind; an object of another kind has the name, but a namespace on one
   * side cannot be known, so whether it is the one meant cannot be told.
   */
  | { state: 'other-kind-unknown-namespace'; targets: IndexedObject[] }
  | { state: 'missing' };

export function resolveReference(index: WorkspaceIndex, ref: ObjectReference): Resolution {
  const namespace = index.referenceNamespace(ref);
  const targets = index.resolveRef(ref);
  if (targets.length) return { state: 'found', targets };
  const candidates = index.withKindAndName(ref.kind, ref.name);
  if (candidates.length > 1 && candidates.some((c) => !index.objectNamespace(c) || !namespace)) return { state: 'ambiguous', candidates };
  const family = KIND_FAMILIES.find((f) => f.includes(ref.kind)) ?? [];
  const others = family.filter((k) => k !== ref.kind).flatMap((kind) => index.resolveRef(ref, kind));
  // A kind mistake is claimed only when both namespaces are known and equal; a same-named object
  // whose namespace (or the reference's) is unknown may well live elsewhere.
  const certain = others.filter((o) => namespace !== undefined && index.objectNamespace(o) === namespace);
  if (certain.length) return { state: 'other-kind', targets: certain };
  if (others.length) return { state: 'other-kind-unknown-namespace', targets: others };
  return { state: 'missing' };
}

const describeRef = (ref: ObjectReference, namespace: string | undefined) => `${ref.kind} "${namespace ? `${namespace}/` : ''}${ref.name}"`;

const WAITS: Record<string, string> = {
  source: 'Flux keeps the object not ready until the source exists',
  chart: 'Flux keeps the HelmRelease not ready until the chart source exists',
  dependsOn: 'Flux holds this object back until the dependency is ready, which never happens if it does not exist',
  provider: 'notification-controller keeps the Alert not ready until its Provider exists',
  image: 'image-reflector-controller keeps the ImagePolicy not ready until its ImageRepository exists',
  setter: 'image-automation-controller updates a marker only from an ImagePolicy of that namespace and name',
};

function waits(ref: ObjectReference): string {
  if (ref.role !== 'event') return WAITS[ref.role] ?? '';
  return ref.fromKind === 'Receiver'
    ? 'the Receiver cannot ask an object that does not exist to reconcile'
    : 'the Alert receives no events from an object that does not exist';
}

const RESOLVED_ROLES = new Set(['source', 'chart', 'dependsOn', 'provider', 'event', 'image', 'setter']);

/** Findings for the references of one file that name Flux objects (sources, charts, dependencies, providers, event sources, image repositories, setter markers). */
export function referenceFindings(index: WorkspaceIndex, refs: readonly ObjectReference[], unresolved: 'warning' | 'off'): Finding[] {
  const findings: Finding[] = [];
  for (const ref of refs) {
    if (!RESOLVED_ROLES.has(ref.role)) continue;
    // A kind the field does not accept is reported by the schema (flux/ref-kind-not-allowed).
    if (!ref.allowedKinds.includes(ref.kind)) continue;
    // Objects of the Flux Operator's kinds are looked up only where the workspace writes some:
    // elsewhere they come from the flux-instance chart or the cluster (the schema check says
    // whether the kind is accepted at all). A FluxReport is made by the Operator itself.
    if (FLUX_OPERATOR_KINDS.includes(ref.kind) && (ref.kind === 'FluxReport' || !index.holdsFluxOperatorObjects())) continue;
    const resolution = resolveReference(index, ref);
    const namespace = index.referenceNamespace(ref);
    const describe = describeRef(ref, namespace);
    // With unresolved references switched off, sources may live in the cluster only, so a
    // same-named object of another kind is no evidence of a mistake. Even with them reported,
    // an object of the written kind may exist in the cluster only: a warning, not an error.
    if (resolution.state === 'other-kind' && unresolved === 'warning') {
      const found = resolution.targets[0].identity.kind;
      const allowed = ref.allowedKinds.includes(found);
      findings.push({
        range: ref.kindRange ?? ref.nameRange,
        severity: 'warning',
        code: 'flux/ref-wrong-kind',
        message: `${ref.field} names ${describe}, which is not defined in this workspace, but "${ref.name}" here is ${/^[AEIOU]/.test(found) ? 'an' : 'a'} ${found}${allowed ? '' : `, which ${ref.field} cannot use (it accepts ${ref.allowedKinds.join(', ')})`}; if the cluster holds no ${describe} either, ${waits(ref)}`,
      });
    } else if (resolution.state === 'other-kind-unknown-namespace' && unresolved === 'warning') {
      const other = resolution.targets[0];
      const otherNamespace = index.objectNamespace(other);
      findings.push({
        range: ref.nameRange,
        severity: 'info',
        code: 'flux/ref-namespace-unknown',
        message: `${describe} is not defined in this workspace. ${other.identity.kind} "${otherNamespace ? `${otherNamespace}/` : ''}${other.identity.name}" has the name, but ${namespace === undefined ? 'this object\'s namespace' : 'its namespace'} cannot be known (no metadata.namespace), so whether it is the one meant cannot be told`,
      });
    } else if (resolution.state === 'missing' && unresolved === 'warning') {
      findings.push({
        range: ref.nameRange,
        severity: 'warning',
        code: 'flux/ref-not-found',
        message: `${describe} is not defined in this workspace; ${waits(ref)}. (If it exists only in the cluster, turn this off with fluxOci.references.unresolved.)`,
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
