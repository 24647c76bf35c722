// The registry answers live features need, cached for the whole window: tag lists per
// repository, manifests per tag (revalidated) or digest (immutable), referrers, and the file
// list of an artifact's layer (by digest). Built on SwrCache (TTL, stale-while-revalidate, one
// request per key, cancellation) and the window's RegistrySession (credentials, trust, TLS).
// A host that cannot be reached is left alone for a back-off period instead of being asked once
// per repository, and at most a few requests go to one host at a time.
//
// Exported for every feature that shows registry content (completion, diagnostics, explorer,
// preview, push): they share this cache through `TagCache.for(session)`.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Reference } from '../oci/reference';
import { MEDIA_TYPES, RegistryError, DigestMismatchError, type Descriptor } from '../oci/registry';
import { AuthError } from '../oci/auth/session';
import { TransportError } from '../oci/transport';
import { extractArchive, UnsafeArchiveError } from '../oci/artifact/extract';
import type { RegistrySession } from './session';
import { LiveError, SwrCache, type CacheEntry } from './swrCache';

export { LiveError, type LiveErrorKind, type CacheEntry } from './swrCache';

/** A repository as a live feature names it. */
export interface RepositoryRef {
  registry: string;
  repository: string;
  /** Plain HTTP allowed for this host (OCIRepository `spec.insecure: true`). */
  insecure?: boolean;
}

export interface ArtifactInfo {
  digest: string;
  mediaType: string;
  artifactType?: string;
  configMediaType?: string;
  layers: Array<{ mediaType: string; digest: string; size: number }>;
  annotations: Record<string, string>;
  /** For an index: the manifests it lists. */
  manifests?: Array<{ mediaType: string; digest: string; artifactType?: string }>;
}

/** Something a live feature needs from a registry. */
export type Want =
  | { kind: 'tags'; repo: RepositoryRef }
  | { kind: 'manifest'; repo: RepositoryRef; reference: string }
  | { kind: 'referrers'; repo: RepositoryRef; digest: string }
  | { kind: 'files'; repo: RepositoryRef; layer: { digest: string; size: number } };

export interface ArtifactFiles {
  /** Regular files, relative paths with `/`. */
  files: string[];
  /** Folders (every ancestor of a file, and empty folders). */
  dirs: string[];
}

/** Largest layer (compressed) whose file list is read for path checks. */
export const MAX_LISTED_LAYER_BYTES = 32 * 1024 * 1024;
const LIST_LIMITS = { maxEntries: 20_000, maxFileBytes: 64 * 1024 * 1024, maxTotalBytes: 128 * 1024 * 1024 };
const HOST_CONCURRENCY = 4;
const HOST_DOWN_FIRST_MS = 2000;
const HOST_DOWN_MAX_MS = 60_000;

export const repositoryKey = (r: RepositoryRef) => `${r.insecure ? 'http+' : ''}${r.registry}/${r.repository}`;

/** Turns any failure of the OCI client into the few kinds live features care about. */
export function classify(error: unknown, registry: string): LiveError {
  if (error instanceof LiveError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof AuthError) return new LiveError('auth', message, registry);
  if (error instanceof RegistryError) {
    if (error.status === 401 || error.status === 403) return new LiveError('auth', message, registry);
    if (error.status === 404 || error.codes.includes('NAME_UNKNOWN') || error.codes.includes('MANIFEST_UNKNOWN')) return new LiveError('not-found', message, registry);
    if (error.status !== undefined && error.status >= 500) return new LiveError('unreachable', message, registry);
    return new LiveError('other', message, registry);
  }
  if (error instanceof DigestMismatchError || error instanceof UnsafeArchiveError) return new LiveError('other', message, registry);
  if (error instanceof TransportError || (error instanceof Error && 'code' in error)) return new LiveError('unreachable', message, registry);
  return new LiveError('other', message, registry);
}

class HostGate {
  private running = 0;
  private readonly queue: Array<() => void> = [];
  downUntil = 0;
  downFor = 0;

  async run<T>(work: () => Promise<T>, signal: AbortSignal): Promise<T> {
    if (this.running >= HOST_CONCURRENCY) {
      await new Promise<void>((resolve, reject) => {
        const go = () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          const at = this.queue.indexOf(go);
          if (at !== -1) this.queue.splice(at, 1);
          reject(new LiveError('other', 'cancelled'));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        this.queue.push(go);
      });
    }
    this.running++;
    try {
      return await work();
    } finally {
      this.running--;
      this.queue.shift()?.();
    }
  }
}

