// The artifact map: which folder of the workspace each OCI artifact the fleet syncs is built
// from. Plain data, learned from several places (see sources.ts), each entry saying where it
// was learned so hovers and the CLI can show it.

/** The declared map file at the top of a repository (see declared.ts); here so the client can name it without the YAML parser. */
export const DECLARED_FILE_NAME = '.flux-oci.yaml';

/** How an entry was learned, most authoritative first (`option`: given on the command line, `--artifact`). */
export type ArtifactOriginKind = 'option' | 'declared' | 'ci' | 'push' | 'structure';

export interface ArtifactOrigin {
  kind: ArtifactOriginKind;
  /** The file it was read from (a file URI), when it was read from one. */
  uri?: string;
  /** Zero-based line of the push command or the declaration in that file. */
  line?: number;
}

export interface ArtifactMapEntry {
  /**
   * The repository, normalized: lower-case host and path, no scheme, no tag
   * (`ghcr.io/org/fleet`). See normalizeRepository.
   */
  repository: string;
  /** The tag pushed; undefined when any tag (a tag built from variables the file cannot resolve, e.g. a commit SHA). */
  tag?: string;
  /**
   * The folder (file URI ending in `/`) or the single file the artifact is built from. For a
   * folder that CI generates (not in the workspace), the path as written is kept in `path`.
   */
  folder: string;
  /** `--path` as written (`./kubernetes`). */
  path: string;
  /** gitignore patterns left out of the artifact (`--ignore-paths`, comma separated in the CLI). */
  ignorePaths: string[];
  /** `--annotations key=value` given to the push. */
  annotations?: Record<string, string>;
  /**
   * True when the folder is what is pushed, as it is in the workspace: a path missing from it
   * is a real mistake. False for a folder CI generates first (`kustomize build > dist/…`), a
   * gitignored folder, or a single file: such an entry removes false errors but never claims one.
   */
  verifiable: boolean;
  origin: ArtifactOrigin;
}

/** `oci://GHCR.io/Org/Fleet:tag` or `ghcr.io/org/fleet` → `ghcr.io/org/fleet` (undefined when not a repository). */
export function normalizeRepository(url: string): string | undefined {
  let rest = url.trim().replace(/^oci:\/\//i, '');
  if (!rest || /\s/.test(rest)) return undefined;
  const at = rest.indexOf('@');
  if (at !== -1) rest = rest.slice(0, at);
  const slash = rest.indexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash && slash !== -1) rest = rest.slice(0, colon);
  rest = rest.replace(/\/+$/, '');
  if (!rest.includes('/')) return undefined;
  return rest.toLowerCase();
}

/** The tag of an `oci://host/repo:tag` reference, when it has one. */
export function tagOf(url: string): string | undefined {
  const rest = url.trim().replace(/^oci:\/\//i, '').split('@')[0];
  const slash = rest.indexOf('/');
  const colon = rest.lastIndexOf(':');
  return slash !== -1 && colon > slash ? rest.slice(colon + 1) : undefined;
}
