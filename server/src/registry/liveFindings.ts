// Findings that need the registry: a tag, digest, version range or repository that does not
// exist, an artifact that is not what its consumer expects (Flux content for a Kustomization, a
// Helm chart for a chartRef), a signature `spec.verify` asks for but the artifact lacks, and a
// Kustomization path missing from the artifact. Computed from the cache alone (never waits);
// what is missing is returned as `wants` for the caller to fetch in the background.
import type { ParsedDocument, PlacedDocument, YamlFile } from '../language/documents';
import { shiftRange } from '../language/lineIndex';
import type { Finding, Range } from '../language/types';
import type { IndexedObject, WorkspaceIndex } from '../language/workspaceIndex';
import { applyGraphOf } from '../language/applyGraph';
import { FLUX_MEDIA_TYPES } from '../oci/artifact/build';
import { nearestTags, newestTags, resolveRef, signatureState, type Resolution } from './resolve';
import { parseVersion, selectTag } from './semver';
import { helmRepositoryOf, targetsOf, type OciSourceTarget } from './targets';
import { isIndexMediaType, TagCache, type ArtifactInfo, type RepositoryRef, type Want } from './tagCache';

export const HELM_CHART_CONTENT = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';
export const HELM_CONFIG = 'application/vnd.cncf.helm.config.v1+json';

export interface AuthProblem {
  registry: string;
  range: Range;
  message: string;
}

export interface LiveFindings {
  findings: Finding[];
  wants: Want[];
  /** Registries that refused the credentials in use (or asked for some), where first named. */
  auth: AuthProblem[];
}

const repoText = (r: RepositoryRef) => `${r.registry}/${r.repository}`;
const shortDigest = (d: string) => `${d.slice(0, 'sha256:'.length + 12)}…`;
const list = (items: readonly string[]) => items.map((t) => `"${t}"`).join(', ');

/** The OCIRepository a consumer names, as a target plus its resolution. */
export function resolveSource(index: WorkspaceIndex, cache: TagCache, name: string, namespace: string | undefined, wants: Want[], read?: SourceRead[]): { target: OciSourceTarget; resolution: Resolution } | undefined {
  const found = index.resolve({ kind: 'OCIRepository', name, namespace });
  if (found.length !== 1) return undefined;
  const doc = index.documentOf(found[0]);
  read?.push(found[0]);
  const target = doc ? targetsOf(doc.parsed).find((t): t is OciSourceTarget => t.kind === 'oci-source') : undefined;
  if (!target) return undefined;
  return { target, resolution: resolveTarget(cache, target, wants) };
}

export function resolveTarget(cache: TagCache, target: OciSourceTarget, wants: Want[]): Resolution {
  return resolveRef(cache, target.repo, { tag: target.tag?.value, semver: target.semver?.value, semverFilter: target.semverFilter, digest: target.digest?.value }, wants);
}

/** The layer source-controller takes: the layerSelector's media type, else Flux's content, else the first. */
export function selectedLayer(info: ArtifactInfo, selector: OciSourceTarget['layerSelector']) {
  if (selector?.mediaType) return info.layers.find((l) => l.mediaType === selector.mediaType);
  return info.layers.find((l) => l.mediaType === FLUX_MEDIA_TYPES.content) ?? info.layers[0];
}

function fluxProblem(info: ArtifactInfo, selector: OciSourceTarget['layerSelector']): string | undefined {
  if (isIndexMediaType(info.mediaType)) return 'is an image index (a list of platform images), not a Flux artifact';
  if (selector?.mediaType) return selectedLayer(info, selector) ? undefined : `has no layer of media type ${selector.mediaType} (the layerSelector asks for it)`;
  if (info.configMediaType === FLUX_MEDIA_TYPES.config || info.layers.some((l) => l.mediaType === FLUX_MEDIA_TYPES.content)) return undefined;
  if (info.configMediaType === HELM_CONFIG || info.layers.some((l) => l.mediaType === HELM_CHART_CONTENT)) return 'is a Helm chart, not a Flux artifact of manifests';
  return `has config media type ${info.configMediaType ?? '(none)'} and layers ${info.layers.map((l) => l.mediaType).join(', ') || '(none)'}, not Flux's (${FLUX_MEDIA_TYPES.content})`;
}

