// What an OCIRepository resolves to, the way source-controller chooses: digest over semver over
// tag, and no ref means the tag `latest`. Computed from what the cache already holds, so it never
// waits: what is missing is added to `wants` and fetched in the background.
import { compareVersions, parseVersion, selectTag } from './semver';
import { TagCache, type ArtifactInfo, type RepositoryRef, type Want } from './tagCache';
import type { CacheEntry } from './swrCache';

export type Resolution =
  | { state: 'pending' }
  | { state: 'unknown' }
  | { state: 'auth'; registry: string; message: string }
  | { state: 'repository-not-found' }
  | { state: 'tag-not-found'; tag: string; implied: boolean; nearest: string[] }
  | { state: 'semver-no-match'; range: string; candidates: number; newest: string[] }
  | { state: 'digest-not-found'; digest: string }
  | { state: 'resolved'; via: 'digest' | 'semver' | 'tag' | 'latest'; tag?: string; digest?: string; info?: ArtifactInfo; tagCount: number };

export interface RefSpec {
  tag?: string;
  semver?: string;
  semverFilter?: string;
  digest?: string;
}

export const SIGNATURE_ARTIFACT_TYPES = {
  notation: ['application/vnd.cncf.notary.signature'],
  cosign: ['application/vnd.dev.cosign.artifact.sig.v1+json', 'application/vnd.dev.sigstore.bundle.v0.3+json', 'application/vnd.dev.sigstore.bundle+json;version=0.3'],
} as const;

/** Tags that carry signatures, attestations or referrer indexes rather than artifacts. */
export const isSupportTag = (tag: string) => /^sha256-[a-f0-9]{64}(\.(sig|att|sbom))?$/.test(tag);

function failure(entry: CacheEntry<unknown> | undefined, registry: string): Resolution | undefined {
  if (!entry?.error || entry.value !== undefined) return undefined;
  if (entry.error.kind === 'auth') return { state: 'auth', registry, message: entry.error.message };
  if (entry.error.kind === 'not-found') return { state: 'repository-not-found' };
  return { state: 'unknown' };
}

export function resolveRef(cache: TagCache, repo: RepositoryRef, ref: RefSpec, wants: Want[]): Resolution {
  wants.push({ kind: 'tags', repo });
  const tagsEntry = cache.peekTags(repo);
  const failed = failure(tagsEntry, repo.registry);
  if (failed) return failed;
  const tags = tagsEntry?.value;
  if (!tags) return tagsEntry?.error || cache.isDown(repo.registry) ? { state: 'unknown' } : { state: 'pending' };
  const manifest = (reference: string): CacheEntry<ArtifactInfo> | undefined => {
    wants.push({ kind: 'manifest', repo, reference });
    return cache.peekManifest(repo, reference);
  };
  if (ref.digest) {
    const entry = manifest(ref.digest);
    if (entry?.error?.kind === 'not-found') return { state: 'digest-not-found', digest: ref.digest };
    if (entry?.value) return { state: 'resolved', via: 'digest', digest: ref.digest, tag: tags.find((t) => t === entry.value?.annotations['org.opencontainers.image.ref.name']), info: entry.value, tagCount: tags.length };
    return entry?.error ? { state: 'unknown' } : { state: 'pending' };
  }
  let tag: string;
  let via: 'semver' | 'tag' | 'latest';
  if (ref.semver) {
    const selected = selectTag(tags, ref.semver, ref.semverFilter);
    if (!selected.valid) return { state: 'unknown' };
    if (!selected.tag) return { state: 'semver-no-match', range: ref.semver, candidates: selected.candidates, newest: newestTags(tags, 3) };
    tag = selected.tag;
    via = 'semver';
  } else {
    tag = ref.tag ?? 'latest';
    via = ref.tag ? 'tag' : 'latest';
    if (!tags.includes(tag)) return { state: 'tag-not-found', tag, implied: !ref.tag, nearest: nearestTags(tags, tag, 3) };
  }
  const entry = manifest(tag);
  return { state: 'resolved', via, tag, digest: entry?.value?.digest, info: entry?.value, tagCount: tags.length };
}

export type SignatureState = 'signed' | 'unsigned' | 'pending' | 'unknown';

/** Whether `digest` carries a signature of `provider`: a cosign `.sig` tag, or an OCI referrer. */
export function signatureState(cache: TagCache, repo: RepositoryRef, digest: string, provider: 'cosign' | 'notation', wants: Want[]): SignatureState {
  const tags = cache.peekTags(repo)?.value;
  if (!tags) return 'pending';
  const hex = digest.replace(/^sha256:/, '');
  if (provider === 'cosign' && tags.includes(`sha256-${hex}.sig`)) return 'signed';
  const types: readonly string[] = SIGNATURE_ARTIFACT_TYPES[provider];
  wants.push({ kind: 'referrers', repo, digest });
  const referrers = cache.peekReferrers(repo, digest);
  if (referrers?.value) return referrers.value.some((r) => r.artifactType && types.includes(r.artifactType)) ? 'signed' : 'unsigned';
  if (!referrers) return 'pending';
  if (referrers.value === undefined) return 'unknown';
  // No referrers API: the fallback tag `sha256-<hex>` holds an index of the referrers.
  const fallback = `sha256-${hex}`;
  if (!tags.includes(fallback)) return 'unsigned';
  wants.push({ kind: 'manifest', repo, reference: fallback });
  const index = cache.peekManifest(repo, fallback);
  if (index?.value) return (index.value.manifests ?? []).some((m) => m.artifactType && types.includes(m.artifactType)) ? 'signed' : 'unsigned';
  return index?.error ? 'unknown' : 'pending';
}

/** Newest version tags (then others), for messages. */
export function newestTags(tags: readonly string[], count: number): string[] {
  return sortTags(tags).slice(0, count);
}

/** Tags in completion order: versions newest first, then the rest by name; support tags left out. */
export function sortTags(tags: readonly string[]): string[] {
  const versions: { tag: string; v: NonNullable<ReturnType<typeof parseVersion>> }[] = [];
  const others: string[] = [];
  for (const tag of tags) {
    if (isSupportTag(tag)) continue;
    const v = parseVersion(tag);
    if (v) versions.push({ tag, v });
    else others.push(tag);
  }
  versions.sort((a, b) => compareVersions(b.v, a.v) || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
  others.sort();
  return [...versions.map((x) => x.tag), ...others];
}

/** The tags closest to a mistyped one: edit distance, then the newer version. */
export function nearestTags(tags: readonly string[], wanted: string, count: number): string[] {
  const scored = sortTags(tags).map((tag, order) => ({ tag, order, d: distance(tag.toLowerCase(), wanted.toLowerCase(), Math.max(wanted.length, 8)) }));
  return scored.sort((a, b) => a.d - b.d || a.order - b.order).slice(0, count).map((s) => s.tag);
}

function distance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) > cap) return cap + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}
