// What the apply graph reads from each document: Flux Kustomizations (sourceRef, path, patches,
// targetNamespace, postBuild), sources (kind, name, URL) and kustomize files (resources,
// namespace, patches). Read from the plain value and cached on the parsed document, so an edit
// re-reads only the documents whose text changed.
import { DocumentSlot, type ParsedDocument } from './documents';
import { parseAllDocuments } from 'yaml';

export const KUSTOMIZE_FILE_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;
const KUSTOMIZE_FILE = /(?:^|\/)(?:kustomization\.ya?ml|Kustomization)$/;
export const isKustomizeFileUri = (uri: string): boolean => KUSTOMIZE_FILE.test(uri);

/** A kustomize selector (Flux `spec.patches[].target`, kustomization.yaml `patches[].target`). */
export interface Selector {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  labelSelector?: string;
  annotationSelector?: string;
}

/** One patch: a strategic-merge body (a map) or JSON6902 operations (a list). */
export interface PatchFacts {
  target?: Selector;
  /** Parsed patch: a map (strategic merge) or a list of `{op, path, value}`. */
  body?: unknown;
  /** A kustomize patch that names a file (`path:`), resolved against the kustomization file. */
  file?: string;
}

export interface SourceRefFacts {
  kind: string;
  name: string;
  namespace?: string;
}

export interface FluxKustomizationFacts {
  /**
   * Set when the Kustomization is one the Flux Operator makes from a FluxInstance's `spec.sync`
   * (or the flux-instance chart's `instance.sync` values): its path is at `spec.sync.path`.
   */
  madeBy?: 'FluxInstance' | 'flux-instance chart';
  name?: string;
  namespace?: string;
  /** The API version (v1, v1beta2, ...), the labels and the annotations: what a patch selector of
   * the Kustomization applying this one may match on. */
  version: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  sourceRef?: SourceRefFacts;
  /** `spec.path` as written ('' when absent: the source root). */
  path: string;
  targetNamespace?: string;
  patches: PatchFacts[];
  /** postBuild.substitute or substituteFrom has entries: `${VAR}` values are replaced before apply. */
  substitutes: boolean;
}

export interface SourceFacts {
  kind: string;
  name: string;
  namespace?: string;
  url?: string;
  /** An OCIRepository's `ref.tag` when no digest or semver range takes precedence (the artifact map is looked up by it). */
  tag?: string;
  /** An OCIRepository's `ref` selects by digest or semver range: any tag of the repository may be synced. */
  anyTag?: boolean;
  /** An OCIRepository's `spec.ignore` (gitignore lines): what source-controller leaves out of the artifact. */
  ignore?: string;
}

export interface KustomizeFileFacts {
  /** Entries of `resources`, `bases` and `components`, as written. */
  resources: string[];
  namespace?: string;
  patches: PatchFacts[];
}

export interface DocumentGraphFacts {
  kustomization?: FluxKustomizationFacts;
  source?: SourceFacts;
}

const factsKeys = new WeakMap<DocumentGraphFacts, string>();
/**
 * The facts as one string: equal keys mean the graph sees the same document. Built when first
 * compared (an edit), not for every document of a file being opened.
 */
export function graphFactsKey(facts: DocumentGraphFacts): string {
  let key = factsKeys.get(facts);
  if (key === undefined) {
    key = facts.kustomization ? `k${JSON.stringify(facts.kustomization)}` : facts.source ? `s${JSON.stringify(facts.source)}` : '';
    factsKeys.set(facts, key);
  }
  return key;
}

const SOURCE_KINDS = new Set(['GitRepository', 'OCIRepository', 'Bucket', 'ExternalArtifact', 'HelmRepository', 'HelmChart']);

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);
const obj = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : undefined);

function selectorOf(v: unknown): Selector | undefined {
  const o = obj(v);
  if (!o) return undefined;
  const s: Selector = {};
  for (const key of ['group', 'version', 'kind', 'name', 'namespace', 'labelSelector', 'annotationSelector'] as const) {
    const value = str(o[key]);
    if (value !== undefined) s[key] = value;
  }
  return s;
}

