// Finds the YAML files of the workspace folders for the index (open or not), and indexes them
// in the background: files are read and parsed in slices of a few milliseconds, with pending
// messages answered between slices, so requests are answered while a large workspace is indexed.
import { readdir, readFile, stat } from 'node:fs/promises';
import { readFileSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { WorkspaceIndex } from '../language/workspaceIndex';

const SKIPPED_DIRS = new Set(['node_modules', '.git', '.cache', 'dist', 'out', '.vscode-test']);
export const MAX_INDEXED_FILE_BYTES = 2 * 1024 * 1024;

export async function* yamlFilesUnder(dir: string, signal?: AbortSignal): AsyncGenerator<string> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    if (signal?.aborted) return;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) yield* yamlFilesUnder(path, signal);
    } else if (entry.isFile() && /\.ya?ml$/i.test(entry.name)) {
      yield path;
    }
  }
}

/** Reads a file for indexing; undefined for files too large or unreadable. */
export async function readIndexable(path: string): Promise<string | undefined> {
  try {
    if ((await stat(path)).size > MAX_INDEXED_FILE_BYTES) return undefined;
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Indexing work done between two looks at pending messages. */
const SLICE_MS = 8;

export interface IndexingOptions {
  /** Files not to index from disk (open documents: the editor's text wins). */
  skip?: (uri: string) => boolean;
  signal?: AbortSignal;
}

/** Reads a file for indexing without leaving the current slice (files are small; big ones are skipped). */
function readIndexableNow(path: string): string | undefined {
  try {
    if (statSync(path).size > MAX_INDEXED_FILE_BYTES) return undefined;
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Indexes every YAML file under the folders; resolves with the number of files indexed. */
export async function indexFolders(index: WorkspaceIndex, folders: readonly string[], options: IndexingOptions = {}): Promise<number> {
  let indexed = 0;
  let sliceStart = performance.now();
  for (const folder of folders) {
    for await (const path of yamlFilesUnder(folder, options.signal)) {
      const uri = pathToFileURL(path).href;
      if (options.skip?.(uri)) continue;
      const text = readIndexableNow(path);
      if (text === undefined) continue;
      const file = index.setFile(uri, text);
      // The index (and the apply graph listening to it) took what it needs from the trees.
      for (const doc of file.documents) doc.parsed.releaseParse();
      indexed++;
      if (performance.now() - sliceStart > SLICE_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        sliceStart = performance.now();
      }
    }
  }
  return indexed;
}

/** Is `path` the folder `folder` or inside it? */
function isInside(path: string, folder: string): boolean {
  return path === folder || path.startsWith(folder.endsWith(sep) ? folder : folder + sep);
}

/**
 * The workspace folders after the client added and removed some: the new list, the folders to
 * index now, and which indexed paths to drop (under a removed folder and under no remaining one,
 * since folders may nest).
 */
export function foldersAfterChange(current: readonly string[], added: readonly string[], removed: readonly string[]): {
  folders: string[];
  added: string[];
  dropped: (path: string) => boolean;
} {
  const kept = current.filter((f) => !removed.includes(f));
  const fresh = added.filter((f, i) => !kept.includes(f) && added.indexOf(f) === i);
  const folders = [...kept, ...fresh];
  // A new folder inside one already indexed brings nothing new.
  const toIndex = fresh.filter((f) => !kept.some((k) => isInside(f, k)));
  return {
    folders,
    added: toIndex,
    dropped: (path) => removed.some((r) => isInside(path, r)) && !folders.some((f) => isInside(path, f)),
  };
}
