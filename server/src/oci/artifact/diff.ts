// Compares an artifact's content layer with a local folder: which files pushing the folder
// would add, remove or change. The local side is read the way push reads it (Flux's default
// ignore list, .sourceignore files, extra ignore patterns); the artifact side is unpacked by
// the one safe extractor into a temporary folder (never into the workspace).

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Reference } from '../reference';
import type { RegistryClient } from '../registry';
import { listArtifactEntries } from './build';
import { extractArtifact, type ExtractArtifactOptions } from './layer';

export interface TreeDiff {
  /** In the folder only: pushing the folder would add them. */
  added: string[];
  /** In the artifact only. */
  removed: string[];
  /** In both, with different content. */
  changed: string[];
  /** How many files are the same on both sides. */
  unchanged: number;
}

export const isSame = (diff: TreeDiff): boolean => diff.added.length === 0 && diff.removed.length === 0 && diff.changed.length === 0;

/** Every regular file under `root`, relative and POSIX, sorted. */
export async function filesUnder(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (relative: string) => {
    const entries = await readdir(join(root, relative), { withFileTypes: true });
    for (const entry of entries) {
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) out.push(path);
    }
  };
  await walk('');
  return out.sort();
}

/** The files `push` would pack from `folder` (ignore rules applied), sorted. */
export async function localArtifactFiles(folder: string, ignore: readonly string[] = []): Promise<string[]> {
  const entries = await listArtifactEntries(folder, ignore);
  const files: string[] = [];
  for (const entry of entries) if ((await lstat(join(folder, entry))).isFile()) files.push(entry);
  return files;
}

async function sameContent(a: string, b: string): Promise<boolean> {
  const [sa, sb] = await Promise.all([lstat(a), lstat(b)]);
  if (sa.size !== sb.size) return false;
  const [ha, hb] = await Promise.all([hashFile(a), hashFile(b)]);
  return ha === hb;
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** Compares an unpacked artifact folder with a local folder (ignore rules apply to the local side). */
export async function diffFolders(artifactDir: string, localDir: string, ignore: readonly string[] = []): Promise<TreeDiff> {
  const [artifactFiles, localFiles] = await Promise.all([filesUnder(artifactDir), localArtifactFiles(localDir, ignore)]);
  const inArtifact = new Set(artifactFiles);
  const inLocal = new Set(localFiles);
  const diff: TreeDiff = { added: [], removed: [], changed: [], unchanged: 0 };
  for (const file of localFiles) if (!inArtifact.has(file)) diff.added.push(file);
  for (const file of artifactFiles) {
    if (!inLocal.has(file)) diff.removed.push(file);
    else if (await sameContent(join(artifactDir, file), join(localDir, file))) diff.unchanged++;
    else diff.changed.push(file);
  }
  return diff;
}

export interface ArtifactDiff extends TreeDiff {
  /** The manifest digest compared against. */
  digest: string;
}

/** Pulls `ref` into a temporary folder through the safe extractor and compares it with `localDir`. */
export async function diffArtifact(client: RegistryClient, ref: Reference, localDir: string, options: ExtractArtifactOptions & { ignore?: readonly string[] }): Promise<ArtifactDiff> {
  const work = await mkdtemp(join(tmpdir(), 'flux-oci-diff-'));
  try {
    const unpacked = join(work, 'artifact');
    const extracted = await extractArtifact(client, ref, unpacked, options);
    const diff = await diffFolders(unpacked, localDir, options.ignore);
    return { digest: extracted.digest, ...diff };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
