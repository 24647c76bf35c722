// Where Flux objects name other objects (sourceRef, chartRef, dependsOn, secret references),
// read from one document and cached on it.
import { isMap, isSeq, type Node } from 'yaml';
import { DocumentSlot, type ParsedDocument } from '../documents';
import { findPair, isFluxGroup, scalarString } from '../fluxObjects';
import type { Range } from '../types';
import type { PathSegment } from '../yamlPath';
import { setterMarkers } from './imagePolicyMarkers';

/** What a reference is for; rules and navigation treat the roles differently. */
export type ReferenceRole =
  | 'source' | 'chart' | 'dependsOn' | 'secret' | 'values'
  /** Alert providerRef. */
  | 'provider'
  /** Alert eventSources[] and Receiver resources[]: Flux objects watched or triggered. */
  | 'event'
  /** ImagePolicy imageRepositoryRef. */
  | 'image'
  /** A `# {"$imagepolicy": "ns:name"}` setter marker in any YAML. */
  | 'setter';

/** How a source uses a Secret (decides which type and keys it needs). */
export type SecretUse = 'auth' | 'cert' | 'proxy' | 'verify' | 'other';

interface ReferenceField {
  ownerKinds: readonly string[];
  /** Path to the reference map; `'*'` stands for every item of a list. */
  path: readonly (string | '*')[];
  role: ReferenceRole;
  /** Kinds the field accepts; the first is implied when the reference has no `kind`. */
  allowedKinds: readonly string[];
  /** The reference may name another namespace (`namespace` field). */
  crossNamespace: boolean;
  secretUse?: SecretUse;
}

const SOURCE_KINDS = ['OCIRepository', 'GitRepository', 'HelmRepository', 'Bucket', 'HelmChart'];

/** Kinds Alert eventSources and Receiver resources accept (the CRD enum). */
export const EVENT_SOURCE_KINDS = ['Bucket', 'GitRepository', 'Kustomization', 'HelmRelease', 'HelmChart', 'HelmRepository', 'ImageRepository', 'ImagePolicy', 'ImageUpdateAutomation', 'OCIRepository', 'ArtifactGenerator', 'ExternalArtifact'];
/**
 * Kinds of the Flux Operator (fluxcd.controlplane.io). The Operator patches the notification CRDs
 * so that Alerts and Receivers accept them; accepted only in clusters that run the Operator.
 */
export const FLUX_OPERATOR_KINDS = ['FluxInstance', 'FluxReport', 'ResourceSet', 'ResourceSetInputProvider'];
const secretFields = (kinds: string[], path: string[], use: SecretUse): ReferenceField =>
  ({ ownerKinds: kinds, path, role: 'secret', allowedKinds: ['Secret'], crossNamespace: false, secretUse: use });

export const REFERENCE_FIELDS: readonly ReferenceField[] = [
  { ownerKinds: ['Kustomization'], path: ['spec', 'sourceRef'], role: 'source', allowedKinds: ['OCIRepository', 'GitRepository', 'Bucket', 'ExternalArtifact'], crossNamespace: true },
  { ownerKinds: ['Kustomization'], path: ['spec', 'dependsOn', '*'], role: 'dependsOn', allowedKinds: ['Kustomization'], crossNamespace: true },
  { ownerKinds: ['HelmRelease'], path: ['spec', 'chart', 'spec', 'sourceRef'], role: 'source', allowedKinds: ['HelmRepository', 'GitRepository', 'Bucket'], crossNamespace: true },
  { ownerKinds: ['HelmRelease'], path: ['spec', 'chartRef'], role: 'chart', allowedKinds: ['OCIRepository', 'HelmChart', 'ExternalArtifact'], crossNamespace: true },
  { ownerKinds: ['HelmRelease'], path: ['spec', 'dependsOn', '*'], role: 'dependsOn', allowedKinds: ['HelmRelease'], crossNamespace: true },
  { ownerKinds: ['HelmChart'], path: ['spec', 'sourceRef'], role: 'source', allowedKinds: ['HelmRepository', 'GitRepository', 'Bucket'], crossNamespace: false },
  { ownerKinds: ['HelmRelease'], path: ['spec', 'valuesFrom', '*'], role: 'values', allowedKinds: ['ConfigMap', 'Secret'], crossNamespace: false },
  { ownerKinds: ['Kustomization'], path: ['spec', 'postBuild', 'substituteFrom', '*'], role: 'values', allowedKinds: ['ConfigMap', 'Secret'], crossNamespace: false },
  { ownerKinds: ['Alert'], path: ['spec', 'providerRef'], role: 'provider', allowedKinds: ['Provider'], crossNamespace: false },
  { ownerKinds: ['Alert'], path: ['spec', 'eventSources', '*'], role: 'event', allowedKinds: [...EVENT_SOURCE_KINDS, ...FLUX_OPERATOR_KINDS], crossNamespace: true },
  { ownerKinds: ['Receiver'], path: ['spec', 'resources', '*'], role: 'event', allowedKinds: [...EVENT_SOURCE_KINDS, ...FLUX_OPERATOR_KINDS], crossNamespace: true },
  { ownerKinds: ['ImagePolicy'], path: ['spec', 'imageRepositoryRef'], role: 'image', allowedKinds: ['ImageRepository'], crossNamespace: true },
  { ownerKinds: ['ImageUpdateAutomation'], path: ['spec', 'sourceRef'], role: 'source', allowedKinds: ['GitRepository'], crossNamespace: true },
  { ownerKinds: ['ArtifactGenerator'], path: ['spec', 'sources', '*'], role: 'source', allowedKinds: ['OCIRepository', 'GitRepository', 'Bucket', 'HelmChart', 'ExternalArtifact'], crossNamespace: true },
  secretFields(SOURCE_KINDS, ['spec', 'secretRef'], 'auth'),
  secretFields(['ImageRepository'], ['spec', 'secretRef'], 'auth'),
  secretFields(['ImageRepository', 'Provider'], ['spec', 'certSecretRef'], 'cert'),
  secretFields(['ImageRepository', 'Provider'], ['spec', 'proxySecretRef'], 'proxy'),
  secretFields(['Provider', 'Receiver'], ['spec', 'secretRef'], 'other'),
  secretFields(SOURCE_KINDS, ['spec', 'certSecretRef'], 'cert'),
  secretFields(SOURCE_KINDS, ['spec', 'proxySecretRef'], 'proxy'),
  secretFields(SOURCE_KINDS, ['spec', 'verify', 'secretRef'], 'verify'),
  secretFields(['Kustomization'], ['spec', 'decryption', 'secretRef'], 'other'),
  secretFields(['Kustomization', 'HelmRelease'], ['spec', 'kubeConfig', 'secretRef'], 'other'),
];