export class TagCache {
  private static readonly bySession = new WeakMap<RegistrySession, TagCache>();

  /** The one cache of a registry session (created on first use). */
  static for(session: RegistrySession): TagCache {
    let cache = TagCache.bySession.get(session);
    if (!cache) {
      cache = new TagCache(session);
      TagCache.bySession.set(session, cache);
    }
    return cache;
  }

  private readonly listeners = new Set<(key: string) => void>();
  private readonly hosts = new Map<string, HostGate>();
  private readonly ttl = () => this.session.current.cacheTtlSeconds * 1000;
  private readonly notify = (key: string) => {
    for (const listener of this.listeners) listener(key);
  };
  readonly tagLists = new SwrCache<string[]>({ ttlMs: this.ttl, onChange: this.notify, maxEntries: 10_000, equals: sameList });
  /** Keyed by repository key + `@digest` (immutable) or `:tag` (revalidated). */
  readonly manifests = new SwrCache<ArtifactInfo>({ ttlMs: this.ttl, onChange: this.notify, maxEntries: 20_000 });
  private readonly immutableManifests = new SwrCache<ArtifactInfo>({ ttlMs: () => Infinity, onChange: this.notify, maxEntries: 5000 });
  private readonly referrerLists = new SwrCache<Array<{ digest: string; artifactType?: string }> | null>({ ttlMs: this.ttl, onChange: this.notify, maxEntries: 2000 });
  private readonly fileLists = new SwrCache<ArtifactFiles>({ ttlMs: () => Infinity, onChange: this.notify, maxEntries: 64 });

  constructor(private readonly session: RegistrySession) {
    session.onDidChange(() => this.invalidate());
  }

