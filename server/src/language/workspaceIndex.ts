// Every Kubernetes object of the workspace's YAML files (Flux objects, Secrets, ConfigMaps,
// and anything else with apiVersion/kind/name), kept current file by file.
// Re-indexing a file re-parses only its changed documents (YamlFile caches by text).
import { shiftRange } from './lineIndex';
import { isMap, isScalar, isSeq } from 'yaml';
import { YamlFile, ParsedDocument, DocumentSlot, type PlacedDocument, type TextChange } from './documents';
import type { ObjectIdentity } from './fluxObjects';
import { FLUX_OPERATOR_GROUP, findPair, isFluxGroup, scalarString } from './fluxObjects';
import type { Range } from './types';
import { documentReferences, type ObjectReference } from './rules/referenceFields';
import { kustomizeRefsOf } from './rules/patchFiles';
import { documentGraphFacts, isKustomizeFileUri, kustomizeFileFacts, seedGraphFacts, type DocumentGraphFacts, type KustomizeFileFacts } from './applyFacts';

export type { ObjectReference } from './rules/referenceFields';

/**
 * Files referenced as kustomize patches by some kustomization.yaml of the index: their Flux
 * documents are partial objects. Kept on the file model so `lintFile` can see it without the index.
 */
const partialFiles = new WeakSet<YamlFile>();
export function isPartialFile(file: YamlFile): boolean {
  return partialFiles.has(file);
}

/** The index each file model belongs to, so `lintFile` can ask workspace-wide facts of it. */
const indexOfFile = new WeakMap<YamlFile, WorkspaceIndex>();
/** Does the workspace of this file use the Flux Operator? (False for a file outside any index.) */
export function usesFluxOperator(file: YamlFile): boolean {
  return indexOfFile.get(file)?.usesFluxOperator() ?? false;
}

export interface IndexedObject {
  uri: string;
  /** Index of the document in its file. */
  documentIndex: number;
  identity: ObjectIdentity & { name: string };
  /** Range of `metadata.name`'s value, in file coordinates. */
  nameRange: Range;
  /** Range of the whole document, in file coordinates. */
  documentRange: Range;
  /** Secret `type`, when the object is a Secret. */
  secretType?: string;
  /** Keys under `data` and `stringData`, when the object is a Secret or ConfigMap. */
  dataKeys?: string[];
  /** The Secret is SOPS-encrypted (has a top-level `sops` map): its content is not checked. */
  sops?: boolean;
  /**
   * For an OCIRepository: whether its layerSelector leaves a Helm chart usable ('none' when it has
   * no selector, 'chart' when it selects the chart layer with operation copy, else 'other').
   */
  layerSelector?: 'none' | 'chart' | 'other';
  /**
   * Set on objects no document writes but one declares: the ExternalArtifacts an ArtifactGenerator
   * produces (one per `spec.artifacts[].name`, in the generator's namespace). `nameRange` is the
   * artifact entry's name, `documentIndex` the generator's document.
   */
  generatedBy?: { kind: string; name: string };
  /**
   * Set on a HelmRelease, HelmChart or OCIRepository that installs the Flux Operator or a
   * FluxInstance from their Helm charts (`flux-operator`, `flux-instance`): evidence that the
   * cluster runs the Operator though the workspace holds no fluxcd.controlplane.io object.
   */
  fluxOperatorChart?: true;
}

/**
 * The namespace a document's object lives in when Flux applies it, given the one written in its
 * metadata (undefined when none is). The default is the written one; an apply graph can plug in
 * a better answer (a Kustomization's targetNamespace, a kustomization.yaml `namespace:`).
 * Return undefined when the namespace cannot be known.
 */
export type NamespaceOf = (uri: string, documentIndex: number, written: string | undefined) => string | undefined;
const writtenNamespace: NamespaceOf = (_uri, _documentIndex, written) => written;

export interface ObjectQuery {
  kind: string;
  name: string;
  /** When either side has no namespace, the match falls back to kind and name if unambiguous. */
  namespace?: string;
}

interface DocumentFacts {
  nameRange: Range;
  documentRange: Range;
  secretType?: string;
  dataKeys?: string[];
  sops?: boolean;
  layerSelector?: IndexedObject['layerSelector'];
  /** OCIRepository or HelmRepository: its `spec.url` when that is an `oci://` URL. */
  ociUrl?: string;
  /** ArtifactGenerator: its artifacts' names, with the ranges of the name and the whole entry. */
  artifacts?: { name: string; nameRange: Range; entryRange: Range }[];
  fluxOperatorChart?: true;
  /** FluxInstance (or a HelmRelease of the flux-instance chart): the ranges of its `sync` key and value. */
  sync?: { keyRange: Range; valueRange: Range };
}

