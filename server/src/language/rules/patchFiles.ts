// Files a kustomize `kustomization.yaml` uses as patches. Their Flux documents are partial
// objects (only the fields to change), so "missing required field" does not apply to them.
import { isMap, isScalar, isSeq } from 'yaml';
import type { YamlFile } from '../documents';
import { findPair, scalarString } from '../fluxObjects';

const KUSTOMIZE_FILE = /(?:^|\/)(?:kustomization\.ya?ml|Kustomization)$/;

export interface KustomizeFileRefs {
  /** Files used as patches (partial objects). */
  patches: string[];
  /** Files listed under `resources` (built together). */
  resources: string[];
}

const NONE: KustomizeFileRefs = { patches: [], resources: [] };

/** The patch and resource files a kustomize file names (none for other files). */
export function kustomizeRefsOf(uri: string, file: YamlFile): KustomizeFileRefs {
  if (!KUSTOMIZE_FILE.test(uri)) return NONE;
  const root = file.documents[0]?.parsed.yaml.contents;
  if (!isMap(root)) return NONE;
  const apiVersion = scalarString(findPair(root, 'apiVersion')?.value);
  if (apiVersion && !apiVersion.startsWith('kustomize.config.k8s.io/')) return NONE;
  const resolveAll = (list: string[]) => [...new Set(list.map((p) => resolveRelative(uri, p)).filter((u): u is string => u !== undefined))];
  const resources: string[] = [];
  const listed = findPair(root, 'resources')?.value;
  if (isSeq(listed)) {
    for (const item of listed.items) {
      const path = scalarString(item);
      if (path && /\.ya?ml$/i.test(path)) resources.push(path);
    }
  }
  return { patches: resolveAll(patchPaths(root)), resources: resolveAll(resources) };
}

function patchPaths(root: unknown): string[] {
  const paths: string[] = [];
  const patches = findPair(root, 'patches')?.value;
  if (isSeq(patches)) {
    for (const item of patches.items) {
      const path = scalarString(findPair(item, 'path')?.value);
      if (path) paths.push(path);
      else if (isScalar(item) && typeof item.value === 'string' && !item.value.includes('\n')) paths.push(item.value);
    }
  }
  const strategic = findPair(root, 'patchesStrategicMerge')?.value;
  if (isSeq(strategic)) {
    for (const item of strategic.items) {
      // Items are file paths, or inline patches written as multi-line strings.
      if (isScalar(item) && typeof item.value === 'string' && !item.value.includes('\n')) paths.push(item.value);
    }
  }
  const json6902 = findPair(root, 'patchesJson6902')?.value;
  if (isSeq(json6902)) {
    for (const item of json6902.items) {
      const path = scalarString(findPair(item, 'path')?.value);
      if (path) paths.push(path);
    }
  }
  return paths;
}

/** Resolves a relative path against the folder of a URI; undefined for remote or absolute paths. */
export function resolveRelative(baseUri: string, path: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(path) || path.startsWith('/')) return undefined;
  try {
    return new URL(path.split('/').map(encodeURIComponent).join('/'), baseUri).href;
  } catch {
    return undefined;
  }
}