function helmProblem(info: ArtifactInfo): string | undefined {
  if (info.configMediaType === HELM_CONFIG || info.layers.some((l) => l.mediaType === HELM_CHART_CONTENT)) return undefined;
  if (isIndexMediaType(info.mediaType)) return 'is an image index, not a Helm chart';
  return `is not a Helm chart (config ${info.configMediaType ?? '(none)'}, layers ${info.layers.map((l) => l.mediaType).join(', ') || '(none)'}; a chart has a ${HELM_CHART_CONTENT} layer)`;
}

/** `./apps/` → `apps`; `.` and `./` → `` (the root). */
export function normalisePath(path: string): string {
  return path.split('/').filter((p) => p !== '' && p !== '.').join('/');
}

const resolvedText = (r: Extract<Resolution, { state: 'resolved' }>) => `${r.tag ?? ''}${r.digest ? `${r.tag ? ' @ ' : ''}${shortDigest(r.digest)}` : ''}`;

/** One document's live findings in its own coordinates, and the other documents it read. */
function documentLiveFindings(parsed: ParsedDocument, index: WorkspaceIndex, cache: TagCache, read: SourceRead[]): LiveFindings {
  const out: LiveFindings = { findings: [], wants: [], auth: [] };
  const targets = targetsOf(parsed);
  if (targets.length === 0) return out;
  const warn = (range: Range, code: string, message: string, data?: unknown) =>
    out.findings.push({ range, severity: 'warning', code, message, ...(data !== undefined ? { data } : {}) });
  for (const target of targets) {
    if (target.kind === 'oci-source') {
      const r = resolveTarget(cache, target, out.wants);
      const repo = repoText(target.repo);
      switch (r.state) {
        case 'auth':
          out.auth.push({ registry: r.registry, range: target.url.range, message: r.message });
          break;
        case 'repository-not-found':
          warn(target.url.range, 'live/repository-not-found', `repository ${repo} was not found on the registry; the OCIRepository will not become ready`);
          break;
        case 'tag-not-found':
          warn(target.tag?.range ?? target.url.range, 'live/tag-not-found',
            r.implied
              ? `no ref: Flux pulls the tag "latest", which ${repo} does not have${r.nearest.length ? `; it has ${list(r.nearest)}` : ''}`
              : `tag "${r.tag}" does not exist in ${repo}${r.nearest.length ? `; nearest: ${list(r.nearest)}` : ''}`,
            { tags: r.nearest, implied: r.implied });
          break;
        case 'semver-no-match':
          warn(target.semver?.range ?? target.url.range, 'live/semver-no-match',
            `no tag of ${repo} matches "${r.range}"${target.semverFilter ? ` after semverFilter "${target.semverFilter}"` : ''} (${r.candidates} version tag${r.candidates === 1 ? '' : 's'} considered)${r.newest.length ? `; newest: ${list(r.newest)}` : ''}`,
            { tags: r.newest });
          break;
        case 'digest-not-found':
          warn(target.digest?.range ?? target.url.range, 'live/digest-not-found', `digest ${shortDigest(r.digest)} does not exist in ${repo}`);
          break;
        case 'resolved':
          if (target.verify && r.digest) {
            const state = signatureState(cache, target.repo, r.digest, target.verify.value, out.wants);
            if (state === 'unsigned') {
              warn(target.verify.range, 'live/unsigned',
                `spec.verify asks for a ${target.verify.value} signature, but ${resolvedText(r)} in ${repo} has none; source-controller will not mark this OCIRepository ready`);
            }
          }
          break;
      }
    } else if (target.kind === 'kustomization' || target.kind === 'chart-ref') {
      const source = resolveSource(index, cache, target.source.name, target.source.namespace, out.wants, read);
      if (!source || source.resolution.state !== 'resolved' || !source.resolution.info) continue;
      const { resolution: r } = source;
      const info = source.resolution.info;
      const what = `OCIRepository "${target.source.name}" resolves to ${resolvedText(r)}, which`;
      if (target.kind === 'chart-ref') {
        const problem = helmProblem(info);
        if (problem) warn(target.source.range, 'live/not-helm-chart', `${what} ${problem}; helm-controller cannot install it`);
        continue;
      }
      const problem = fluxProblem(info, source.target.layerSelector);
      if (problem) {
        warn(target.source.range, 'live/not-flux-artifact', `${what} ${problem}; kustomize-controller cannot apply it`);
        continue;
      }
      if (!target.path || source.target.layerSelector?.operation === 'copy') continue;
      const wanted = normalisePath(target.path.value);
      if (wanted === '') continue;
      const layer = selectedLayer(info, source.target.layerSelector);
      if (!layer) continue;
      out.wants.push({ kind: 'files', repo: source.target.repo, layer: { digest: layer.digest, size: layer.size } });
      const files = cache.peekFiles(layer.digest)?.value;
      if (!files || files.dirs.includes(wanted)) continue;
      const top = files.dirs.filter((d) => !d.includes('/')).slice(0, 8);
      warn(target.path.range, 'live/path-not-found',
        files.files.includes(wanted)
          ? `path "${target.path.value}" is a file in the artifact of OCIRepository "${target.source.name}" (${resolvedText(r)}); spec.path must name a folder`
          : `path "${target.path.value}" does not exist in the artifact of OCIRepository "${target.source.name}" (${resolvedText(r)})${top.length ? `; its folders: ${top.map((d) => `./${d}`).join(', ')}` : '; it has no folders'}`,
        { dirs: files.dirs.slice(0, 50) });
    } else if (target.kind === 'helm-chart') {
      const found = index.resolve({ kind: 'HelmRepository', name: target.repository.name, namespace: target.repository.namespace });
      const doc = found.length === 1 ? index.documentOf(found[0]) : undefined;
      if (found.length === 1) read.push(found[0]);
      const repo = doc ? helmRepositoryOf(doc.parsed, target.chart.value) : undefined;
      if (!repo) continue;
      out.wants.push({ kind: 'tags', repo });
      const entry = cache.peekTags(repo);
      if (entry?.error && !entry.value) {
        if (entry.error.kind === 'auth') out.auth.push({ registry: repo.registry, range: target.chart.range, message: entry.error.message });
        else if (entry.error.kind === 'not-found') warn(target.chart.range, 'live/chart-not-found', `chart "${target.chart.value}" was not found at ${repoText(repo)}`);
        continue;
      }
      if (!entry?.value) continue;
      const tags = entry.value;
      const version = target.version?.value ?? '*';
      const exact = parseVersion(version) && !/[xX*]/.test(version);
      // Helm writes `+` in versions as `_` in OCI tags.
      const asVersions = tags.map((t) => t.replace(/_/g, '+'));
      const ok = exact ? asVersions.includes(version) || tags.includes(version) : selectTag(asVersions, version).tag !== undefined;
      if (!ok) {
        const near = exact ? nearestTags(tags, version, 3) : newestTags(tags, 3);
        warn(target.version?.range ?? target.chart.range, 'live/chart-version-not-found',
          `${exact ? `version "${version}" of chart "${target.chart.value}" does not exist` : `no version of chart "${target.chart.value}" matches "${version}"`} at ${repoText(repo)}${near.length ? `; ${exact ? 'nearest' : 'newest'}: ${list(near)}` : ''}`,
          { tags: near });
      }
    }
  }
  return out;
}

