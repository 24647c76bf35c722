// Where a Kustomization's source has its content in the workspace, if anywhere: the root its
// `spec.path` is read from, and how sure that is. One provider per way of knowing, asked in
// order of authority:
//   1. the artifact map (`--artifact`, .flux-oci.yaml, CI push lines; artifacts/) for an OCI source;
//   2. the layout `flux bootstrap` writes: a Kustomization applying the folder that holds its
//      own file shows where its source's root is (bootstrapLayoutRoots);
//   3. the Git remote: a GitRepository whose URL is the workspace's remote;
//   4. structure, the last resort for OCI sources: the folder under which most of the source's
//      Kustomizations' paths exist (structureRoots).
// A provider that places a source as `workspace` may let rules claim errors (a missing path);
// `assumed` only lets them drop false ones (patches, substitution reach the children).
import type { FluxKustomizationFacts, SourceFacts } from './applyFacts';
import { findArtifact, originText } from './artifacts/lookup';
import type { ArtifactMapEntry } from './artifacts/types';
import {
  folderOf, joinKey, keyOf, normalizeSourcePath, normalizedUrl, parentFolder, sourceKey,
  type FolderState, type SourceRelation, type WorkspaceRoot,
} from './graphModel';

/** What the providers may ask of the graph. */
export interface PlacementContext {
  rootFor(uri: string): WorkspaceRoot | undefined;
  hasFolder(folder: string): boolean;
  folderState(folder: string): FolderState | undefined;
  describeFolder(folder: string): string;
  readonly artifacts: readonly ArtifactMapEntry[];
}

/** A Flux Kustomization (its patched facts) in a file. */
export interface KustomizationAt {
  uri: string;
  facts: FluxKustomizationFacts;
}

export interface Placement {
  relation: SourceRelation;
  root: WorkspaceRoot;
  /** Why, in words for hover and messages. */
  note: string;
  artifact?: ArtifactMapEntry;
  artifactNote?: string;
  sourceIgnore?: string;
}

/**
 * Provider 2, the bootstrap layout: a Kustomization that applies the folder holding its own file
 * (clusters/<name>/flux-system/gotk-sync.yaml applying ./clusters/<name>) shows where its
 * source's root is. By source key; null where Kustomizations disagree.
 */
export function bootstrapLayoutRoots(kustomizations: Iterable<KustomizationAt>): Map<string, string | null> {
  const out = new Map<string, string | null>();
  for (const { uri, facts } of kustomizations) {
    const ref = facts.sourceRef;
    const path = normalizeSourcePath(facts.path);
    if (!ref || (ref.kind !== 'GitRepository' && ref.kind !== 'OCIRepository') || !path || path.includes('${')) continue;
    const folder = folderOf(keyOf(uri));
    const at = folder.lastIndexOf(`/${path}/`);
    if (at === -1) continue;
    const root = folder.slice(0, at + 1);
    const key = sourceKey(ref.name, ref.namespace ?? facts.namespace);
    const known = out.get(key);
    if (known === undefined) out.set(key, root);
    else if (known !== root) out.set(key, null);
  }
  return out;
}

/**
 * Provider 4, structure: roots of OCI sources that no Kustomization anchors: of the folders
 * above the files of the source's Kustomizations (the artifact holds them), the one under which
 * the most of their paths exist, when one is strictly best and fits at least two. Added to `out`.
 */
export function structureRoots(ctx: PlacementContext, kustomizations: Iterable<KustomizationAt>, out: Map<string, string | null>): void {
  const bySource = new Map<string, { folders: Set<string>; paths: string[] }>();
  for (const { uri, facts } of kustomizations) {
    const ref = facts.sourceRef;
    if (ref?.kind !== 'OCIRepository' || facts.madeBy) continue;
    const key = sourceKey(ref.name, ref.namespace ?? facts.namespace);
    if (out.has(key)) continue;
    const path = normalizeSourcePath(facts.path);
    let source = bySource.get(key);
    if (!source) bySource.set(key, source = { folders: new Set(), paths: [] });
    if (path && !path.includes('${')) source.paths.push(path);
    const root = ctx.rootFor(uri);
    for (let folder: string | undefined = folderOf(keyOf(uri)); folder && (!root || folder.startsWith(root.uri)); folder = parentFolder(folder)) {
      if (source.folders.has(folder)) break;
      source.folders.add(folder);
    }
  }
  for (const [key, { folders, paths }] of bySource) {
    if (paths.length < 2 || folders.size > 256) continue;
    let best: string | undefined;
    let bestScore = 0;
    let tie = false;
    for (const folder of folders) {
      let score = 0;
      for (const path of paths) if (ctx.hasFolder(`${joinKey(folder, path)}/`)) score++;
      if (score > bestScore) {
        best = folder;
        bestScore = score;
        tie = false;
      } else if (score === bestScore) tie = true;
    }
    if (best && bestScore >= 2 && !tie) out.set(key, best);
  }
}

/** Providers 2 and 4 together: the roots the workspace's own layout shows, by source key. */
export function anchorRoots(ctx: PlacementContext, kustomizations: readonly KustomizationAt[]): Map<string, string | null> {
  const out = bootstrapLayoutRoots(kustomizations);
  structureRoots(ctx, kustomizations, out);
  return out;
}