const ARTIFACT_GENERATOR_GROUP = 'source.extensions.fluxcd.io';
const EXTERNAL_ARTIFACT_API = { apiVersion: 'source.toolkit.fluxcd.io/v1', group: 'source.toolkit.fluxcd.io', version: 'v1' };

/** The Helm charts that install the Flux Operator and a FluxInstance. */
const FLUX_OPERATOR_CHARTS: ReadonlySet<string> = new Set(['flux-operator', 'flux-instance']);

/**
 * Does a chart name, chart path or OCI URL name one of the Operator's charts? Its last path
 * segment is compared, without a tag or digest (`./charts/flux-operator`,
 * `oci://ghcr.io/controlplaneio-fluxcd/charts/flux-instance:1.0`).
 */
export function namesFluxOperatorChart(chart: string | undefined): boolean {
  if (!chart) return false;
  const last = chart.trim().replace(/\/+$/, '').split('/').at(-1) ?? '';
  return FLUX_OPERATOR_CHARTS.has(last.replace(/@.*$/, '').replace(/:.*$/, ''));
}

/** Is the document a HelmRelease, HelmChart or OCIRepository of the Operator's charts? */
function installsFluxOperator(parsed: ParsedDocument): boolean {
  const identity = parsed.identity;
  if (!identity || !isFluxGroup(identity.group)) return false;
  const spec = findPair(parsed.yaml.contents, 'spec')?.value;
  switch (identity.kind) {
    case 'HelmRelease': return namesFluxOperatorChart(scalarString(findPair(findPair(findPair(spec, 'chart')?.value, 'spec')?.value, 'chart')?.value));
    case 'HelmChart': return namesFluxOperatorChart(scalarString(findPair(spec, 'chart')?.value));
    case 'OCIRepository': return namesFluxOperatorChart(scalarString(findPair(spec, 'url')?.value));
    default: return false;
  }
}

export const HELM_CHART_MEDIA_TYPE = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';

const keysOf = (node: unknown): string[] => (isMap(node) ? node.items.flatMap((p) => (isScalar(p.key) ? [String(p.key.value)] : [])) : []);

/** Facts that depend on a document's text alone, cached on the parsed document. */
const factsCache = new DocumentSlot<DocumentFacts>();
function documentFacts(parsed: ParsedDocument): DocumentFacts {
  let facts = factsCache.get(parsed);
  if (!facts) {
    const root = parsed.yaml.contents;
    const nameNode = findPair(findPair(root, 'metadata')?.value, 'name')?.value;
    facts = {
      nameRange: parsed.lines.rangeOf(nameNode?.range?.[0] ?? 0, nameNode?.range?.[1] ?? 0),
      documentRange: parsed.lines.rangeOf(0, parsed.text.length),
    };
    const core = parsed.identity?.group === '';
    if (core && parsed.identity?.kind === 'Secret') {
      facts.secretType = scalarString(findPair(root, 'type')?.value) ?? 'Opaque';
      facts.sops = isMap(findPair(root, 'sops')?.value);
    }
    if (core && (parsed.identity?.kind === 'Secret' || parsed.identity?.kind === 'ConfigMap')) {
      facts.dataKeys = [...keysOf(findPair(root, 'data')?.value), ...keysOf(findPair(root, 'stringData')?.value)];
    }
    if (parsed.identity?.kind === 'OCIRepository' || parsed.identity?.kind === 'HelmRepository') {
      const url = scalarString(findPair(findPair(root, 'spec')?.value, 'url')?.value);
      if (url?.startsWith('oci://')) facts.ociUrl = url;
    }
    if (parsed.identity?.kind === 'OCIRepository') {
      const selector = findPair(findPair(root, 'spec')?.value, 'layerSelector');
      facts.layerSelector = !selector ? 'none'
        : scalarString(findPair(selector.value, 'mediaType')?.value) === HELM_CHART_MEDIA_TYPE && scalarString(findPair(selector.value, 'operation')?.value) === 'copy' ? 'chart' : 'other';
    }
    if (parsed.identity?.kind === 'ArtifactGenerator' && parsed.identity.group === ARTIFACT_GENERATOR_GROUP) {
      const list = findPair(findPair(root, 'spec')?.value, 'artifacts')?.value;
      facts.artifacts = [];
      for (const item of isSeq(list) ? list.items : []) {
        const nameNode = findPair(item, 'name')?.value;
        const name = scalarString(nameNode);
        const itemRange = isMap(item) ? item.range : undefined;
        if (!name || !nameNode?.range || !itemRange) continue;
        facts.artifacts.push({ name, nameRange: parsed.lines.rangeOf(nameNode.range[0], nameNode.range[1]), entryRange: parsed.lines.rangeOf(itemRange[0], itemRange[1]) });
      }
    }
    if (installsFluxOperator(parsed)) facts.fluxOperatorChart = true;
    const madeBy = documentGraphFacts(parsed).kustomization?.madeBy;
    if (madeBy) {
      const spec = findPair(root, 'spec')?.value;
      const sync = madeBy === 'FluxInstance' ? findPair(spec, 'sync') : findPair(findPair(findPair(spec, 'values')?.value, 'instance')?.value, 'sync');
      const key = sync?.key as { range?: [number, number, number] } | undefined;
      const value = sync?.value as { range?: [number, number, number] } | undefined;
      if (key?.range && value?.range) facts.sync = { keyRange: parsed.lines.rangeOf(key.range[0], key.range[1]), valueRange: parsed.lines.rangeOf(value.range[0], value.range[1]) };
    }
    factsCache.set(parsed, facts);
  }
  return facts;
}

