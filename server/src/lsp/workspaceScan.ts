// Finds the YAML files of the workspace folders for the index (open or not).
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

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
