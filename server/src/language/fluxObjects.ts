// Recognises Flux objects in parsed YAML documents.
import { isMap, isScalar, type Document, type Node, type Pair } from 'yaml';

export const FLUX_GROUP_SUFFIX = '.toolkit.fluxcd.io';
/** Flux API groups outside *.toolkit.fluxcd.io (source-watcher's ArtifactGenerator). */
const OTHER_FLUX_GROUPS: ReadonlySet<string> = new Set(['source.extensions.fluxcd.io']);

export interface ObjectIdentity {
  apiVersion: string;
  /** Empty for the core group (`v1`). */
  group: string;
  version: string;
  kind: string;
  name?: string;
  namespace?: string;
}

/** Cheap text test used where a document does not parse: does it look like a Flux object? */
const FLUX_API_VERSION_LINE = /^apiVersion:[ \t]*["']?(?:[a-z0-9.-]+\.toolkit|source\.extensions)\.fluxcd\.io\//m;
export function looksLikeFlux(text: string): boolean {
  return FLUX_API_VERSION_LINE.test(text);
}

export function isFluxGroup(group: string): boolean {
  return group.endsWith(FLUX_GROUP_SUFFIX) || OTHER_FLUX_GROUPS.has(group);
}

/** The Flux Operator's API group (FluxInstance, ResourceSet, ...). */
export const FLUX_OPERATOR_GROUP = 'fluxcd.controlplane.io';

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf('/');
  return slash === -1 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** The pair of a block or flow map with the given plain key. */
export function findPair(node: unknown, key: string): Pair<Node, Node | null> | undefined {
  if (!isMap(node)) return undefined;
  for (const item of node.items) {
    if (isScalar(item.key) && item.key.value === key) return item as Pair<Node, Node | null>;
  }
  return undefined;
}

export function scalarString(node: unknown): string | undefined {
  if (isScalar(node) && (typeof node.value === 'string' || typeof node.value === 'number')) return String(node.value);
  return undefined;
}

/** apiVersion, kind, name and namespace of a Kubernetes-style document, when present. */
export function identify(doc: Document): ObjectIdentity | undefined {
  const root = doc.contents;
  const apiVersion = scalarString(findPair(root, 'apiVersion')?.value);
  const kind = scalarString(findPair(root, 'kind')?.value);
  if (!apiVersion || !kind) return undefined;
  const metadata = findPair(root, 'metadata')?.value;
  const { group, version } = splitApiVersion(apiVersion);
  return {
    apiVersion,
    group,
    version,
    kind,
    name: scalarString(findPair(metadata, 'name')?.value),
    namespace: scalarString(findPair(metadata, 'namespace')?.value),
  };
}
