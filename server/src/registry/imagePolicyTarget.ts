// The ImagePolicy a hover is about, read from the workspace: under a `$imagepolicy` setter marker
// or on an ImagePolicy document's `spec.policy` / `metadata.name`. Gives the policy's rules (as
// imagePolicySelect takes them) and the repository its ImageRepository scans.
import type { YamlFile } from '../language/documents';
import type { Position } from '../language/types';
import type { IndexedObject, WorkspaceIndex } from '../language/workspaceIndex';
import { markerAt } from '../language/imagePolicyMarker';
import { pathAtOffset } from '../language/yamlPath';
import { parseReference } from '../oci/reference';
import type { ImagePolicyChoice, ImagePolicySpec } from './imagePolicySelect';
import type { RepositoryRef } from './tagCache';

export interface ImagePolicyTarget {
  /** `namespace/name` of the policy. */
  policy: string;
  /** The marker's `:tag` / `:name` / `:digest` suffix (hover on a marker only). */
  suffix?: string;
  /** Hovered on a marker (what it would write is worth showing). */
  fromMarker: boolean;
  /** undefined when the policy names no rule we can evaluate. */
  spec?: ImagePolicySpec;
  /** The ImageRepository's `spec.image` as written, and the repository it names. */
  image?: string;
  repo?: RepositoryRef;
}

const str = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);

function policySpec(get: (path: string[]) => unknown): ImagePolicySpec | undefined {
  let choice: ImagePolicyChoice | undefined;
  const range = str(get(['spec', 'policy', 'semver', 'range']));
  if (range !== undefined) choice = { kind: 'semver', range };
  else if (get(['spec', 'policy', 'numerical']) !== undefined) choice = { kind: 'numerical', order: str(get(['spec', 'policy', 'numerical', 'order'])) };
  else if (get(['spec', 'policy', 'alphabetical']) !== undefined) choice = { kind: 'alphabetical', order: str(get(['spec', 'policy', 'alphabetical', 'order'])) };
  if (!choice) return undefined;
  const pattern = str(get(['spec', 'filterTags', 'pattern']));
  const extract = str(get(['spec', 'filterTags', 'extract']));
  return { choice, ...(pattern ? { pattern } : {}), ...(extract ? { extract } : {}) };
}

/** Repository of an ImageRepository `spec.image` (`ghcr.io/org/app`, `nginx` → docker.io/library/nginx). */
export function imageRepositoryOf(image: string, insecure: boolean): RepositoryRef | undefined {
  if (image.includes('://')) return undefined;
  try {
    const ref = parseReference(image);
    return { registry: ref.registry, repository: ref.repository, ...(insecure ? { insecure: true } : {}) };
  } catch {
    return undefined;
  }
}

function targetOf(index: WorkspaceIndex, policy: IndexedObject, suffix: string | undefined, fromMarker: boolean): ImagePolicyTarget {
  const parsed = index.file(policy.uri)?.documents[policy.documentIndex]?.parsed;
  const out: ImagePolicyTarget = { policy: `${index.objectNamespace(policy) ?? ''}/${policy.identity.name}`, fromMarker, ...(suffix ? { suffix } : {}) };
  if (!parsed) return out;
  const spec = policySpec((path) => parsed.yaml.getIn(path));
  if (spec) out.spec = spec;
  const repoRef = index.referencesIn(policy.uri).find((r) => r.documentIndex === policy.documentIndex && r.role === 'image');
  const repo = repoRef ? index.resolveRef(repoRef)[0] : undefined;
  const repoDoc = repo ? index.file(repo.uri)?.documents[repo.documentIndex]?.parsed : undefined;
  const image = str(repoDoc?.yaml.getIn(['spec', 'image']));
  if (image) {
    out.image = image;
    const r = imageRepositoryOf(image, repoDoc?.yaml.getIn(['spec', 'insecure']) === true);
    if (r) out.repo = r;
  }
  return out;
}

/** The policy under the cursor, or undefined when the cursor is not on a marker or an ImagePolicy's name/policy. */
export function imagePolicyTargetAt(file: YamlFile, position: Position, index: WorkspaceIndex): ImagePolicyTarget | undefined {
  const hit = markerAt(file, position);
  if (hit) {
    const { marker } = hit;
    if (marker.name === undefined || marker.namespace === undefined) return undefined;
    const policy = index.resolve({ kind: 'ImagePolicy', name: marker.name, namespace: marker.namespace })[0];
    return policy ? targetOf(index, policy, marker.suffix, true) : undefined;
  }
  const doc = file.documentAtLine(position.line);
  if (!doc || doc.parsed.identity?.kind !== 'ImagePolicy') return undefined;
  const offset = doc.parsed.lines.offsetAt({ line: position.line - doc.chunk.startLine, character: position.character });
  const { path } = pathAtOffset(doc.parsed.yaml, offset);
  const on = (path[0] === 'spec' && path[1] === 'policy') || (path[0] === 'metadata' && path[1] === 'name');
  if (!on) return undefined;
  const policy = index.objectsOfKind('ImagePolicy').find((o) => o.uri === file.uri && o.documentIndex === doc.index);
  return policy ? targetOf(index, policy, undefined, false) : undefined;
}
