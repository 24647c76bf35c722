// The data behind the registry explorer: which registries and repositories to show (from
// settings, from oci:// URLs in the workspace, from /v2/_catalog where a registry offers it),
// and tags page by page, newest semver first, each with its digest and created time.
// No LSP types: the handlers in lsp/explorer.ts convert.

import * as semver from 'semver';
import { Reference } from '../oci/reference';
import { ANNOTATIONS } from '../oci/artifact/build';
import type { RegistrySession } from './session';
import { classifyError, errorMessage, parseArtifactReference, type ProblemKind } from './artifacts';

export interface Problem {
  kind: ProblemKind;
  message: string;
}

export interface TagRow {
  tag: string;
  digest?: string;
  created?: string;
  source?: string;
  revision?: string;
}

export type Source = 'settings' | 'workspace' | 'catalog';

export interface RepositoryRow {
  repository: string;
  name: string;
  sources: Source[];
}

/** A settings entry or workspace URL as registry + optional repository; undefined when unreadable. */
export function splitLocation(text: string): { registry: string; repository?: string } | undefined {
  const trimmed = text.trim().replace(/^oci:\/\//, '').replace(/\/+$/, '');
  if (!trimmed) return undefined;
  if (!trimmed.includes('/')) return /^[A-Za-z0-9.-]+(:\d+)?$|^\[[0-9a-fA-F:.]+\](:\d+)?$/.test(trimmed) ? { registry: trimmed.toLowerCase() } : undefined;
  try {
    const ref = parseArtifactReference(trimmed);
    return { registry: ref.registry, repository: ref.repository };
  } catch {
    return undefined;
  }
}

/** Signature, attestation and SBOM tags cosign attaches: not artifacts anyone browses. */
const ATTACHMENT_TAG = /^sha256-[a-f0-9]{64}(\.(sig|att|sbom))?$/;

/** Newest semver first (a leading "v" allowed), then the other tags by name. */
export function sortTags(tags: readonly string[]): string[] {
  const versions: { tag: string; version: semver.SemVer }[] = [];
  const others: string[] = [];
  for (const tag of tags) {
    if (ATTACHMENT_TAG.test(tag)) continue;
    const version = semver.parse(tag.replace(/^v(?=\d)/, ''));
    if (version) versions.push({ tag, version });
    else others.push(tag);
  }
  versions.sort((a, b) => semver.rcompare(a.version, b.version) || (a.tag < b.tag ? -1 : 1));
  others.sort((a, b) => (a === 'latest' ? -1 : b === 'latest' ? 1 : a < b ? -1 : a > b ? 1 : 0));
  return [...versions.map((v) => v.tag), ...others];
}

interface CachedTags {
  at: number;
  tags: Promise<string[]>;
}

const DEFAULT_PAGE = 100;
const DETAIL_CONCURRENCY = 8;

export class RegistryExplorer {
  private readonly tagLists = new Map<string, CachedTags>();
  private readonly details = new Map<string, TagRow>();

  constructor(private readonly session: RegistrySession) {}

  /** Registries from settings and from the workspace's oci:// URLs, each once. */
  registries(configured: readonly string[], workspaceUrls: readonly string[]): { registry: string; sources: Source[] }[] {
    const found = new Map<string, Set<Source>>();
    const add = (text: string, source: Source) => {
      const location = splitLocation(text);
      if (!location) return;
      const set = found.get(location.registry) ?? new Set<Source>();
      set.add(source);
      found.set(location.registry, set);
    };
    for (const entry of configured) add(entry, 'settings');
    for (const url of workspaceUrls) add(url, 'workspace');
    return [...found].map(([registry, sources]) => ({ registry, sources: [...sources] }));
  }

  /** Repositories of one registry: configured, from the workspace, and from its catalog if offered. */
  async repositories(registry: string, configured: readonly string[], workspaceUrls: readonly string[], signal: AbortSignal): Promise<{ repositories: RepositoryRow[]; catalog: 'listed' | 'unavailable'; problem?: Problem }> {
    const found = new Map<string, Set<Source>>();
    const add = (name: string, source: Source) => {
      const set = found.get(name) ?? new Set<Source>();
      set.add(source);
      found.set(name, set);
    };
    const registryHasAll = configured.some((entry) => splitLocation(entry)?.registry === registry && !splitLocation(entry)?.repository);
    for (const entry of configured) {
      const location = splitLocation(entry);
      if (location?.registry === registry && location.repository) add(location.repository, 'settings');
    }
    for (const url of workspaceUrls) {
      const location = splitLocation(url);
      if (location?.registry === registry && location.repository) add(location.repository, 'workspace');
    }
    let catalog: 'listed' | 'unavailable' = 'unavailable';
    let problem: Problem | undefined;
    try {
      const names = await this.session.clientFor(registry).listRepositories(registry, { signal });
      for (const name of names) add(name, 'catalog');
      catalog = 'listed';
    } catch (error) {
      const kind = classifyError(error);
      // A registry without a catalog is normal; say so only when nothing else can be shown,
      // or when the registry itself is unreachable or wants credentials.
      if (kind === 'unreachable' || (kind === 'auth' && (found.size === 0 || registryHasAll))) problem = { kind, message: errorMessage(error) };
      else if (found.size === 0 && registryHasAll) problem = { kind, message: `${registry} does not list its repositories (${errorMessage(error)}); add repositories to fluxOci.explorer.registries as ${registry}/<repository>` };
    }
    const repositories = [...found]
      .map(([name, sources]) => ({ repository: `oci://${registry}/${name}`, name, sources: [...sources] }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { repositories, catalog, problem };
  }

  /** One page of tags (sorted once per listing; the list is refreshed after the cache TTL). */
  async tags(repository: string, options: { offset?: number; limit?: number; refresh?: boolean; signal: AbortSignal }): Promise<{ tags: TagRow[]; total: number; nextOffset?: number; problem?: Problem }> {
    let ref: Reference;
    try {
      ref = parseArtifactReference(repository).repositoryReference;
    } catch (error) {
      return { tags: [], total: 0, problem: { kind: 'other', message: errorMessage(error) } };
    }
    const key = ref.toString();
    const ttlMs = this.session.current.cacheTtlSeconds * 1000;
    let cached = this.tagLists.get(key);
    const offset = options.offset ?? 0;
    // The first page re-lists once the TTL passed; later pages keep the list they page through.
    if (!cached || options.refresh || (offset === 0 && Date.now() - cached.at > ttlMs)) {
      cached = { at: Date.now(), tags: this.session.clientFor(ref.registry).listTags(ref, { signal: options.signal }).then(sortTags) };
      this.tagLists.set(key, cached);
      cached.tags.catch(() => this.tagLists.delete(key));
      // Tags move: what was known about them is asked again with the new list.
      for (const detailKey of [...this.details.keys()]) if (detailKey.startsWith(`${key}:`)) this.details.delete(detailKey);
    }
    let all: string[];
    try {
      all = await cached.tags;
    } catch (error) {
      return { tags: [], total: 0, problem: { kind: classifyError(error), message: errorMessage(error) } };
    }
    const limit = Math.max(1, Math.min(options.limit ?? DEFAULT_PAGE, 1000));
    const page = all.slice(offset, offset + limit);
    const rows = await mapLimit(page, DETAIL_CONCURRENCY, (tag) => this.detail(ref, tag, options.signal));
    const next = offset + limit < all.length ? offset + limit : undefined;
    return { tags: rows, total: all.length, ...(next !== undefined ? { nextOffset: next } : {}) };
  }

  /** Forget what is cached about a repository (after a tag was added or deleted). */
  invalidate(repository: Reference): void {
    const key = repository.repositoryReference.toString();
    this.tagLists.delete(key);
    for (const detailKey of [...this.details.keys()]) if (detailKey.startsWith(`${key}:`)) this.details.delete(detailKey);
  }

  clear(): void {
    this.tagLists.clear();
    this.details.clear();
  }

  private async detail(ref: Reference, tag: string, signal: AbortSignal): Promise<TagRow> {
    const key = `${ref.toString()}:${tag}`;
    const known = this.details.get(key);
    if (known) return known;
    try {
      const manifest = await this.session.clientFor(ref.registry).getManifest(ref.withTag(tag), { signal });
      let annotations: Record<string, string> = {};
      try {
        annotations = (JSON.parse(manifest.bytes.toString('utf8')) as { annotations?: Record<string, string> }).annotations ?? {};
      } catch {
        annotations = {};
      }
      const row: TagRow = { tag, digest: manifest.digest };
      if (annotations[ANNOTATIONS.created]) row.created = annotations[ANNOTATIONS.created];
      if (annotations[ANNOTATIONS.source]) row.source = annotations[ANNOTATIONS.source];
      if (annotations[ANNOTATIONS.revision]) row.revision = annotations[ANNOTATIONS.revision];
      this.details.set(key, row);
      return row;
    } catch {
      // The tag is still worth showing; its details can come on the next refresh.
      return { tag };
    }
  }
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
