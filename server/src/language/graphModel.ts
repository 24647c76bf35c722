// The apply graph's vocabulary, shared by the graph (applyGraph.ts) and the modules that place
// sources (sourcePlacement.ts): workspace roots, folder states, how a source relates to the
// workspace, a Kustomization as an applier, and folder/URI arithmetic on graph keys.
import type { FluxKustomizationFacts } from './applyFacts';
import type { ArtifactMapEntry } from './artifacts/types';
import { normalizeGitUrl } from './gitRoots';

/** A folder whose files' `spec.path`s are judged relative to it (a workspace folder or its Git repository). */
export interface WorkspaceRoot {
  /** Folder URI ending in `/`. */
  uri: string;
  /** The folder is the top of a Git repository (so paths relative to it are the repository's). */
  repository: boolean;
  /** The repository's remote URLs, normalized with `normalizeGitUrl`. */
  remotes: readonly string[];
}

export type FolderState = 'missing' | 'empty' | 'manifests';

/** Tells whether a folder exists and holds manifests; undefined when it cannot tell. */
export interface FolderProbe {
  state(folderUri: string): FolderState | undefined;
}

/**
 * How a Kustomization's source relates to the workspace:
 * - `workspace`: known to be the repository being edited (the `flux-system` GitRepository of
 *   `flux bootstrap`, or a GitRepository whose URL is the workspace's remote) in a Git repository;
 * - `assumed`: nothing says otherwise (the source is defined nowhere here): paths are read
 *   against the workspace root, but a path missing here is no evidence of a mistake;
 * - `other`: another repository or an artifact (OCIRepository, Bucket, ExternalArtifact):
 *   its content is not in the workspace.
 */
export type SourceRelation = 'workspace' | 'assumed' | 'other';

/** A Flux Kustomization of the workspace, as the graph sees it. */
export interface Applier {
  uri: string;
  documentIndex: number;
  facts: FluxKustomizationFacts;
  relation: SourceRelation;
  root: WorkspaceRoot;
  /** Folder URI its spec.path points to (ending in `/`), when the source's content is here. */
  folder?: string;
  /** Why the source relation was chosen, in words for hover and messages. */
  sourceNote: string;
  /** The artifact map entry its OCI source is placed by (see artifacts/), when one is. */
  artifact?: ArtifactMapEntry;
  /** That artifact in words: `oci://ghcr.io/org/fleet (tag main), built from ./deploy — from .github/workflows/publish.yaml:14`. */
  artifactNote?: string;
  /** Its OCIRepository's `spec.ignore` (gitignore lines), when it has one. */
  sourceIgnore?: string;
}

/**
 * URIs compared decoded: clients encode file URIs differently (VS Code writes `%40` for `@`,
 * Node's pathToFileURL does not), and kustomize paths are plain text.
 */
const keyCache = new Map<string, string>();
export function keyOf(uri: string): string {
  let key = keyCache.get(uri);
  if (key === undefined) {
    try {
      key = uri.includes('%') ? decodeURIComponent(uri) : uri;
    } catch {
      key = uri;
    }
    if (keyCache.size > 50000) keyCache.clear();
    keyCache.set(uri, key);
  }
  return key;
}

/** Joins a relative path to a folder key (ending in `/`); `..` stops at the top. */
export function joinKey(folder: string, relative: string): string {
  const scheme = folder.match(/^[a-z][a-z0-9+.-]*:\/\/[^/]*\//i)?.[0] ?? '';
  const segments = folder.slice(scheme.length).split('/').filter(Boolean);
  for (const segment of relative.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return scheme + segments.join('/');
}

export const folderOf = (uri: string): string => uri.slice(0, uri.lastIndexOf('/') + 1);
export const parentFolder = (folder: string): string | undefined => {
  const trimmed = folder.slice(0, -1);
  const slash = trimmed.lastIndexOf('/');
  return slash > 'file://'.length ? trimmed.slice(0, slash + 1) : undefined;
};

/** `./apps/prod/`, `apps/prod`, `/apps/prod` → `apps/prod`; `..` cannot leave the root (Flux joins securely). */
const normalizedPaths = new Map<string, string>();
export function normalizeSourcePath(path: string): string {
  let normalized = normalizedPaths.get(path);
  if (normalized === undefined) {
    normalized = normalizePath(path);
    if (normalizedPaths.size > 50000) normalizedPaths.clear();
    normalizedPaths.set(path, normalized);
  }
  return normalized;
}

function normalizePath(path: string): string {
  const out: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  return out.join('/');
}

const urlCache = new Map<string, string>();
export function normalizedUrl(url: string): string {
  let n = urlCache.get(url);
  if (n === undefined) {
    n = normalizeGitUrl(url);
    if (urlCache.size > 10000) urlCache.clear();
    urlCache.set(url, n);
  }
  return n;
}

export const sourceKey = (name: string, namespace: string | undefined) => `${namespace ?? ''}/${name}`;
