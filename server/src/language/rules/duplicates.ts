// The same kind/namespace/name defined twice: Kubernetes keeps one object, so one definition
// silently overwrites the other. Only definitions that certainly end up in one build count:
// the same file, or files listed together in one kustomization.yaml's resources. Files that
// merely share a folder are often alternatives (per-cluster variants, samples, test fixtures),
// and warning about those would be noise.
import type { Finding } from '../types';
import { isFluxGroup } from '../fluxObjects';
import type { IndexedObject, WorkspaceIndex } from '../workspaceIndex';

const fileName = (uri: string) => decodeURIComponent(uri.slice(uri.lastIndexOf('/') + 1));

/** The duplicate-definition finding of one object, if any. */
export function duplicateFindings(index: WorkspaceIndex, object: IndexedObject | undefined): Finding[] {
  if (!object || !isFluxGroup(object.identity.group)) return [];
  const uri = object.uri;
  if (index.isPatchFile(uri)) return [];
  const findings: Finding[] = [];
  {
    const twins = index.withKindAndName(object.identity.kind, object.identity.name).filter((other: IndexedObject) =>
      other !== object
      && other.identity.namespace === object.identity.namespace
      && isFluxGroup(other.identity.group)
      && (other.uri === uri || index.builtTogether(uri, other.uri))
      && !index.isPatchFile(other.uri));
    if (twins.length === 0) return [];
    // Name files, not lines: this message is reused while only positions change elsewhere.
    const where = [...new Set(twins.map((t) => (t.uri === uri ? 'this file' : fileName(t.uri))))].join(', ');
    const ns = object.identity.namespace ? `${object.identity.namespace}/` : '';
    findings.push({
      range: object.nameRange,
      severity: 'warning',
      code: 'flux/duplicate-object',
      message: `${object.identity.kind} ${ns}${object.identity.name} is also defined in ${where}; the cluster keeps only one of them`,
    });
  }
  return findings;
}