/**
 * The `oci://` URL of an OCIRepository or HelmRepository document, from the facts the index keeps
 * (no syntax tree needed: those of indexed documents are dropped).
 */
export function ociUrlOf(parsed: ParsedDocument): string | undefined {
  return parsed.identity?.name ? documentFacts(parsed).ociUrl : undefined;
}

type FollowedRanges = Partial<Record<'nameRange' | 'documentRange' | 'kindRange', Range>>;
/** Where a followed object's positions come from: its index entry and its document-relative ranges. */
const FOLLOW = Symbol('follow');
interface Followed { [FOLLOW]: { entry: IndexEntry; relative: FollowedRanges } }

// One getter function per property, shared by every object: objects built the same way then
// share their hidden class, where a closure per object made each one a slow dictionary object.
function documentIndexGetter(this: Followed): number {
  return this[FOLLOW].entry.placed.index;
}
const rangeGetter = (key: keyof FollowedRanges) => function (this: Followed): Range {
  const { entry, relative } = this[FOLLOW];
  return shiftRange(relative[key] as Range, entry.placed.chunk.startLine);
};
const FOLLOWED_DESCRIPTORS = {
  documentIndex: { get: documentIndexGetter, enumerable: true, configurable: true },
  nameRange: { get: rangeGetter('nameRange'), enumerable: true, configurable: true },
  documentRange: { get: rangeGetter('documentRange'), enumerable: true, configurable: true },
  kindRange: { get: rangeGetter('kindRange'), enumerable: true, configurable: true },
} satisfies PropertyDescriptorMap;

/**
 * Positions in file coordinates that follow their document as edits above it move it: read
 * from the document's current place on access, so moving a document costs nothing here.
 */
function followDocument<T extends object>(target: T, entry: IndexEntry, relative: FollowedRanges): T {
  Object.defineProperty(target, FOLLOW, { value: { entry, relative } });
  Object.defineProperty(target, 'documentIndex', FOLLOWED_DESCRIPTORS.documentIndex);
  followRanges(target, relative);
  return target;
}

function followRanges(target: object, relative: FollowedRanges): void {
  if (relative.nameRange) Object.defineProperty(target, 'nameRange', FOLLOWED_DESCRIPTORS.nameRange);
  if (relative.documentRange) Object.defineProperty(target, 'documentRange', FOLLOWED_DESCRIPTORS.documentRange);
  if (relative.kindRange) Object.defineProperty(target, 'kindRange', FOLLOWED_DESCRIPTORS.kindRange);
}

/** Does now, for one document, the parse and the per-text work indexing it needs (cached on it). */
export function prepareForIndex(parsed: ParsedDocument): void {
  if (parsed.identity?.name) documentFacts(parsed);
  documentReferences(parsed);
}

function indexDocument(uri: string, entry: IndexEntry): IndexedObject | undefined {
  const { identity } = entry.placed.parsed;
  if (!identity?.name) return undefined;
  const facts = documentFacts(entry.placed.parsed);
  const object = { uri, identity: { ...identity, name: identity.name } } as IndexedObject;
  if (facts.secretType !== undefined) object.secretType = facts.secretType;
  if (facts.dataKeys !== undefined) object.dataKeys = facts.dataKeys;
  if (facts.sops) object.sops = true;
  if (facts.layerSelector !== undefined) object.layerSelector = facts.layerSelector;
  if (facts.fluxOperatorChart) object.fluxOperatorChart = true;
  return followDocument(object, entry, { nameRange: facts.nameRange, documentRange: facts.documentRange });
}

function documentRefs(uri: string, entry: IndexEntry): ObjectReference[] {
  return documentReferences(entry.placed.parsed).map((relative) => {
    // The reference's own fields in their order; its ranges (the last ones) follow the document.
    const ref = {} as Record<string, unknown>;
    for (const key of Object.keys(relative)) if (key !== 'nameRange' && key !== 'kindRange') ref[key] = relative[key as keyof typeof relative];
    Object.defineProperty(ref, FOLLOW, { value: { entry, relative } });
    followRanges(ref, relative);
    ref.uri = uri;
    Object.defineProperty(ref, 'documentIndex', FOLLOWED_DESCRIPTORS.documentIndex);
    return ref as unknown as ObjectReference;
  });
}