/**
 * Provider 1, the artifact map: the folder an OCI source's artifact is built from. Sources of
 * one name that disagree, or an entry whose folder is outside the workspace, place nothing.
 */
export function placeByArtifactMap(ctx: PlacementContext, candidates: readonly SourceFacts[], label: string): Placement | undefined {
  if (ctx.artifacts.length === 0 || candidates.length === 0) return undefined;
  let entry: ArtifactMapEntry | undefined;
  for (const source of candidates) {
    if (source.url === undefined) return undefined;
    const found = findArtifact(ctx.artifacts, source.url, source.anyTag ? undefined : source.tag);
    if (!found || (entry && entry.folder !== found.folder)) return undefined;
    entry ??= found;
  }
  if (!entry || !ctx.rootFor(entry.folder)) return undefined;
  // A folder CI generates, a single file, or one missing here: it removes false errors only.
  const verifiable = entry.verifiable && ctx.folderState(entry.folder) !== 'missing';
  const tag = candidates[0].anyTag ? 'a tag its ref selects' : `tag ${candidates[0].tag}`;
  const where = originText(entry, (u) => ctx.describeFolder(u).replace(/^\.\//, ''));
  const artifactNote = `oci://${entry.repository} (${tag}), built from ${ctx.describeFolder(entry.folder)} — ${where}`;
  return {
    relation: verifiable ? 'workspace' : 'assumed',
    root: { uri: entry.folder, repository: verifiable, remotes: [] },
    note: `its source, ${label}, is the artifact ${artifactNote}`,
    artifact: entry,
    artifactNote,
    ...(candidates[0].ignore ? { sourceIgnore: candidates[0].ignore } : {}),
  };
}

/** Where a Kustomization's source is, by the providers in order of authority. */
export function placeSource(ctx: PlacementContext, at: KustomizationAt, sources: Map<string, SourceFacts[]>, anchors: Map<string, string | null>): Placement {
  const { uri, facts } = at;
  const configured = ctx.rootFor(uri) ?? { uri: folderOf(keyOf(uri)), repository: false, remotes: [] };
  const ref = facts.sourceRef;
  if (!ref) return { relation: 'assumed', root: configured, note: 'it names no source; paths are read from the workspace root' };
  // A source's root read from the workspace's layout: its content is evidently here.
  const anchor = ref.kind === 'GitRepository' || ref.kind === 'OCIRepository' ? anchors.get(sourceKey(ref.name, ref.namespace ?? facts.namespace)) : undefined;
  const anchored = anchor !== undefined && anchor !== null && keyOf(uri).startsWith(anchor);
  const refNamespace = ref.namespace ?? facts.namespace;
  const candidates = (sources.get(`${ref.kind}/${ref.name}`) ?? []).filter((s) => !s.namespace || !refNamespace || s.namespace === refNamespace);
  const urls = candidates.flatMap((s) => (s.url !== undefined ? [normalizedUrl(s.url)] : []));
  const label = `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;

  if (ref.kind === 'OCIRepository') {
    const mapped = placeByArtifactMap(ctx, candidates, label);
    if (mapped) return mapped;
    if (anchored) {
      return {
        relation: 'assumed',
        root: { uri: anchor, repository: false, remotes: [] },
        note: `its source, ${label}, is an artifact whose root is taken to be ${ctx.describeFolder(anchor)} (where its Kustomizations' paths fit; no CI file or artifact map says which folder it is built from)`,
      };
    }
    return { relation: 'other', root: configured, note: `its source, ${label}, is an artifact this workspace cannot place (no artifact map entry or CI push names its repository)` };
  }
  if (ref.kind !== 'GitRepository') return { relation: 'other', root: configured, note: `its source, ${label}, is an artifact whose content is not read from the workspace` };

  const bootstrap = ref.name === 'flux-system' && (!refNamespace || refNamespace === 'flux-system');
  const isRemote = urls.some((u) => configured.remotes.includes(u));
  const otherRemote = urls.length > 0 && configured.remotes.length > 0 && !isRemote;
  if (anchored) {
    // Known to be this repository when the layout is at the repository's top and nothing says
    // it is another one; else its paths are read from where the layout is.
    const atTop = anchor === configured.uri;
    const relation: SourceRelation = atTop && configured.repository && (isRemote || (bootstrap && !otherRemote)) ? 'workspace' : 'assumed';
    return {
      relation,
      root: atTop ? configured : { uri: anchor, repository: false, remotes: [] },
      note: relation === 'workspace'
        ? `its source, ${label}, ${isRemote ? 'pulls this repository (its URL is the workspace\'s Git remote)' : 'is the repository `flux bootstrap` set up here'}`
        : `its source, ${label}, has its content in this workspace (paths read from ${atTop ? 'the workspace root' : 'the folder its Kustomizations apply from'})`,
    };
  }
  if (isRemote) return { relation: configured.repository ? 'workspace' : 'assumed', root: configured, note: `its source, ${label}, pulls this repository (its URL is the workspace's Git remote)` };
  if (candidates.length && !bootstrap) return { relation: 'other', root: configured, note: `its source, ${label}, pulls ${urls.length ? 'another repository' : 'a repository this workspace cannot tell'}` };
  if (bootstrap && otherRemote) return { relation: 'other', root: configured, note: `its source, ${label}, pulls another repository` };
  return { relation: 'assumed', root: configured, note: `its source, ${label}, is not known to be this repository; paths are read from the workspace root` };
}