/** Parses a patch written as text (YAML or JSON); undefined when it does not parse. */
function parsePatchText(text: string): unknown {
  try {
    // logLevel 'error': a Go template (`name: {{ .Values.x }}`) parses to a map key, and the
    // library's warning about it would reach stderr (as in documents.ts).
    const docs = parseAllDocuments(text, { prettyErrors: false, logLevel: 'error' });
    const first = Array.isArray(docs) ? docs[0] : undefined;
    if (!first || first.errors.length) return undefined;
    const body = first.toJS({ maxAliasCount: 100 }) as unknown;
    // An alias inside its own anchor (`a: &x [*x]`) converts to a circular value; facts are
    // plain data, keyed and compared as JSON, so such a patch is one that does not parse.
    JSON.stringify(body);
    return body;
  } catch {
    return undefined;
  }
}

function patchesOf(list: unknown): PatchFacts[] {
  if (!Array.isArray(list)) return [];
  const out: PatchFacts[] = [];
  for (const item of list) {
    const o = obj(item);
    if (!o) continue;
    const patch: PatchFacts = {};
    const target = selectorOf(o.target);
    if (target) patch.target = target;
    const text = str(o.patch);
    if (text !== undefined) patch.body = parsePatchText(text);
    const file = str(o.path);
    if (file !== undefined) patch.file = file;
    if (patch.body !== undefined || patch.file !== undefined) out.push(patch);
  }
  return out;
}

/** A map's scalar entries as strings (what label selectors compare); undefined when there are none. */
export function stringMap(value: unknown): Record<string, string> | undefined {
  const o = obj(value);
  if (!o) return undefined;
  const out: Record<string, string> = {};
  let any = false;
  for (const [k, v] of Object.entries(o)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
      out[k] = String(v);
      any = true;
    }
  }
  return any ? out : undefined;
}

const nonEmpty = (v: unknown): boolean => (Array.isArray(v) ? v.length > 0 : obj(v) ? Object.keys(obj(v)!).length > 0 : false);

const cache = new DocumentSlot<DocumentGraphFacts>();

/** The apply-graph facts of one document (empty for documents the graph does not read). */
export function documentGraphFacts(parsed: ParsedDocument): DocumentGraphFacts {
  let facts = cache.get(parsed);
  if (facts) return facts;
  facts = {};
  const id = parsed.identity;
  if (id && parsed.yaml.errors.length === 0) {
    if (id.kind === 'Kustomization' && id.group === 'kustomize.toolkit.fluxcd.io') facts.kustomization = kustomizationFacts(parsed);
    else if (SOURCE_KINDS.has(id.kind) && id.group.endsWith('.fluxcd.io') && id.name) {
      const plain = parsed.plainValue;
      const spec = plain.ok ? obj(obj(plain.value)?.spec) : undefined;
      const url = str(spec?.url);
      facts.source = { kind: id.kind, name: id.name, ...(id.namespace ? { namespace: id.namespace } : {}), ...(url ? { url } : {}) };
      if (id.kind === 'OCIRepository') {
        const ref = obj(spec?.ref);
        if (str(ref?.digest) !== undefined || str(ref?.semver) !== undefined) facts.source.anyTag = true;
        else facts.source.tag = str(ref?.tag) ?? 'latest';
        const ignore = str(spec?.ignore);
        if (ignore) facts.source.ignore = ignore;
      }
    } else if (id.kind === 'FluxInstance' && id.group === 'fluxcd.controlplane.io') {
      const plain = parsed.plainValue;
      Object.assign(facts, syncFacts(obj(obj(plain.ok ? plain.value : undefined)?.spec)?.sync, id.namespace, 'FluxInstance'));
    } else if (id.kind === 'HelmRelease' && id.group === 'helm.toolkit.fluxcd.io') {
      const plain = parsed.plainValue;
      const spec = obj(obj(plain.ok ? plain.value : undefined)?.spec);
      if (installsFluxInstanceChart(spec)) {
        const namespace = str(spec?.targetNamespace) ?? id.namespace;
        Object.assign(facts, syncFacts(obj(obj(spec?.values)?.instance)?.sync, namespace, 'flux-instance chart'));
      }
    }
  }
  cache.set(parsed, facts);
  return facts;
}

/** A HelmRelease of the flux-instance chart (by chart name, or a chartRef to a source named after it). */
function installsFluxInstanceChart(spec: Record<string, unknown> | undefined): boolean {
  const last = (v: string | undefined) => v?.trim().replace(/\/+$/, '').split('/').at(-1)?.replace(/[:@].*$/, '');
  return last(str(obj(obj(spec?.chart)?.spec)?.chart)) === 'flux-instance' || last(str(obj(spec?.chartRef)?.name)) === 'flux-instance';
}

/**
 * The source and the Kustomization the Flux Operator makes from a FluxInstance's `sync`
 * (`{kind, url, ref, path}`): both named after the instance's namespace, the Kustomization
 * applying `path` of that source.
 */