/**
 * The objects a FluxInstance's `sync` (or the flux-instance chart's `instance.sync`) makes the
 * Flux Operator create: a source and a Kustomization, both named after the instance's namespace.
 */
function operatorSyncObjects(uri: string, entry: IndexEntry): IndexedObject[] {
  const { parsed } = entry.placed;
  const { identity } = parsed;
  const graph = documentGraphFacts(parsed);
  const sync = documentFacts(parsed).sync;
  if (!identity?.name || !graph.source || !graph.kustomization?.madeBy || !sync) return [];
  const generatedBy = { kind: identity.kind, name: identity.name };
  const made = (apiVersion: string, kind: string): IndexedObject => {
    const [group, version] = apiVersion.split('/');
    return followDocument({
      uri,
      identity: { apiVersion, group, version, kind, name: graph.source!.name, namespace: graph.source!.namespace ?? graph.source!.name },
      generatedBy,
    } as IndexedObject, entry, { nameRange: sync.keyRange, documentRange: sync.valueRange });
  };
  return [made('source.toolkit.fluxcd.io/v1', graph.source.kind), made('kustomize.toolkit.fluxcd.io/v1', 'Kustomization')];
}

/** The ExternalArtifacts an ArtifactGenerator document declares (positions follow the document). */
function generatedObjects(uri: string, entry: IndexEntry): IndexedObject[] {
  const operatorMade = operatorSyncObjects(uri, entry);
  if (operatorMade.length) return operatorMade;
  const { identity } = entry.placed.parsed;
  const artifacts = identity?.name ? documentFacts(entry.placed.parsed).artifacts : undefined;
  if (!identity?.name || !artifacts?.length) return [];
  const generatedBy = { kind: identity.kind, name: identity.name };
  return artifacts.map((a) => followDocument({
    uri,
    identity: { ...EXTERNAL_ARTIFACT_API, kind: 'ExternalArtifact', name: a.name, ...(identity.namespace !== undefined ? { namespace: identity.namespace } : {}) },
    generatedBy,
  } as IndexedObject, entry, { nameRange: a.nameRange, documentRange: a.entryRange }));
}

/** What other files' rules can see of an object; equal keys mean equal cross-file results. */
const objectFactsKey = (o: IndexedObject) =>
  [o.identity.kind, o.identity.namespace ?? '', o.identity.name, o.secretType ?? '', o.dataKeys?.join(',') ?? '', o.sops ? 's' : '', o.layerSelector ?? '', operatorEvidence(o) ?? ''].join('\0');
const referenceFactsKey = (r: ObjectReference) =>
  [r.role, r.fromKind, r.fromNamespace ?? '', r.fromName ?? '', r.kind, r.explicitKind ? 'k' : '', r.namespace ?? '', r.name, r.secretUse ?? ''].join('\0');
const kindNameKey = (kind: string, name: string) => `${kind}/${name}`;

/** What an object shows of the Flux Operator: an object of its API group, or one of its charts. */
function operatorEvidence(o: IndexedObject): 'object' | 'chart' | undefined {
  return o.identity.group === FLUX_OPERATOR_GROUP ? 'object' : o.fluxOperatorChart ? 'chart' : undefined;
}

/** A file's contribution to the index as plain data (see `WorkspaceIndex.exportFacts`). */
export interface FileFacts {
  documents: { startLine: number; object?: IndexedObject; generated?: IndexedObject[]; refs: ObjectReference[]; graph?: DocumentGraphFacts }[];
  patches: string[];
  resources: string[];
  /** What the apply graph reads from a kustomization.yaml. */
  kustomize?: KustomizeFileFacts;
}

/** One indexed document of a file: reused as long as its text is the same, wherever it moves. */
export interface IndexedDocument {
  readonly parsed: ParsedDocument;
  /** Current first line and index of the document in its file. */
  readonly startLine: number;
  readonly documentIndex: number;
  object?: IndexedObject;
  /** Objects the document declares besides itself (an ArtifactGenerator's ExternalArtifacts). */
  generated: IndexedObject[];
  refs: ObjectReference[];
}

class IndexEntry implements IndexedDocument {
  object?: IndexedObject;
  generated: IndexedObject[] = [];
  refs: ObjectReference[] = [];
  constructor(public placed: PlacedDocument) {}
  get parsed(): ParsedDocument {
    return this.placed.parsed;
  }
  get startLine(): number {
    return this.placed.chunk.startLine;
  }
  get documentIndex(): number {
    return this.placed.index;
  }
}

/** `list` with `list[from, to)` replaced by `items` (in place when that is cheap). */
function spliceInto<T>(list: T[], from: number, to: number, items: T[]): T[] {
  if (items.length < 10000) {
    list.splice(from, to - from, ...items);
    return list;
  }
  return list.slice(0, from).concat(items, list.slice(to));
}

