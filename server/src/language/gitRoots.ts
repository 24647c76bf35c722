// The repositories being edited, read from disk: for a workspace folder, the Git repository it
// is in (its top folder, found by walking up to `.git`) and the URLs of its remotes (from
// `.git/config`; worktrees and submodules point there with a `gitdir:` file). Also the folder
// probe the paths rule uses: does a folder exist, and does it hold manifests?
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FolderProbe, FolderState, WorkspaceRoot } from './applyGraph';

/**
 * A Git URL reduced to host/path, so the forms one repository is written in compare equal:
 * `ssh://git@github.com/org/fleet.git`, `git@github.com:org/fleet`, `https://github.com/org/fleet`.
 */
export function normalizeGitUrl(url: string): string {
  let u = url.trim();
  const scp = u.match(/^(?:[^@/]+@)?([^:/]+):(?!\/)(.*)$/);
  if (scp && !/^[a-z][a-z0-9+.-]*:\/\//i.test(u)) u = `${scp[1]}/${scp[2]}`;
  else u = u.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/^[^@/]*@/, '');
  const slash = u.indexOf('/');
  const host = (slash === -1 ? u : u.slice(0, slash)).replace(/:\d+$/, '');
  const path = slash === -1 ? '' : u.slice(slash);
  return `${host}${path}`.replace(/\/+$/, '').replace(/\.git$/, '').replace(/\/+$/, '').toLowerCase();
}

/** Remote URLs of a `.git/config` text. */
export function remotesOfConfig(text: string): string[] {
  const urls: string[] = [];
  let inRemote = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('[')) {
      inRemote = /^\[remote\s+"[^"]*"\]/.test(line);
      continue;
    }
    const m = inRemote ? line.match(/^url\s*=\s*(.+)$/) : null;
    if (m) urls.push(m[1].trim().replace(/^"(.*)"$/, '$1'));
  }
  return urls;
}

function gitConfigPath(gitPath: string): string | undefined {
  const stat = statSync(gitPath, { throwIfNoEntry: false });
  if (!stat) return undefined;
  if (stat.isDirectory()) return join(gitPath, 'config');
  // A worktree or submodule: `.git` is a file naming the real git folder.
  try {
    const m = readFileSync(gitPath, 'utf8').match(/^gitdir:\s*(.+)$/m);
    if (!m) return undefined;
    const gitDir = isAbsolute(m[1].trim()) ? m[1].trim() : resolve(dirname(gitPath), m[1].trim());
    let common = gitDir;
    try {
      const c = readFileSync(join(gitDir, 'commondir'), 'utf8').trim();
      common = isAbsolute(c) ? c : resolve(gitDir, c);
    } catch {
      // not a worktree: the config is in the git folder itself
    }
    return join(common, 'config');
  } catch {
    return undefined;
  }
}

const folderUri = (path: string): string => {
  const href = pathToFileURL(path).href;
  return href.endsWith('/') ? href : `${href}/`;
};

/** The root a workspace folder's `spec.path`s are relative to: its Git repository's top, else the folder. */
export function discoverRoot(folder: string): WorkspaceRoot {
  for (let dir = resolve(folder); ; dir = dirname(dir)) {
    const config = gitConfigPath(join(dir, '.git'));
    if (config !== undefined) {
      let remotes: string[] = [];
      try {
        remotes = remotesOfConfig(readFileSync(config, 'utf8')).map(normalizeGitUrl);
      } catch {
        // a repository without a readable config has no known remote
      }
      return { uri: folderUri(dir), repository: true, remotes };
    }
    if (dirname(dir) === dir) break;
  }
  return { uri: folderUri(resolve(folder)), repository: false, remotes: [] };
}

const SKIPPED = new Set(['.git', 'node_modules']);

/** Whether folders exist on disk and hold YAML manifests (recursively; stops at the first). */
export function diskFolderProbe(maxEntries = 20000): FolderProbe {
  return {
    state(uri: string): FolderState | undefined {
      if (!uri.startsWith('file:')) return undefined;
      let path: string;
      try {
        path = fileURLToPath(uri);
      } catch {
        return undefined;
      }
      const stat = statSync(path, { throwIfNoEntry: false });
      if (!stat) return 'missing';
      if (!stat.isDirectory()) return 'missing';
      let seen = 0;
      const stack = [path];
      while (stack.length) {
        const dir = stack.pop()!;
        let entries;
        try {
          entries = readdirSync(dir, { withFileTypes: true });
        } catch {
          continue;
        }
        for (const e of entries) {
          if (++seen > maxEntries) return undefined;
          if (e.isFile() && /\.(ya?ml|json)$/i.test(e.name)) return 'manifests';
          if (e.isDirectory() && !SKIPPED.has(e.name)) stack.push(join(dir, e.name));
        }
      }
      return 'empty';
    },
  };
}