/** Another document a document's live findings were computed from (its object as indexed then). */
export type SourceRead = IndexedObject;

interface MemoEntry {
  structure: number;
  epoch: number;
  at: number;
  /** The cache keys the document read (what the cache's change events name). */
  deps: string[];
  read: SourceRead[];
  result: LiveFindings;
}

/**
 * Each document's live findings, kept until something they were computed from changes: the
 * document's parse, one of the cache entries it read, the index's cross-file structure, or a
 * document it resolved a source in. Typing in one document of a big file then re-reads only
 * that document, and a registry answer re-reads only the documents that asked for it.
 */
export class LiveFindingsMemo {
  private readonly memo = new WeakMap<ParsedDocument, MemoEntry>();
  /** Cache key → the tick of its last change. */
  private readonly changedAt = new Map<string, number>();
  private tick = 0;
  /** Incremented when the whole cache changed ('*': settings, credentials, trust). */
  private epoch = 0;
  private readonly unsubscribe: () => void;

  constructor(private readonly cache: TagCache) {
    this.unsubscribe = cache.onDidChange((key) => {
      if (key === '*') {
        this.epoch++;
        this.changedAt.clear();
      } else {
        this.changedAt.set(key, ++this.tick);
      }
    });
  }

  dispose(): void {
    this.unsubscribe();
  }