function sameMultiset(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  const x = [...a].sort();
  const y = [...b].sort();
  return x.every((v, i) => v === y[i]);
}

/** A document's apply-graph facts for export, when the graph reads anything from it. */
function graphFactsOf(parsed: ParsedDocument): { graph?: DocumentGraphFacts } {
  const graph = documentGraphFacts(parsed);
  return graph.kustomization || graph.source ? { graph } : {};
}

export class WorkspaceIndex {
  private readonly files = new Map<string, YamlFile>();
  /** Files known only by the facts another index exported (`importFacts`): no text here. */
  private readonly imported = new Set<string>();
  private readonly documentsByFile = new Map<string, IndexEntry[]>();
  /** The file version each file's entries reflect. */
  private readonly syncedVersion = new Map<string, number>();
  /** Files whose object and reference lists need rebuilding before they are read. */
  private readonly staleLists = new Set<string>();
  private readonly objectsByFile = new Map<string, IndexedObject[]>();
  private readonly byKindName = new Map<string, IndexedObject[]>();
  private readonly refsByFile = new Map<string, ObjectReference[]>();
  private readonly refsByTarget = new Map<string, ObjectReference[]>();
  /** kustomization.yaml URI → URIs of the patch files it names. */
  private readonly patchTargets = new Map<string, string[]>();
  /** Patch file URI → how many kustomization files name it. */
  private readonly patchUses = new Map<string, number>();
  /** kustomization.yaml URI → the resource files it lists. */
  private readonly resourceLists = new Map<string, string[]>();
  /** Incremented on every change, so callers can tell whether cross-file results are stale. */
  generation = 0;
  /**
   * Incremented only when what files show each other changes: the objects' kinds, names and
   * facts, the references, or the kustomize patch/resource lists. Typing inside a value that no
   * rule reads across files leaves it alone, so cross-file results can be reused.
   */
  structureVersion = 0;
  /** How many objects of the Flux Operator's API group the workspace holds. */
  private operatorObjects = 0;
  /** How many HelmReleases, HelmCharts and OCIRepositories of the Operator's charts it holds. */
  private operatorCharts = 0;
  private namespaceOf: NamespaceOf = writtenNamespace;
  /** Objects whose document was edited or removed since they were indexed. */
  private readonly retired = new WeakSet<IndexedObject>();

  /**
   * Plugs in how documents' namespaces are found (undefined: as written in metadata.namespace).
   * Call namespacesChanged() whenever its answers change.
   */
  setNamespaceResolver(namespaceOf: NamespaceOf | undefined): void {
    this.namespaceOf = namespaceOf ?? writtenNamespace;
    this.namespacesChanged();
  }

  /** Tells the index that the namespace resolver's answers changed: cross-file results are stale. */
  namespacesChanged(): void {
    this.structureVersion++;
    this.generation++;
  }

  /** The namespace an object lives in when applied; undefined when it cannot be known. */
  objectNamespace(object: IndexedObject): string | undefined {
    return this.namespaceOf(object.uri, object.documentIndex, object.identity.namespace);
  }

  /** The namespace a reference looks in: the one it writes, else its referrer's. */
  referenceNamespace(ref: ObjectReference): string | undefined {
    return ref.writtenNamespace ?? this.namespaceOf(ref.uri, ref.documentIndex, ref.fromNamespace);
  }

  /** The objects a reference names (see resolve). */
  resolveRef(ref: ObjectReference, kind = ref.kind): IndexedObject[] {
    return this.resolve({ kind, name: ref.name, namespace: this.referenceNamespace(ref) });
  }

  /**
   * Does the workspace show that its cluster runs the Flux Operator? It does when it holds any
   * fluxcd.controlplane.io object, or installs the `flux-operator` or `flux-instance` Helm chart
   * (a HelmRelease or HelmChart of that chart, or an OCIRepository whose URL ends in its name).
   */
  usesFluxOperator(): boolean {
    return this.operatorObjects > 0 || this.operatorCharts > 0;
  }

  /**
   * Does the workspace hold objects of the Operator's API group? Only then are references to
   * them looked up here: a FluxInstance made by the flux-instance chart has no document.
   */
  holdsFluxOperatorObjects(): boolean {
    return this.operatorObjects > 0;
  }

  /** Adds or updates a file; returns its model. */
  setFile(uri: string, text: string): YamlFile {
    let file = this.files.get(uri);
    if (file && file.length === text.length && file.text === text) return file;
    this.imported.delete(uri);
    if (file) file.update(text);
    else {
      file = new YamlFile(uri, text);
      this.files.set(uri, file);
      indexOfFile.set(file, this);
    }
    this.sync(uri, file);
    return file;
  }

