// Finds the files that tell the artifact map under a root: the declared map at its top, GitHub
// Actions workflows, GitLab CI, Makefiles, Taskfiles and shell scripts. Bounded: a fixed number
// of directory entries, heavy trees skipped, no symbolic links followed.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DECLARED_FILE_NAME } from './declared';

const SKIPPED = new Set(['.git', 'node_modules', 'vendor', 'dist', 'out', '.cache', '.terraform', '.venv', '.tox', '__pycache__']);
// No depth limit: scripts sit at any depth (`bin/tests/flux-d2/test.sh`), the file watcher
// already reports a changed script at any depth (mayTellArtifacts has none), and the walk only
// lists folders (no file is read unless its name is a map file's), which costs a few
// milliseconds for 10,000 files beside the seconds the indexer spends parsing them. The bound
// is the number of entries listed; the walk is breadth first so that, when a huge tree uses the
// budget up, what goes unlisted is the deepest folders, never the top (`.github/workflows`,
// the Makefile, `scripts/`).
const MAX_ENTRIES = 20000;
const MAX_BYTES = 1024 * 1024;

/** Is a path (relative to its root, `/`-separated) a file that may tell the artifact map? */
export function mayTellArtifacts(relativePath: string): boolean {
  const name = relativePath.slice(relativePath.lastIndexOf('/') + 1);
  return relativePath === DECLARED_FILE_NAME
    || /^\.github\/workflows\/[^/]+\.ya?ml$/.test(relativePath)
    || /^\.gitlab-ci\.ya?ml$/.test(relativePath) || /^\.gitlab\/.+\.ya?ml$/.test(relativePath)
    || /^(?:GNU)?[Mm]akefile$/.test(name) || /\.mk$/.test(name)
    || /^[Tt]askfile(?:\.dist)?\.ya?ml$/.test(name)
    || /\.(?:sh|bash)$/.test(name);
}

/** The paths of those files under a root folder (absolute, sorted); `maxEntries` for tests. */
export function artifactMapFiles(root: string, maxEntries = MAX_ENTRIES): string[] {
  const out: string[] = [];
  let seen = 0;
  // Folders to list, as [absolute path, path relative to the root with a trailing '/' or ''].
  const queue: [string, string][] = [[root, '']];
  for (let next = 0; next < queue.length; next++) {
    const [dir, rel] = queue[next];
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      if (++seen > maxEntries) return out.sort();
      if (e.isDirectory()) {
        if (!SKIPPED.has(e.name)) queue.push([join(dir, e.name), `${rel}${e.name}/`]);
      } else if (e.isFile() && mayTellArtifacts(rel + e.name)) out.push(join(dir, e.name));
    }
  }
  return out.sort();
}

/** Reads one of them; undefined when unreadable or too large. */
export function readMapFile(path: string): string | undefined {
  try {
    if (statSync(path).size > MAX_BYTES) return undefined;
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
