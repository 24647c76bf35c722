// The artifact map of a workspace, from the texts of the files that tell it: declared map files
// first, then CI and build files, then what the user gave on the command line (which wins).
// Pure: the CLI and the server read the files (discover.ts) and hand the texts in.
import type { WorkspaceRoot } from '../applyGraph';
import { declaredArtifacts, isDeclaredFile } from './declared';
import type { ArtifactMapEntry } from './types';

/** Reads the CI/build files of a root (see ciPushes.ts); set once that module is loaded. */
export type CiReader = (input: { uri: string; text: string; rootUri: string; repository?: { owner: string; name: string; host?: string } }) => ArtifactMapEntry[];

export interface MapFile {
  uri: string;
  text: string;
}

/**
 * `github.com/org/fleet` → { host: 'github.com', owner: 'org', name: 'fleet' }: the name is the
 * last segment, the owner everything between the host and it (GitLab's nested groups).
 */
export function repositoryOfRemote(remote: string | undefined): { owner: string; name: string; host: string } | undefined {
  const parts = remote?.split('/').filter(Boolean) ?? [];
  return parts.length >= 3 ? { host: parts[0], owner: parts.slice(1, -1).join('/'), name: parts[parts.length - 1] } : undefined;
}

/** The entries one file gives (declared map or CI file), with paths resolved against its root. */
export function entriesOfFile(file: MapFile, roots: readonly WorkspaceRoot[], readCi?: CiReader): ArtifactMapEntry[] {
  if (isDeclaredFile(file.uri)) return declaredArtifacts(file.uri, file.text);
  const root = [...roots].sort((a, b) => b.uri.length - a.uri.length).find((r) => file.uri.startsWith(r.uri));
  if (!root || !readCi) return [];
  try {
    return readCi({ uri: file.uri, text: file.text, rootUri: root.uri, ...(repositoryOfRemote(root.remotes[0]) ? { repository: repositoryOfRemote(root.remotes[0])! } : {}) });
  } catch {
    return [];
  }
}

/**
 * The whole map: every file's entries, declared ones first, then CI, then `--artifact` entries
 * (given last and most specific: they replace what the files say for the same repository and tag).
 */
export function artifactMapOf(files: readonly MapFile[], roots: readonly WorkspaceRoot[], readCi?: CiReader, given: readonly ArtifactMapEntry[] = []): ArtifactMapEntry[] {
  const fromFiles = [...files].sort((a, b) => (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0)).flatMap((f) => entriesOfFile(f, roots, readCi));
  const overridden = (e: ArtifactMapEntry) => given.some((g) => g.repository === e.repository && (g.tag === undefined || g.tag === e.tag));
  return [...given, ...fromFiles.filter((e) => !overridden(e))];
}