function syncFacts(sync: unknown, namespace: string | undefined, madeBy: 'FluxInstance' | 'flux-instance chart'): DocumentGraphFacts {
  const s = obj(sync);
  const url = str(s?.url);
  if (!s || !url) return {};
  const kind = str(s.kind) ?? (url.startsWith('oci://') ? 'OCIRepository' : 'GitRepository');
  const name = namespace ?? 'flux-system';
  const ref = str(s.ref);
  const source: SourceFacts = { kind, name, namespace: name, url };
  if (kind === 'OCIRepository') {
    if (ref && /^sha256:|[<>=~^*|]/.test(ref)) source.anyTag = true;
    else source.tag = ref ?? 'latest';
  }
  const kustomization: FluxKustomizationFacts = {
    madeBy, name, namespace: name, version: 'v1', path: str(s.path) ?? '', patches: [], substitutes: false,
    sourceRef: { kind, name, namespace: name },
  };
  return { source, kustomization };
}

/**
 * Gives a document known only by facts another thread exported (`WorkspaceIndex.importFacts`)
 * those facts, so the apply graph reads them as if it had parsed the document.
 */
export function seedGraphFacts(parsed: ParsedDocument, facts: DocumentGraphFacts, kustomize?: KustomizeFileFacts): void {
  cache.set(parsed, facts);
  kustomizeCache.set(parsed, kustomize ?? null);
}

function kustomizationFacts(parsed: ParsedDocument): FluxKustomizationFacts {
  const plain = parsed.plainValue;
  const root = plain.ok ? obj(plain.value) : undefined;
  const spec = obj(root?.spec);
  const ref = obj(spec?.sourceRef);
  const facts: FluxKustomizationFacts = { path: str(spec?.path) ?? '', patches: patchesOf(spec?.patches), substitutes: false, version: parsed.identity?.version ?? '' };
  const metadata = obj(root?.metadata);
  const labels = stringMap(metadata?.labels);
  if (labels) facts.labels = labels;
  const annotations = stringMap(metadata?.annotations);
  if (annotations) facts.annotations = annotations;
  if (parsed.identity?.name) facts.name = parsed.identity.name;
  if (parsed.identity?.namespace) facts.namespace = parsed.identity.namespace;
  const refName = str(ref?.name);
  if (ref && refName) {
    facts.sourceRef = { kind: str(ref.kind) ?? 'GitRepository', name: refName };
    const ns = str(ref.namespace);
    if (ns) facts.sourceRef.namespace = ns;
  }
  const target = str(spec?.targetNamespace);
  if (target) facts.targetNamespace = target;
  const postBuild = obj(spec?.postBuild);
  facts.substitutes = nonEmpty(postBuild?.substitute) || nonEmpty(postBuild?.substituteFrom);
  return facts;
}

const kustomizeCache = new DocumentSlot<KustomizeFileFacts | null>();

/** The facts of a kustomize file (kustomization.yaml), read from its first document. */
export function kustomizeFileFacts(parsed: ParsedDocument | undefined): KustomizeFileFacts | undefined {
  if (!parsed) return undefined;
  let facts = kustomizeCache.get(parsed);
  if (facts === undefined) {
    facts = null;
    const plain = parsed.yaml.errors.length === 0 ? parsed.plainValue : undefined;
    const root = plain?.ok ? obj(plain.value) : undefined;
    const apiVersion = str(root?.apiVersion);
    if (root && (!apiVersion || apiVersion.startsWith('kustomize.config.k8s.io/'))) {
      const resources: string[] = [];
      for (const key of ['resources', 'bases', 'components']) {
        const list = root[key];
        if (Array.isArray(list)) for (const item of list) { const s = str(item); if (s) resources.push(s); }
      }
      const patches = patchesOf(root.patches);
      // Older fields: patchesStrategicMerge (file paths or inline patches), patchesJson6902 (files).
      if (Array.isArray(root.patchesStrategicMerge)) {
        for (const item of root.patchesStrategicMerge) {
          const s = str(item);
          if (s === undefined) continue;
          if (s.includes('\n')) patches.push({ body: parsePatchText(s) });
          else patches.push({ file: s });
        }
      }
      patches.push(...patchesOf(root.patchesJson6902));
      facts = { resources, patches };
      const ns = str(root.namespace);
      if (ns) facts.namespace = ns;
    }
    kustomizeCache.set(parsed, facts);
  }
  return facts ?? undefined;
}