  /**
   * Makes a file model the index's model of its URI (replacing any other), e.g. one an open
   * document parsed gradually before handing it over.
   */
  adoptFile(file: YamlFile): void {
    if (this.files.get(file.uri) !== file) {
      this.imported.delete(file.uri);
      this.files.set(file.uri, file);
      this.syncedVersion.delete(file.uri);
    }
    indexOfFile.set(file, this);
    this.sync(file.uri, file);
  }

  /**
   * Applies LSP content changes to an indexed file and updates the index for the documents
   * they touched only. Undefined when the file is not indexed.
   */
  editFile(uri: string, changes: readonly TextChange[]): YamlFile | undefined {
    const file = this.files.get(uri);
    if (!file) return undefined;
    file.applyChanges(changes);
    this.sync(uri, file);
    return file;
  }

  /** Brings the entries of a file up to date with its model: only the documents replaced since the last sync. */
  private sync(uri: string, file: YamlFile): void {
    const oldDocs = this.documentsByFile.get(uri) ?? [];
    const docs = file.documents;
    const synced = this.syncedVersion.get(uri);
    const span = (synced === undefined ? undefined : file.changedSince(synced)) ?? { from: 0, oldEnd: oldDocs.length, newEnd: docs.length };
    this.syncedVersion.set(uri, file.version);
    // Documents replaced by the same parse (moved, or equal text) keep their entries: matched
    // by parse, a queue per parse since identical documents may share one.
    const previous = new Map<ParsedDocument, IndexEntry[]>();
    for (let i = span.from; i < span.oldEnd; i++) pushTo(previous, oldDocs[i].parsed, oldDocs[i]);
    const replacement: IndexEntry[] = [];
    const created: IndexEntry[] = [];
    for (let i = span.from; i < span.newEnd; i++) {
      const doc = docs[i];
      let entry = previous.get(doc.parsed)?.shift();
      if (entry) entry.placed = doc;
      else {
        entry = new IndexEntry(doc);
        entry.refs = documentRefs(uri, entry);
        entry.generated = generatedObjects(uri, entry);
        const object = indexDocument(uri, entry);
        if (object) entry.object = object;
        created.push(entry);
      }
      replacement.push(entry);
    }
    const gone: IndexEntry[] = [];
    for (const queue of previous.values()) gone.push(...queue);
    this.documentsByFile.set(uri, spliceInto(oldDocs, span.from, span.oldEnd, replacement));
    if (created.length || gone.length || synced === undefined) this.replaceEntries(uri, gone, created);
    const kustomize = kustomizeRefsOf(uri, file);
    this.setPatchTargets(uri, kustomize.patches);
    this.setResources(uri, kustomize.resources);
    if ((this.patchUses.get(uri) ?? 0) > 0) partialFiles.add(file);
    this.generation++;
    this.fileChanged(uri);
  }

  /**
   * What a file contributes to other files' rules, as plain data (positions as values): enough
   * for an index in another thread to check its own files against this one (`importFacts`).
   */
  exportFacts(uri: string): FileFacts {
    return {
      documents: (this.documentsByFile.get(uri) ?? []).map((entry) => ({
        startLine: entry.startLine,
        ...(entry.object ? { object: { ...entry.object, identity: { ...entry.object.identity } } } : {}),
        ...(entry.generated.length ? { generated: entry.generated.map((o) => ({ ...o, identity: { ...o.identity } })) } : {}),
        refs: entry.refs.map((ref) => ({ ...ref })),
        ...graphFactsOf(entry.parsed),
      })),
      patches: this.patchTargets.get(uri) ?? [],
      resources: this.resourceLists.get(uri) ?? [],
      ...(isKustomizeFileUri(uri) && this.documentsByFile.get(uri)?.length ? { kustomize: kustomizeFileFacts(this.documentsByFile.get(uri)![0].parsed) } : {}),
    };
  }

  /** Adds a file known only by the facts another index exported (it has no text or model here). */
  importFacts(uri: string, facts: FileFacts): void {
    const created = facts.documents.map((doc, i) => {
      const entry = new IndexEntry({ index: i, chunk: { text: '', startOffset: 0, startLine: doc.startLine }, parsed: new ParsedDocument('') });
      if (doc.object) entry.object = doc.object;
      if (doc.generated) entry.generated = doc.generated;
      entry.refs = doc.refs;
      seedGraphFacts(entry.parsed, doc.graph ?? {}, i === 0 ? facts.kustomize : undefined);
      return entry;
    });
    this.imported.add(uri);
    this.replaceEntries(uri, this.documentsByFile.get(uri) ?? [], created);
    this.documentsByFile.set(uri, created);
    this.setPatchTargets(uri, facts.patches);
    this.setResources(uri, facts.resources);
    this.generation++;
    this.fileChanged(uri);
  }