export interface ObjectReference {
  uri: string;
  documentIndex: number;
  role: ReferenceRole;
  secretUse?: SecretUse;
  /** Dotted path of the reference map, e.g. `spec.sourceRef` or `spec.dependsOn[1]`. */
  field: string;
  path: PathSegment[];
  fromKind: string;
  fromName?: string;
  fromNamespace?: string;
  /** Kind written in the reference, or the one the field implies. */
  kind: string;
  /** The reference wrote its kind (as opposed to implying it). */
  explicitKind: boolean;
  allowedKinds: readonly string[];
  name: string;
  /** Namespace written in the reference, else the referrer's own as written (may be unknown). */
  namespace?: string;
  /**
   * Namespace written in the reference itself. Resolution uses it, else the referrer's effective
   * namespace (WorkspaceIndex.referenceNamespace), which may be inferred beyond metadata.namespace.
   */
  writtenNamespace?: string;
  nameRange: Range;
  kindRange?: Range;
}

type DocumentReference = Omit<ObjectReference, 'uri' | 'documentIndex'>;

function expand(root: unknown, path: readonly (string | '*')[]): { node: Node; path: PathSegment[] }[] {
  let current: { node: unknown; path: PathSegment[] }[] = [{ node: root, path: [] }];
  for (const segment of path) {
    const next: { node: unknown; path: PathSegment[] }[] = [];
    for (const { node, path: at } of current) {
      if (segment === '*') {
        if (isSeq(node)) node.items.forEach((item, i) => next.push({ node: item, path: [...at, i] }));
      } else {
        const value = findPair(node, segment)?.value;
        if (value) next.push({ node: value, path: [...at, segment] });
      }
    }
    current = next;
  }
  return current.filter((c): c is { node: Node; path: PathSegment[] } => isMap(c.node));
}

const fieldName = (path: readonly PathSegment[]) =>
  path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');

const cache = new DocumentSlot<DocumentReference[]>();

/** The reference fields of each kind, in REFERENCE_FIELDS order (looked up once per document). */
const fieldsByKind = new Map<string, readonly ReferenceField[]>();
const fieldsOf = (kind: string): readonly ReferenceField[] => {
  let fields = fieldsByKind.get(kind);
  if (!fields) {
    fields = REFERENCE_FIELDS.filter((f) => f.ownerKinds.includes(kind));
    // Kinds are whatever was typed (a kind being typed passes through many): keep it bounded.
    if (fieldsByKind.size > 1000) fieldsByKind.clear();
    fieldsByKind.set(kind, fields);
  }
  return fields;
};

/** The references of one document, ranges relative to the document. */
export function documentReferences(parsed: ParsedDocument): DocumentReference[] {
  let refs = cache.get(parsed);
  if (refs) return refs;
  refs = [];
  const identity = parsed.identity;
  if (identity && isFluxGroup(identity.group)) {
    for (const field of fieldsOf(identity.kind)) {
      for (const { node, path } of expand(parsed.yaml.contents, field.path)) {
        const nameNode = findPair(node, 'name')?.value;
        const name = scalarString(nameNode);
        if (!name || !nameNode?.range) continue;
        // `name: '*'` (Alert eventSources, Receiver resources) means every object of the kind.
        if (name === '*' && field.role === 'event') continue;
        const kindNode = findPair(node, 'kind')?.value;
        const writtenKind = scalarString(kindNode);
        const namespace = field.crossNamespace ? scalarString(findPair(node, 'namespace')?.value) : undefined;
        // Built field by field in this order (optional fields only when set): spreading
        // conditional object literals cost more than the rest of reading the reference.
        const ref = { role: field.role } as DocumentReference;
        if (field.secretUse) ref.secretUse = field.secretUse;
        ref.field = fieldName(path);
        ref.path = path;
        ref.fromKind = identity.kind;
        ref.fromName = identity.name;
        ref.fromNamespace = identity.namespace;
        ref.kind = writtenKind ?? field.allowedKinds[0];
        ref.explicitKind = writtenKind !== undefined;
        ref.allowedKinds = field.allowedKinds;
        ref.name = name;
        ref.namespace = namespace ?? identity.namespace;
        if (namespace !== undefined) ref.writtenNamespace = namespace;
        ref.nameRange = parsed.lines.rangeOf(nameNode.range[0], nameNode.range[1]);
        if (kindNode?.range) ref.kindRange = parsed.lines.rangeOf(kindNode.range[0], kindNode.range[1]);
        refs.push(ref);
      }
    }
  }
  refs.push(...setterMarkers(parsed));
  cache.set(parsed, refs);
  return refs;
}

