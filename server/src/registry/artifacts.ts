// Artifacts unpacked for preview and diff: each manifest digest is unpacked once, through the
// one safe extractor and within the size limit, into the server's own temporary folder (never
// the workspace), and served from there file by file. Content is immutable per digest, so a
// digest is a perfect cache key; the least recently used artifacts are dropped beyond a budget.

import { mkdtempSync, rmSync } from 'node:fs';
import { lstat, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseReference, type Reference } from '../oci/reference';
import { RegistryError, DigestMismatchError } from '../oci/registry';
import { TransportError } from '../oci/transport';
import { AuthError } from '../oci/auth/session';
import { CredentialError } from '../oci/auth/credentials';
import { entryDestination, UnsafeArchiveError } from '../oci/artifact/extract';
import { extractArtifact, readArtifactManifest, selectContentLayer, type ArtifactManifest, type LayerDescriptor } from '../oci/artifact/layer';
import { diffFolders, type TreeDiff } from '../oci/artifact/diff';
import type { RegistrySession } from './session';

export interface UnpackedEntry {
  path: string;
  type: 'file' | 'directory';
  size: number;
}

export interface UnpackedArtifact {
  /** The reference pinned to the manifest digest. */
  reference: Reference;
  digest: string;
  annotations: Record<string, string>;
  layer: LayerDescriptor;
  entries: UnpackedEntry[];
  /** Folder holding the unpacked files (server-private temporary storage). */
  dir: string;
  bytes: number;
}

export type ProblemKind = 'auth' | 'unreachable' | 'notFound' | 'refused' | 'other';

/** What kind of trouble an error is, for a tree node or a message. */
export function classifyError(error: unknown): ProblemKind {
  if (error instanceof UnsafeArchiveError || error instanceof DigestMismatchError) return 'refused';
  if (error instanceof AuthError || error instanceof CredentialError) return 'auth';
  if (error instanceof RegistryError) {
    if (error.status === 401 || error.status === 403) return 'auth';
    if (error.status === 404) return 'notFound';
    if (error.codes.includes('NAME_UNKNOWN') || error.codes.includes('MANIFEST_UNKNOWN')) return 'notFound';
    return 'other';
  }
  if (error instanceof TransportError) return 'unreachable';
  return 'other';
}

export const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Parses `oci://host/repo[:tag|@digest]` (the scheme is optional). */
export function parseArtifactReference(text: string): Reference {
  return parseReference(text.startsWith('oci://') ? text : `oci://${text}`);
}

export const ociUrl = (ref: Reference): string => `oci://${ref.toString()}`;

/** Most unpacked bytes kept across artifacts before the least recently used go. */
const CACHE_BUDGET_BYTES = 512 * 1024 * 1024;

export class ArtifactStore {
  private readonly root: string;
  private readonly unpacked = new Map<string, Promise<UnpackedArtifact>>();
  private serial = 0;

  constructor(private readonly session: RegistrySession, root?: string) {
    this.root = root ?? mkdtempSync(join(tmpdir(), 'flux-oci-preview-'));
  }

  /** Resolves a tag to its manifest (always asked afresh: tags move). */
  async manifest(ref: Reference, signal: AbortSignal): Promise<ArtifactManifest> {
    return readArtifactManifest(this.session.clientFor(ref.registry), ref, signal);
  }

  /** The artifact `ref` names, unpacked (once per digest). */
  async open(reference: string | Reference, signal: AbortSignal): Promise<UnpackedArtifact> {
    const ref = typeof reference === 'string' ? parseArtifactReference(reference) : reference;
    const manifest = await this.manifest(ref, signal);
    const pinned = ref.withDigest(manifest.digest);
    const key = `${ref.registry}/${ref.repository}@${manifest.digest}`;
    let pending = this.unpacked.get(key);
    if (pending) {
      // Most recently used last.
      this.unpacked.delete(key);
      this.unpacked.set(key, pending);
    } else {
      pending = this.unpack(pinned, manifest, signal);
      this.unpacked.set(key, pending);
      pending.then(() => this.evict(key), () => this.unpacked.delete(key));
    }
    const result = await pending;
    // A tag-named request gets its tag back on the pinned reference.
    return { ...result, reference: pinned };
  }