  /** The per-file object and reference lists, rebuilt on demand after a change. */
  private freshLists(uri: string): void {
    if (!this.staleLists.delete(uri)) return;
    const objects: IndexedObject[] = [];
    const refs: ObjectReference[] = [];
    for (const entry of this.documentsByFile.get(uri) ?? []) {
      if (entry.object) objects.push(entry.object);
      for (const object of entry.generated) objects.push(object);
      for (const ref of entry.refs) refs.push(ref);
    }
    if (objects.length) this.objectsByFile.set(uri, objects);
    else this.objectsByFile.delete(uri);
    if (refs.length) this.refsByFile.set(uri, refs);
    else this.refsByFile.delete(uri);
  }

  /**
   * Swaps a file's objects and references in the lookup maps, touching only what changed: the
   * entries of the documents gone and of those created (the others stay where they are).
   */
  private replaceEntries(uri: string, gone: readonly IndexedDocument[], created: readonly IndexedDocument[]): void {
    const goneObjects = gone.flatMap((d) => (d.object ? [d.object, ...d.generated] : d.generated));
    const newObjects = created.flatMap((d) => (d.object ? [d.object, ...d.generated] : d.generated));
    const goneRefs = gone.flatMap((d) => d.refs);
    const newRefs = created.flatMap((d) => d.refs);
    for (const o of goneObjects) this.retired.add(o);
    removeFrom(this.byKindName, goneObjects, (o) => kindNameKey(o.identity.kind, o.identity.name));
    removeFrom(this.refsByTarget, goneRefs, (r) => kindNameKey(r.kind, r.name));
    for (const o of newObjects) pushTo(this.byKindName, kindNameKey(o.identity.kind, o.identity.name), o);
    for (const r of newRefs) pushTo(this.refsByTarget, kindNameKey(r.kind, r.name), r);
    this.staleLists.add(uri);
    for (const o of goneObjects) this.countOperatorEvidence(o, -1);
    for (const o of newObjects) this.countOperatorEvidence(o, 1);
    // Counts first: a file being added or emptied changes them, and then no key need be built.
    if (goneObjects.length !== newObjects.length || goneRefs.length !== newRefs.length
      || !sameMultiset(goneObjects.map(objectFactsKey), newObjects.map(objectFactsKey))
      || !sameMultiset(goneRefs.map(referenceFactsKey), newRefs.map(referenceFactsKey))) this.structureVersion++;
  }

  private countOperatorEvidence(o: IndexedObject, delta: number): void {
    const evidence = operatorEvidence(o);
    if (evidence === 'object') this.operatorObjects += delta;
    else if (evidence === 'chart') this.operatorCharts += delta;
  }

  private setResources(uri: string, resources: string[]): void {
    const before = this.resourceLists.get(uri) ?? [];
    if (before.join('\n') === resources.join('\n')) return;
    if (resources.length) this.resourceLists.set(uri, resources);
    else this.resourceLists.delete(uri);
    this.structureVersion++;
  }

  private setPatchTargets(uri: string, targets: string[]): void {
    const before = this.patchTargets.get(uri) ?? [];
    if (before.join('\n') === targets.join('\n')) return;
    this.structureVersion++;
    for (const target of before) this.countPatchUse(target, -1);
    if (targets.length) this.patchTargets.set(uri, targets);
    else this.patchTargets.delete(uri);
    for (const target of targets) this.countPatchUse(target, 1);
  }

  private countPatchUse(target: string, delta: number): void {
    const uses = (this.patchUses.get(target) ?? 0) + delta;
    if (uses > 0) this.patchUses.set(target, uses);
    else this.patchUses.delete(target);
    const file = this.files.get(target);
    if (!file) return;
    if (uses > 0) partialFiles.add(file);
    else partialFiles.delete(file);
  }

  /** Are both files listed as resources of one kustomization.yaml (so built and applied together)? */
  builtTogether(a: string, b: string): boolean {
    const folder = (u: string) => u.slice(0, u.lastIndexOf('/') + 1);
    if (folder(a) !== folder(b)) return false;
    for (const kustomization of ['kustomization.yaml', 'kustomization.yml', 'Kustomization'].map((n) => folder(a) + n)) {
      const resources = this.resourceLists.get(kustomization);
      if (resources) return resources.includes(a) && resources.includes(b);
    }
    return false;
  }

  /** The indexed documents of a file (its object and references, document by document). */
  documentsIn(uri: string): readonly IndexedDocument[] {
    return this.documentsByFile.get(uri) ?? [];
  }

  /** Is the file used as a kustomize patch by a kustomization.yaml of the workspace? */
  isPatchFile(uri: string): boolean {
    return (this.patchUses.get(uri) ?? 0) > 0;
  }

  /** References (sourceRef, chartRef, dependsOn, secretRef, ...) written in a file. */
  referencesIn(uri: string): readonly ObjectReference[] {
    this.freshLists(uri);
    return this.refsByFile.get(uri) ?? [];
  }