  /** Called with a cache key whenever an answer changes (new tags, an error, recovery). */
  onDidChange(listener: (key: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Live features may contact registries (setting on, workspace trusted). */
  get enabled(): boolean {
    return this.session.liveChecksAllowed;
  }

  // ---- tags ------------------------------------------------------------------------------------

  peekTags(repo: RepositoryRef): CacheEntry<string[]> | undefined {
    return this.tagLists.peek(repositoryKey(repo));
  }

  tags(repo: RepositoryRef, signal?: AbortSignal): Promise<string[]> {
    return this.tagLists.get(repositoryKey(repo), (s) => this.fetchTags(repo, s), signal);
  }

  ensureTags(repo: RepositoryRef): void {
    if (this.enabled) this.tagLists.ensure(repositoryKey(repo), (s) => this.fetchTags(repo, s));
  }

  // ---- manifests -------------------------------------------------------------------------------

  private manifestCache(reference: string): SwrCache<ArtifactInfo> {
    return reference.includes(':') ? this.immutableManifests : this.manifests;
  }

  static manifestKey(repo: RepositoryRef, reference: string): string {
    return `${repositoryKey(repo)}${reference.includes(':') ? '@' : ':'}${reference}`;
  }

  peekManifest(repo: RepositoryRef, reference: string): CacheEntry<ArtifactInfo> | undefined {
    return this.manifestCache(reference).peek(TagCache.manifestKey(repo, reference));
  }

  manifest(repo: RepositoryRef, reference: string, signal?: AbortSignal): Promise<ArtifactInfo> {
    return this.manifestCache(reference).get(TagCache.manifestKey(repo, reference), (s) => this.fetchManifest(repo, reference, s), signal);
  }

  ensureManifest(repo: RepositoryRef, reference: string): void {
    if (this.enabled) this.manifestCache(reference).ensure(TagCache.manifestKey(repo, reference), (s) => this.fetchManifest(repo, reference, s));
  }

  // ---- referrers (signatures) ------------------------------------------------------------------

  peekReferrers(repo: RepositoryRef, digest: string): CacheEntry<Array<{ digest: string; artifactType?: string }> | null> | undefined {
    return this.referrerLists.peek(`${repositoryKey(repo)}@${digest}`);
  }

  ensureReferrers(repo: RepositoryRef, digest: string): void {
    if (this.enabled) this.referrerLists.ensure(`${repositoryKey(repo)}@${digest}`, (s) => this.fetchReferrers(repo, digest, s));
  }

  // ---- files of a layer ------------------------------------------------------------------------

  peekFiles(layerDigest: string): CacheEntry<ArtifactFiles> | undefined {
    return this.fileLists.peek(layerDigest);
  }

  ensureFiles(repo: RepositoryRef, layer: { digest: string; size: number }): void {
    if (this.enabled) this.fileLists.ensure(layer.digest, (s) => this.fetchFiles(repo, layer, s));
  }

  files(repo: RepositoryRef, layer: { digest: string; size: number }, signal?: AbortSignal): Promise<ArtifactFiles> {
    return this.fileLists.get(layer.digest, (s) => this.fetchFiles(repo, layer, s), signal);
  }

  /** The key a want is tracked by (for cancellation and the recheck timer). */
  static wantKey(want: Want): string {
    switch (want.kind) {
      case 'tags': return `tags|${repositoryKey(want.repo)}`;
      case 'manifest': return `manifest|${TagCache.manifestKey(want.repo, want.reference)}`;
      case 'referrers': return `referrers|${repositoryKey(want.repo)}@${want.digest}`;
      case 'files': return `files|${want.layer.digest}`;
    }
  }

  /** The host failed to answer recently and is left alone for now. */
  isDown(registry: string): boolean {
    return (this.hosts.get(registry)?.downUntil ?? 0) > Date.now();
  }

  /** Starts a background fetch for what a document needs, unless fresh, recently failed, or its host is down. */
  ensure(want: Want): void {
    if ((this.hosts.get(want.repo.registry)?.downUntil ?? 0) > Date.now()) return;
    switch (want.kind) {
      case 'tags': return this.ensureTags(want.repo);
      case 'manifest': return this.ensureManifest(want.repo, want.reference);
      case 'referrers': return this.ensureReferrers(want.repo, want.digest);
      case 'files': return this.ensureFiles(want.repo, want.layer);
    }
  }

  /** When a want is next due for a fetch (undefined: never). */
  nextCheckAt(want: Want): number | undefined {
    const key = TagCache.wantKey(want);
    const inner = key.slice(key.indexOf('|') + 1);
    let at: number | undefined;
    switch (want.kind) {
      case 'tags': at = this.tagLists.nextCheckAt(inner); break;
      case 'manifest': at = this.manifestCache(want.reference).nextCheckAt(inner); break;
      case 'referrers': at = this.referrerLists.nextCheckAt(inner); break;
      case 'files': at = this.fileLists.nextCheckAt(inner); break;
    }
    const down = this.hosts.get(want.repo.registry)?.downUntil ?? 0;
    return at === undefined ? undefined : Math.max(at, down);
  }

  /** Aborts background requests for wants no open document has any more (the user typed on). */
  cancelUnwanted(wanted: ReadonlySet<string>): void {
    this.tagLists.cancelUnwanted((k) => wanted.has(`tags|${k}`));
    this.manifests.cancelUnwanted((k) => wanted.has(`manifest|${k}`));
    this.immutableManifests.cancelUnwanted((k) => wanted.has(`manifest|${k}`));
    this.referrerLists.cancelUnwanted((k) => wanted.has(`referrers|${k}`));
    this.fileLists.cancelUnwanted((k) => wanted.has(`files|${k}`));
  }

  /** Drops everything and aborts every request (server shutdown). */
  clear(): void {
    for (const cache of [this.tagLists, this.manifests, this.immutableManifests, this.referrerLists, this.fileLists]) cache.clear();
  }

  /**
   * Settings, credentials or trust changed: answers obtained before (perhaps with other
   * credentials) are dropped, and hosts that were down are tried again.
   */
  invalidate(): void {
    for (const cache of [this.tagLists, this.manifests, this.immutableManifests, this.referrerLists]) cache.clear();
    this.fileLists.invalidate();
    for (const gate of this.hosts.values()) {
      gate.downUntil = 0;
      gate.downFor = 0;
    }
    this.notify('*');
  }

  // ---- fetching --------------------------------------------------------------------------------

  private async withHost<T>(repo: RepositoryRef, signal: AbortSignal, work: () => Promise<T>): Promise<T> {
    if (!this.enabled) throw new LiveError('other', 'live checks are off or the workspace is not trusted');
    let gate = this.hosts.get(repo.registry);
    if (!gate) {
      gate = new HostGate();
      this.hosts.set(repo.registry, gate);
    }
    if (Date.now() < gate.downUntil) throw new LiveError('unreachable', `${repo.registry} could not be reached recently`, repo.registry);
    const g = gate;
    return g.run(async () => {
      // Requests queued behind one that found the host down do not try it again.
      if (Date.now() < g.downUntil) throw new LiveError('unreachable', `${repo.registry} could not be reached recently`, repo.registry);
      try {
        const result = await work();
        g.downFor = 0;
        return result;
      } catch (error) {
        if (signal.aborted) throw new LiveError('other', 'cancelled');
        const live = classify(error, repo.registry);
        if (live.kind === 'unreachable') {
          g.downFor = Math.min(HOST_DOWN_MAX_MS, g.downFor ? g.downFor * 2 : HOST_DOWN_FIRST_MS);
          g.downUntil = Date.now() + g.downFor;
        }
        throw live;
      }
    }, signal);
  }

  private reference(repo: RepositoryRef, reference?: string): Reference {
    if (!reference) return new Reference(repo.registry, repo.repository);
    return reference.includes(':') ? new Reference(repo.registry, repo.repository, undefined, reference) : new Reference(repo.registry, repo.repository, reference);
  }

  private client(repo: RepositoryRef) {
    return this.session.clientFor(repo.registry, { insecure: repo.insecure });
  }

  private fetchTags(repo: RepositoryRef, signal: AbortSignal): Promise<string[]> {
    return this.withHost(repo, signal, () => this.client(repo).listTags(this.reference(repo), { signal }));
  }

  private fetchManifest(repo: RepositoryRef, reference: string, signal: AbortSignal): Promise<ArtifactInfo> {
    return this.withHost(repo, signal, async () => {
      const manifest = await this.client(repo).getManifest(this.reference(repo, reference), { signal });
      return readArtifactInfo(manifest.digest, manifest.mediaType, manifest.bytes);
    });
  }

  private fetchReferrers(repo: RepositoryRef, digest: string, signal: AbortSignal): Promise<Array<{ digest: string; artifactType?: string }> | null> {
    return this.withHost(repo, signal, async () => {
      const found = await this.client(repo).referrers(this.reference(repo), digest, { signal });
      return found ? found.map((d: Descriptor & { artifactType?: string }) => ({ digest: d.digest, artifactType: d.artifactType })) : null;
    });
  }

  private fetchFiles(repo: RepositoryRef, layer: { digest: string; size: number }, signal: AbortSignal): Promise<ArtifactFiles> {
    return this.withHost(repo, signal, async () => {
      if (layer.size > MAX_LISTED_LAYER_BYTES) throw new LiveError('other', `the layer is larger than ${MAX_LISTED_LAYER_BYTES} bytes; its files are not listed`);
      const work = await mkdtemp(join(tmpdir(), 'flux-oci-list-'));
      try {
        const stream = await this.client(repo).openBlob(this.reference(repo), layer, { signal, maxBytes: MAX_LISTED_LAYER_BYTES });
        const out = join(work, 'files');
        await extractArchive(stream, out, { ...LIST_LIMITS, signal });
        return await listTree(out);
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    });
  }
}

function sameList(a: unknown, b: unknown): boolean {
  const x = a as string[];
  const y = b as string[];
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

export function readArtifactInfo(digest: string, mediaType: string, bytes: Buffer): ArtifactInfo {
  const body = JSON.parse(bytes.toString('utf8')) as {
    mediaType?: string;
    artifactType?: string;
    config?: { mediaType?: string };
    layers?: Array<{ mediaType: string; digest: string; size: number }>;
    manifests?: Array<{ mediaType: string; digest: string; artifactType?: string }>;
    annotations?: Record<string, string>;
  };
  const info: ArtifactInfo = {
    digest,
    mediaType: body.mediaType ?? mediaType,
    layers: Array.isArray(body.layers) ? body.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })) : [],
    annotations: body.annotations && typeof body.annotations === 'object' ? body.annotations : {},
  };
  if (body.artifactType) info.artifactType = body.artifactType;
  if (body.config?.mediaType) info.configMediaType = body.config.mediaType;
  if (Array.isArray(body.manifests)) info.manifests = body.manifests.map((m) => ({ mediaType: m.mediaType, digest: m.digest, artifactType: m.artifactType }));
  return info;
}

export const isIndexMediaType = (t: string) => t === MEDIA_TYPES.ociIndex || t === MEDIA_TYPES.dockerList;

async function listTree(root: string): Promise<ArtifactFiles> {
  const files: string[] = [];
  const dirs: string[] = [];
  const walk = async (dir: string, prefix: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        dirs.push(rel);
        await walk(join(dir, entry.name), rel);
      } else files.push(rel);
    }
  };
  await walk(root, '').catch(() => undefined);
  return { files: files.sort(), dirs: dirs.sort() };
}
