// Finds the files that tell the artifact map under a root: the declared map at its top, GitHub
// Actions workflows, GitLab CI, Makefiles, Taskfiles and shell scripts. Bounded: a few levels
// deep, a fixed number of entries, no symbolic links followed.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { DECLARED_FILE_NAME } from './declared';

const SKIPPED = new Set(['.git', 'node_modules', 'vendor', 'dist', 'out', '.cache']);
// CI and build files live near the top (a Makefile, scripts/, .github/workflows/): not under the manifests.
const MAX_DEPTH = 2;
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

/** The paths of those files under a root folder (absolute, sorted). */
export function artifactMapFiles(root: string): string[] {
  const out: string[] = [];
  let seen = 0;
  const walk = (dir: string, depth: number) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (++seen > MAX_ENTRIES) return;
      const path = join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIPPED.has(e.name) && depth < MAX_DEPTH) walk(path, depth + 1);
      } else if (e.isFile() && mayTellArtifacts(relative(root, path).split(sep).join('/'))) out.push(path);
    }
  };
  walk(root, 0);
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