  /** References anywhere in the workspace naming this kind and name (any namespace). */
  referencesTo(kind: string, name: string): readonly ObjectReference[] {
    return this.refsByTarget.get(`${kind}/${name}`) ?? [];
  }

  /** The references that resolve to an object. */
  referencesOf(object: IndexedObject): ObjectReference[] {
    return this.referencesTo(object.identity.kind, object.identity.name).filter((ref) =>
      this.resolveRef(ref).includes(object));
  }

  removeFile(uri: string): void {
    if (!this.files.has(uri) && !this.imported.delete(uri)) return;
    this.replaceEntries(uri, this.documentsByFile.get(uri) ?? [], []);
    this.setPatchTargets(uri, []);
    this.setResources(uri, []);
    this.files.delete(uri);
    this.documentsByFile.delete(uri);
    this.syncedVersion.delete(uri);
    this.staleLists.delete(uri);
    this.objectsByFile.delete(uri);
    this.refsByFile.delete(uri);
    this.generation++;
    this.fileChanged(uri);
  }

  /** Called after a file is added, changed or removed (models derived from the index, e.g. the apply graph). */
  private readonly fileListeners = new Set<(uri: string) => void>();

  /** Subscribes to file changes; returns the unsubscribe function. */
  onDidChangeFile(listener: (uri: string) => void): () => void {
    this.fileListeners.add(listener);
    return () => this.fileListeners.delete(listener);
  }

  private fileChanged(uri: string): void {
    for (const listener of this.fileListeners) listener(uri);
  }

  file(uri: string): YamlFile | undefined {
    return this.files.get(uri);
  }

  get fileCount(): number {
    return this.files.size;
  }

  uris(): IterableIterator<string> {
    return this.files.keys();
  }

  /** Every file the index knows: those with text and those known by imported facts. */
  *knownUris(): IterableIterator<string> {
    yield* this.files.keys();
    yield* this.imported;
  }

  /** Is the file known only by facts another index exported? */
  isImported(uri: string): boolean {
    return this.imported.has(uri);
  }

  objectsIn(uri: string): readonly IndexedObject[] {
    this.freshLists(uri);
    return this.objectsByFile.get(uri) ?? [];
  }

  *objects(): IterableIterator<IndexedObject> {
    // In the order files were added, whichever file's lists were rebuilt first.
    for (const uri of this.files.keys()) {
      this.freshLists(uri);
      const list = this.objectsByFile.get(uri);
      if (list) yield* list;
    }
  }

  objectsOfKind(kind: string): IndexedObject[] {
    return [...this.objects()].filter((o) => o.identity.kind === kind);
  }

  /** The placed document an indexed object comes from. */
  /**
   * Whether an object handed out earlier still stands for its document as it is now: false once
   * that document was edited (a new object replaces it) or its file left the index. Cheap, so
   * results computed from an object can be kept while it holds.
   */
  isCurrent(object: IndexedObject): boolean {
    return !this.retired.has(object);
  }

  documentOf(object: IndexedObject): PlacedDocument | undefined {
    return this.files.get(object.uri)?.documents[object.documentIndex];
  }

  /** Objects with this kind and name, whatever their namespace. */
  withKindAndName(kind: string, name: string): readonly IndexedObject[] {
    return this.byKindName.get(`${kind}/${name}`) ?? [];
  }

  /**
   * Resolves a reference. Exact namespace matches win; where a namespace is missing on either
   * side (kustomize often sets it later), a single kind+name match is accepted.
   */
  resolve(query: ObjectQuery): IndexedObject[] {
    const candidates = this.withKindAndName(query.kind, query.name);
    const exact = candidates.filter((o) => this.objectNamespace(o) === (query.namespace ?? undefined));
    if (exact.length) return exact;
    const loose = candidates.filter((o) => !this.objectNamespace(o) || !query.namespace);
    return loose.length === 1 ? loose : [];
  }

  /** Objects with this name in any kind (to tell "not found" from "wrong kind"). */
  withName(name: string, kinds: readonly string[]): IndexedObject[] {
    return kinds.flatMap((k) => this.withKindAndName(k, name));
  }
}

function removeFrom<T>(map: Map<string, T[]>, gone: readonly T[], keyOf: (item: T) => string): void {
  if (gone.length === 0) return;
  const byKey = new Map<string, Set<T>>();
  for (const item of gone) {
    const key = keyOf(item);
    const set = byKey.get(key);
    if (set) set.add(item);
    else byKey.set(key, new Set([item]));
  }
  // Filter each affected list once, however many of the file's entries it holds.
  for (const [key, items] of byKey) {
    const list = map.get(key)?.filter((item) => !items.has(item));
    if (list?.length) map.set(key, list);
    else map.delete(key);
  }
}

function pushTo<K, T>(map: Map<K, T[]>, key: K, item: T): void {
  const list = map.get(key);
  if (list) list.push(item);
  else map.set(key, [item]);
}