  /** One file of an unpacked artifact; the path passes the extractor's own guards. */
  async readFile(reference: string, path: string, signal: AbortSignal): Promise<Buffer> {
    const artifact = await this.open(reference, signal);
    const entry = artifact.entries.find((e) => e.path === path.replace(/^\/+/, ''));
    if (!entry) throw new RegistryError(`${path} is not in ${ociUrl(artifact.reference)}`, 404);
    if (entry.type !== 'file') throw new RegistryError(`${path} is a folder in ${ociUrl(artifact.reference)}`);
    return readFile(entryDestination(artifact.dir, entry.path));
  }

  /** Compares the artifact with a local folder (ignore rules apply to the folder). */
  async compare(reference: string, folder: string, ignore: readonly string[], signal: AbortSignal): Promise<{ artifact: UnpackedArtifact; diff: TreeDiff }> {
    const artifact = await this.open(reference, signal);
    return { artifact, diff: await diffFolders(artifact.dir, folder, ignore) };
  }

  /** Pulls into a user-chosen folder (not cached). */
  async pull(reference: string, folder: string, signal: AbortSignal): Promise<{ reference: Reference; digest: string; files: number }> {
    const ref = parseArtifactReference(reference);
    const client = this.session.clientFor(ref.registry);
    const manifest = await readArtifactManifest(client, ref, signal);
    const max = this.session.current.maxArtifactSize;
    const result = await extractArtifact(client, ref, folder, { signal, manifest, maxTotalBytes: max, maxFileBytes: max });
    return { reference: ref.withDigest(result.digest), digest: result.digest, files: result.files.length };
  }

  /** Forgets every unpacked artifact (settings or credentials changed); their folders go once settled. */
  async clear(): Promise<void> {
    const pending = [...this.unpacked.values()];
    this.unpacked.clear();
    for (const artifact of pending) {
      const value = await artifact.catch(() => undefined);
      if (value) await rm(value.dir, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  dispose(): void {
    this.unpacked.clear();
    try {
      // Synchronous: the process may be about to exit.
      rmSync(this.root, { recursive: true, force: true });
    } catch {
      // Temporary storage; the OS cleans it eventually.
    }
  }

  private async unpack(ref: Reference, manifest: ArtifactManifest, signal: AbortSignal): Promise<UnpackedArtifact> {
    const layer = selectContentLayer(manifest, ref.toString());
    const max = this.session.current.maxArtifactSize;
    const dir = join(this.root, `${manifest.digest.replace(/^sha256:/, '').slice(0, 24)}-${++this.serial}`);
    try {
      await extractArtifact(this.session.clientFor(ref.registry), ref, dir, { signal, manifest, maxTotalBytes: max, maxFileBytes: max });
      const entries = await listEntries(dir);
      return { reference: ref, digest: manifest.digest, annotations: manifest.annotations, layer, entries, dir, bytes: entries.reduce((n, e) => n + e.size, 0) };
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  private async evict(keep: string): Promise<void> {
    let total = 0;
    const settled: [string, UnpackedArtifact][] = [];
    for (const [key, pending] of this.unpacked) {
      const value = await pending.catch(() => undefined);
      if (value) settled.push([key, value]);
    }
    for (const [, value] of settled) total += value.bytes;
    for (const [key, value] of settled) {
      if (total <= CACHE_BUDGET_BYTES || key === keep) continue;
      this.unpacked.delete(key);
      total -= value.bytes;
      await rm(value.dir, { recursive: true, force: true });
    }
  }
}

/** Every entry under `dir` (directories first in each folder, then files), relative POSIX paths. */
async function listEntries(dir: string): Promise<UnpackedEntry[]> {
  const out: UnpackedEntry[] = [];
  const walk = async (relative: string) => {
    const children = await readdir(join(dir, relative), { withFileTypes: true });
    children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const child of children) {
      const path = relative ? `${relative}/${child.name}` : child.name;
      if (child.isDirectory()) {
        out.push({ path, type: 'directory', size: 0 });
        await walk(path);
      } else if (child.isFile()) out.push({ path, type: 'file', size: (await lstat(join(dir, path))).size });
    }
  };
  await walk('');
  return out;
}
