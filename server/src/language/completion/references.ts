// Names of other objects: sourceRef.name / chartRef.name (filtered by the kind next to them),
// dependsOn[].name (objects of the same kind) and secretRef.name (Secrets of a fitting type),
// taken from the workspace index.
import { schemaAt } from '../schemaAt';
import type { SchemaNode } from '../schemas';
import type { IndexedObject, WorkspaceIndex } from '../workspaceIndex';
import type { PathSegment } from '../yamlPath';
import type { CompletionEntry } from './types';
import type { CompletionSetting } from './setting';

export const DOCKER_CONFIG_JSON = 'kubernetes.io/dockerconfigjson';

export interface ReferenceTarget {
  /** Kinds the name may refer to. */
  kinds: string[];
  /** Namespace the target is looked up in (undefined: unknown). */
  namespace?: string;
  /** Only these Secret types fit (a hard requirement of the field). */
  secretTypes?: string[];
  /** Secret types that usually fit; listed first. */
  preferredSecretTypes?: string[];
  /** The object itself, left out of dependsOn. */
  self?: string;
  /** `'*'` (every object of the kind) is a valid name here. */
  wildcard?: boolean;
}

const last = (path: readonly PathSegment[], n = 1) => path[path.length - n];

/** What a `name` field at `path` points at, or undefined when it is not a reference. */
export function referenceTarget(
  path: readonly PathSegment[],
  siblings: ReadonlyMap<string, string | undefined>,
  view: { kind?: string; name?: string; namespace?: string; schema?: SchemaNode },
  specType?: string,
): ReferenceTarget | undefined {
  if (last(path) !== 'name' || path.length < 3) return undefined;
  const holder = last(path, 2);
  const namespace = siblings.get('namespace') ?? view.namespace;
  if (holder === 'sourceRef' || holder === 'chartRef') {
    const kind = siblings.get('kind');
    if (kind) return { kinds: [kind], namespace };
    const kindNode = view.schema ? schemaAt(view.schema, [...path.slice(0, -1), 'kind'])?.node : undefined;
    return { kinds: (kindNode?.enum ?? []).map(String), namespace };
  }
  if (holder === 'providerRef' && view.kind === 'Alert') return { kinds: ['Provider'], namespace: view.namespace };
  if (holder === 'imageRepositoryRef' && view.kind === 'ImagePolicy') return { kinds: ['ImageRepository'], namespace };
  if (typeof holder === 'number' && path.length === 4 && path[0] === 'spec'
    && ((last(path, 3) === 'eventSources' && view.kind === 'Alert') || (last(path, 3) === 'resources' && view.kind === 'Receiver')
      || (last(path, 3) === 'sources' && view.kind === 'ArtifactGenerator'))) {
    const wildcard = view.kind !== 'ArtifactGenerator';
    const kind = siblings.get('kind');
    if (kind) return { kinds: [kind], namespace, wildcard };
    const kindNode = view.schema ? schemaAt(view.schema, [...path.slice(0, -1), 'kind'])?.node : undefined;
    return { kinds: (kindNode?.enum ?? []).map(String), namespace, wildcard };
  }
  if (typeof holder === 'number' && last(path, 3) === 'dependsOn' && view.kind) {
    return { kinds: [view.kind], namespace, self: view.name };
  }
  if (typeof holder === 'number' && (last(path, 3) === 'valuesFrom' || last(path, 3) === 'substituteFrom')) {
    // Values and substitutions come from ConfigMaps or Secrets of the object's own namespace.
    const kind = siblings.get('kind');
    return { kinds: kind ? [kind] : ['ConfigMap', 'Secret'], namespace: view.namespace };
  }
  if (typeof holder === 'string' && /(^s|S)ecretRef$/.test(holder)) {
    const target: ReferenceTarget = { kinds: ['Secret'], namespace: view.namespace };
    const spec = path.length === 3 && path[0] === 'spec';
    if (spec && holder === 'secretRef' && view.kind === 'OCIRepository') target.secretTypes = [DOCKER_CONFIG_JSON];
    else if (spec && holder === 'secretRef' && view.kind === 'HelmRepository') {
      target.preferredSecretTypes = specType === 'oci' ? [DOCKER_CONFIG_JSON, 'kubernetes.io/basic-auth', 'Opaque'] : ['kubernetes.io/basic-auth', 'Opaque'];
    } else if (holder === 'certSecretRef') target.preferredSecretTypes = ['kubernetes.io/tls', 'Opaque'];
    return target;
  }
  return undefined;
}