  findings(doc: PlacedDocument, index: WorkspaceIndex): LiveFindings {
    const entry = this.memo.get(doc.parsed);
    if (entry && this.fresh(entry, index)) return entry.result;
    const read: SourceRead[] = [];
    const at = this.tick;
    const result = documentLiveFindings(doc.parsed, index, this.cache, read);
    const deps = result.wants.map((w) => {
      const key = TagCache.wantKey(w);
      return key.slice(key.indexOf('|') + 1);
    });
    this.memo.set(doc.parsed, { structure: index.structureVersion, epoch: this.epoch, at, deps, read, result });
    return result;
  }

  private fresh(entry: MemoEntry, index: WorkspaceIndex): boolean {
    if (entry.structure !== index.structureVersion || entry.epoch !== this.epoch) return false;
    if (entry.at !== this.tick) {
      for (const key of entry.deps) if ((this.changedAt.get(key) ?? 0) > entry.at) return false;
      // Still good at this tick: the next look skips the keys until the cache changes again.
      entry.at = this.tick;
    }
    // A source document edited since (same names, another tag or URL) has a new object.
    for (const object of entry.read) if (!index.isCurrent(object)) return false;
    return true;
  }
}

/**
 * The live findings of a file in file coordinates (from the memo where nothing they read
 * changed). `wants` is gathered when first read: a big file is checked on every keystroke, but
 * what it needs from the registry is only asked for after a pause.
 */
export function liveFindings(file: YamlFile, index: WorkspaceIndex, cache: TagCache, memo?: LiveFindingsMemo): LiveFindings {
  const findings: Finding[] = [];
  const auth: AuthProblem[] = [];
  const parts: LiveFindings[] = [];
  if (cache.enabled) {
    for (const doc of file.documents) {
      const r = memo ? memo.findings(doc, index) : documentLiveFindings(doc.parsed, index, cache, []);
      if (r.wants.length === 0 && r.findings.length === 0 && r.auth.length === 0) continue;
      parts.push(r);
      const line = doc.chunk.startLine;
      for (const found of r.findings) {
        const f = found.code === 'live/path-not-found' ? againstMappedFolder(found, file, doc.index, index) : found;
        if (f) findings.push(line === 0 ? f : { ...f, range: shiftRange(f.range, line) });
      }
      for (const a of r.auth) auth.push(line === 0 ? a : { ...a, range: shiftRange(a.range, line) });
    }
  }
  let wants: Want[] | undefined;
  return {
    findings,
    auth,
    get wants() {
      wants ??= parts.flatMap((p) => p.wants);
      return wants;
    },
  };
}

/**
 * A path missing from the published artifact, told against the folder the artifact map says it
 * is built from: when that folder lacks it too, the paths rule's error already says so (one
 * diagnostic, not two); when the folder has it, the next push fixes it.
 */
function againstMappedFolder(finding: Finding, file: YamlFile, documentIndex: number, index: WorkspaceIndex): Finding | undefined {
  const graph = applyGraphOf(index);
  const applier = graph.applierAt(file.uri, documentIndex);
  if (!applier?.artifact || !applier.folder) return finding;
  const state = graph.folderState(applier.folder);
  if (state === 'missing' && applier.relation === 'workspace') return undefined;
  if (state !== 'manifests' && state !== 'empty') return finding;
  return { ...finding, message: `${finding.message}; it exists in ${graph.describeFolder(applier.root.uri)}, the folder this artifact is built from, so the next push fixes it` };
}