const sameNamespace = (a: string | undefined, b: string | undefined) => !a || !b || a === b;

/** Index objects a reference may name, best first. */
export function referenceCandidates(target: ReferenceTarget, objects: (kind: string) => readonly IndexedObject[]): IndexedObject[] {
  const out: IndexedObject[] = [];
  for (const kind of target.kinds) {
    for (const o of objects(kind)) {
      if (target.self && o.identity.name === target.self && sameNamespace(o.identity.namespace, target.namespace)) continue;
      if (kind === 'Secret') {
        if (!sameNamespace(o.identity.namespace, target.namespace)) continue;
        if (target.secretTypes && !target.secretTypes.includes(o.secretType ?? 'Opaque')) continue;
      }
      out.push(o);
    }
  }
  const rank = (o: IndexedObject) => {
    let r = sameNamespace(o.identity.namespace, target.namespace) ? 0 : 10;
    const preferred = target.preferredSecretTypes?.indexOf(o.secretType ?? 'Opaque') ?? 0;
    r += preferred === -1 ? 5 : preferred;
    return r;
  };
  const byName = (a: IndexedObject, b: IndexedObject) => (a.identity.name < b.identity.name ? -1 : a.identity.name > b.identity.name ? 1 : 0);
  return out.sort((a, b) => rank(a) - rank(b) || byName(a, b));
}

/** Objects grouped by kind, rebuilt once per index generation rather than scanned per request. */
const byKindCache = new WeakMap<WorkspaceIndex, { generation: number; byKind: Map<string, IndexedObject[]> }>();
function objectsOfKind(index: WorkspaceIndex, kind: string): readonly IndexedObject[] {
  let cached = byKindCache.get(index);
  if (!cached || cached.generation !== index.generation) {
    const byKind = new Map<string, IndexedObject[]>();
    for (const o of index.objects()) {
      const list = byKind.get(o.identity.kind);
      if (list) list.push(o);
      else byKind.set(o.identity.kind, [o]);
    }
    cached = { generation: index.generation, byKind };
    byKindCache.set(index, cached);
  }
  return cached.byKind.get(kind) ?? [];
}

/** Beyond this many names the list is cut (and marked incomplete, so the editor asks again as the user types). */
export const MAX_REFERENCE_ITEMS = 100;

export function referenceCompletions(s: CompletionSetting): CompletionEntry[] {
  const { cursor, view, index } = s;
  const specType = view.lines.scalarAt(['spec', 'type']);
  const target = referenceTarget(cursor.path, cursor.siblings, view, specType);
  if (!target) return [];
  const seen = new Set<string>();
  const out: CompletionEntry[] = [];
  const typed = cursor.partial.toLowerCase();
  let candidates = referenceCandidates(target, (kind) => objectsOfKind(index, kind));
  if (typed) candidates = candidates.filter((o) => o.identity.name.toLowerCase().includes(typed));
  if (candidates.length > MAX_REFERENCE_ITEMS) {
    s.incomplete = true;
    candidates = candidates.slice(0, MAX_REFERENCE_ITEMS);
  }
  if (target.wildcard && (!typed || typed === '*')) {
    out.push({
      label: "'*'",
      kind: 'reference',
      detail: `every ${target.kinds.length === 1 ? target.kinds[0] : 'object of the kind'}`,
      documentation: 'All objects of this kind in the namespace; `matchLabels` narrows them.',
      newText: `${cursor.needsSpace ? ' ' : ''}'*'`,
      snippet: false,
      range: s.range,
      sortText: '9999',
      filterText: '*',
    });
  }
  candidates.forEach((o, i) => {
    const key = `${o.identity.kind}/${o.identity.namespace ?? ''}/${o.identity.name}`;
    if (seen.has(key)) return;
    seen.add(key);
    const where = `${o.identity.namespace ? `${o.identity.namespace}/` : ''}${o.identity.name}`;
    const file = o.uri.slice(o.uri.lastIndexOf('/') + 1);
    out.push({
      label: o.identity.name,
      kind: 'reference',
      detail: `${o.identity.kind}${o.secretType ? ` (${o.secretType})` : ''} ${where}`,
      documentation: `Defined in \`${decodeURIComponent(file)}\` line ${o.nameRange.start.line + 1}`,
      newText: (cursor.needsSpace ? ' ' : '') + o.identity.name,
      snippet: false,
      range: s.range,
      sortText: String(i).padStart(4, '0'),
    });
  });
  return out;
}
