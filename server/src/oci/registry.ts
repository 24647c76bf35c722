// Registry operations over the OCI distribution API: tags, manifests, blobs,
// push, tag and delete. Every operation takes an AbortSignal.

import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { Readable, Transform, TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Reference, apiHost } from './reference';
import { Transport, TransportError, TransportOptions, TransportRequest, TransportResponse, isTransientError, describeUrl, errorCode, sleep } from './transport';
import { AuthSession } from './auth/session';
import { Credentials, CredentialSource, credentialChain, dockerConfigCredentials } from './auth/credentials';

export const MEDIA_TYPES = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
} as const;

const MANIFEST_ACCEPT = [MEDIA_TYPES.ociManifest, MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerManifest, MEDIA_TYPES.dockerList].join(', ');
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const DEFAULT_TAG_PAGE = 1000;
const DEFAULT_MAX_TAGS = 100_000;
const DEFAULT_CHUNK_THRESHOLD = 64 * 1024 * 1024;
const DEFAULT_CHUNK_SIZE = 16 * 1024 * 1024;
const BLOB_DOWNLOAD_ATTEMPTS = 3;
/** Fresh upload sessions tried for one blob before giving up. */
const UPLOAD_ATTEMPTS = 3;
/** What a registry answers when an earlier, interrupted request spoilt the upload session. */
const SPOILT_UPLOAD_CODES = new Set(['BLOB_UPLOAD_INVALID', 'BLOB_UPLOAD_UNKNOWN', 'DIGEST_INVALID', 'SIZE_INVALID']);
/** Manifest PUTs tried when the registry does not find blobs that were pushed (see putManifest). */
const MANIFEST_PUT_ATTEMPTS = 3;
/**
 * Error codes of a manifest PUT refused for its blobs. DIGEST_INVALID belongs here: distribution
 * reports it when it reads a blob link another push is rewriting (empty for a moment).
 */
const MISSING_BLOB_CODES = new Set(['MANIFEST_BLOB_UNKNOWN', 'BLOB_UNKNOWN', 'DIGEST_INVALID']);

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface Manifest extends Descriptor {
  /** The exact bytes the registry served (the digest is over these). */
  bytes: Buffer;
}

/** Something that can be read (again) from the start or a byte range. */
export interface BlobSource {
  digest: string;
  size: number;
  /** Read bytes [start, end) ; both default to the whole blob. */
  open(start?: number, end?: number): Readable;
}

export type Progress = (done: number, total: number) => void;

export interface RegistryClientOptions extends TransportOptions {
  /** Credentials for every registry this client talks to (e.g. from --creds). */
  credentials?: Credentials;
  /** Where to look when no credentials are passed; default: Docker config and helpers. */
  credentialSource?: CredentialSource;
  tokenMethod?: 'get' | 'post';
  /** Blobs larger than this are uploaded in PATCH chunks. */
  chunkThreshold?: number;
  chunkSize?: number;
  transport?: Transport;
}

export class RegistryError extends Error {
  constructor(message: string, readonly status?: number, readonly codes: readonly string[] = []) {
    super(message);
    this.name = 'RegistryError';
  }
}

export class DigestMismatchError extends Error {
  constructor(readonly expected: string, readonly actual: string, readonly what: string, consequence?: string) {
    super(`digest mismatch for ${what}: expected ${expected} but got ${actual}${consequence ? `; ${consequence}` : ''}`);
    this.name = 'DigestMismatchError';
  }
}

export function sha256Digest(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export function bufferSource(bytes: Buffer): BlobSource {
  return { digest: sha256Digest(bytes), size: bytes.length, open: (start = 0, end = bytes.length) => Readable.from([bytes.subarray(start, end)]) };
}

/** A blob backed by a file; the digest is computed by streaming the file once. */
export async function fileSource(path: string, signal?: AbortSignal): Promise<BlobSource> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash, { signal });
  const { size } = await stat(path);
  return {
    digest: `sha256:${hash.digest('hex')}`,
    size,
    open: (start = 0, end = size) => (end <= start ? Readable.from([]) : createReadStream(path, { start, end: end - 1 })),
  };
}

/** Hashes and counts what passes through; fails at the end on a digest or size mismatch. */
export class VerifyingStream extends Transform {
  private readonly hash = createHash('sha256');
  private count = 0;
  constructor(
    private readonly expectedDigest: string,
    private readonly maxBytes: number,
    private readonly what: string,
    private readonly expectedSize?: number,
    private readonly onBytes?: (count: number) => void,
  ) {
    super({ highWaterMark: 1024 * 1024 });
    if (!expectedDigest.startsWith('sha256:')) throw new RegistryError(`cannot verify ${what}: only sha256 digests are supported`);
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.count += chunk.length;
    const limit = Math.min(this.maxBytes, this.expectedSize ?? Infinity);
    if (this.count > limit) {
      callback(new RegistryError(`${this.what} is larger than ${limit} bytes; stopped reading`));
      return;
    }
    this.hash.update(chunk);
    this.onBytes?.(this.count);
    callback(null, chunk);
  }
  override _flush(callback: TransformCallback): void {
    if (this.expectedSize !== undefined && this.count !== this.expectedSize) {
      callback(new RegistryError(`${this.what} ended after ${this.count} of ${this.expectedSize} bytes`));
      return;
    }
    const actual = `sha256:${this.hash.digest('hex')}`;
    if (actual !== this.expectedDigest) callback(new DigestMismatchError(this.expectedDigest, actual, this.what));
    else callback();
  }
}

interface Options {
  signal: AbortSignal;
}

export class RegistryClient {
  readonly transport: Transport;
  private readonly auth: AuthSession;

  constructor(private readonly options: RegistryClientOptions = {}) {
    this.transport = options.transport ?? new Transport(options);
    const source = options.credentialSource ?? dockerConfigCredentials();
    this.auth = new AuthSession(this.transport, credentialChain(options.credentials, source), { tokenMethod: options.tokenMethod, log: options.log });
  }

  close(): void {
    this.transport.close();
  }

  /** All tags, following `Link` pagination, up to `maxTags`. */
  async listTags(ref: Reference, options: Options & { pageSize?: number; maxTags?: number }): Promise<string[]> {
    const maxTags = options.maxTags ?? DEFAULT_MAX_TAGS;
    const tags: string[] = [];
    const seen = new Set<string>();
    let url: URL | undefined = this.url(ref, `/tags/list?n=${options.pageSize ?? DEFAULT_TAG_PAGE}`);
    while (url) {
      if (seen.has(url.href)) throw new RegistryError(`tag listing for ${ref.repository} loops back to a page it already read`);
      seen.add(url.href);
      const page: URL = url;
      const { response, bytes } = await this.getSmall(ref, page, 'application/json', options.signal, async (response) => {
        if (response.status === 404) await this.fail(response, `repository ${ref.repository} was not found on ${ref.registry}`);
        if (response.status !== 200) await this.fail(response, `listing tags of ${ref.repository}`);
      });
      let body: { tags?: string[] | null };
      try {
        body = JSON.parse(bytes.toString('utf8')) as { tags?: string[] | null };
      } catch {
        throw new RegistryError(`the tag list of ${ref.repository} from ${ref.registry} is not JSON`);
      }
      for (const tag of body.tags ?? []) {
        if (tags.length >= maxTags) throw new RegistryError(`${ref.repository} has more than ${maxTags} tags; raise the limit to list them all`);
        tags.push(tag);
      }
      url = nextLink(response.headers['link'], response.url);
      if (url && url.origin !== response.url.origin) throw new RegistryError('the registry paginated tags to another host; refusing to follow');
    }
    return tags;
  }

  /**
   * Repository names from `/v2/_catalog` (following `Link` pagination, up to `max`). Many
   * registries do not offer it: 401/403/404/405 come back as a RegistryError with the status.
   */
  async listRepositories(registry: string, options: Options & { pageSize?: number; max?: number }): Promise<string[]> {
    const max = options.max ?? 10_000;
    const host = apiHost(registry);
    const names: string[] = [];
    const seen = new Set<string>();
    let url: URL | undefined = this.transport.urlFor(host, `/v2/_catalog?n=${options.pageSize ?? 1000}`);
    while (url && names.length < max) {
      if (seen.has(url.href)) break;
      seen.add(url.href);
      const response: TransportResponse = await this.auth.send(host, { method: 'GET', url, headers: { accept: 'application/json' }, signal: options.signal }, ['registry:catalog:*']);
      if (response.status !== 200) await this.fail(response, `listing the repositories of ${registry}`);
      let body: { repositories?: unknown };
      try {
        body = JSON.parse((await response.buffer(4 * 1024 * 1024)).toString('utf8')) as { repositories?: unknown };
      } catch {
        throw new RegistryError(`the repository list of ${registry} is not JSON`);
      }
      for (const name of Array.isArray(body.repositories) ? body.repositories : []) if (typeof name === 'string' && names.length < max) names.push(name);
      url = nextLink(response.headers['link'], response.url);
      if (url && url.origin !== response.url.origin) throw new RegistryError('the registry paginated its catalog to another host; refusing to follow');
    }
    return names;
  }

  /** Checks that the registry answers `GET /v2/` (the API's own probe) with this client's credentials. */
  async checkAccess(registry: string, options: Options): Promise<void> {
    const host = apiHost(registry);
    const response = await this.auth.send(host, { method: 'GET', url: this.transport.urlFor(host, '/v2/'), signal: options.signal }, []);
    if (response.status !== 200) await this.fail(response, `signing in to ${registry}`);
    response.discard();
  }

  /** The manifest's descriptor without its body; undefined when it does not exist. */
  async headManifest(ref: Reference, options: Options): Promise<Descriptor | undefined> {
    const response = await this.send(ref, { method: 'HEAD', url: this.url(ref, `/manifests/${ref.reference}`), headers: { accept: MANIFEST_ACCEPT }, signal: options.signal }, 'pull');
    if (response.status === 404) return undefined;
    if (response.status !== 200) await this.fail(response, `checking manifest ${ref}`);
    const digest = response.headers['docker-content-digest'] ?? ref.digest;
    if (!digest) throw new RegistryError(`${ref.registry} did not return a digest for ${ref}`);
    return { mediaType: stripParams(response.headers['content-type']), digest, size: Number(response.headers['content-length'] ?? 0) };
  }

  /** The manifest bytes, verified against the digest requested or reported. */
  async getManifest(ref: Reference, options: Options): Promise<Manifest> {
    const { response, bytes } = await this.getSmall(ref, this.url(ref, `/manifests/${ref.reference}`), MANIFEST_ACCEPT, options.signal, async (response) => {
      if (response.status === 404) await this.fail(response, `manifest ${ref} was not found`);
      if (response.status !== 200) await this.fail(response, `fetching manifest ${ref}`);
    }, MAX_MANIFEST_BYTES);
    const actual = sha256Digest(bytes);
    const expected = ref.digest ?? response.headers['docker-content-digest'];
    if (expected && expected.startsWith('sha256:') && expected !== actual) throw new DigestMismatchError(expected, actual, `manifest ${ref}`, 'it was not used');
    let mediaType = stripParams(response.headers['content-type']);
    try {
      const parsed = JSON.parse(bytes.toString('utf8')) as { mediaType?: string };
      if (typeof parsed.mediaType === 'string') mediaType = parsed.mediaType;
    } catch {
      throw new RegistryError(`manifest ${ref} is not JSON`);
    }
    return { mediaType, digest: expected ?? actual, size: bytes.length, bytes };
  }

  /**
   * OCI 1.1 referrers of a manifest (signatures, SBOMs). undefined when the registry has no
   * referrers API (it answers 404 or 405); callers may then look at the `sha256-<hex>` tag.
   */
  async referrers(ref: Reference, digest: string, options: Options): Promise<Array<Descriptor & { artifactType?: string }> | undefined> {
    const { response, bytes } = await this.getSmall(ref, this.url(ref, `/referrers/${digest}`), MEDIA_TYPES.ociIndex, options.signal, async (response) => {
      if (response.status !== 200 && response.status !== 404 && response.status !== 405) await this.fail(response, `listing referrers of ${digest}`);
    }, MAX_MANIFEST_BYTES);
    if (response.status !== 200 || !(response.headers['content-type'] ?? '').includes('json')) return undefined;
    try {
      const index = JSON.parse(bytes.toString('utf8')) as { manifests?: Array<Descriptor & { artifactType?: string }> };
      return Array.isArray(index.manifests) ? index.manifests : undefined;
    } catch {
      return undefined;
    }
  }

  async blobExists(ref: Reference, digest: string, options: Options): Promise<boolean> {
    const response = await this.send(ref, { method: 'HEAD', url: this.url(ref, `/blobs/${digest}`), signal: options.signal }, 'pull');
    if (response.status === 200) return true;
    if (response.status === 404) return false;
    return this.fail(response, `checking blob ${digest}`);
  }

  /** A stream of the blob that errors at the end if the digest or size does not match. */
  async openBlob(ref: Reference, descriptor: { digest: string; size?: number }, options: Options & { maxBytes?: number; onProgress?: Progress }): Promise<Readable> {
    const response = await this.send(ref, { method: 'GET', url: this.url(ref, `/blobs/${descriptor.digest}`), signal: options.signal }, 'pull');
    if (response.status === 404) await this.fail(response, `blob ${descriptor.digest} was not found in ${ref.repository}`);
    if (response.status !== 200) await this.fail(response, `fetching blob ${descriptor.digest}`);
    const onProgress = options.onProgress;
    const verifier = new VerifyingStream(descriptor.digest, options.maxBytes ?? Infinity, `blob ${descriptor.digest}`, descriptor.size, onProgress && ((count) => onProgress(count, descriptor.size ?? 0)));
    response.body.on('error', (error) => verifier.destroy(error));
    return response.body.pipe(verifier);
  }

  /**
   * Download a blob into `file` via a temporary sibling that is renamed only
   * after verification, so a failure leaves nothing behind. Interrupted
   * transfers are retried from the start a bounded number of times.
   */
  async downloadBlob(ref: Reference, descriptor: { digest: string; size?: number }, file: string, options: Options & { maxBytes?: number; onProgress?: Progress }): Promise<void> {
    const temporary = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.partial`);
    for (let attempt = 1; ; attempt++) {
      try {
        // Create the file before streaming: a write stream opens it lazily, and an
        // early failure could otherwise see it appear after the clean-up below.
        const handle = await open(temporary, 'wx');
        const output = handle.createWriteStream({ highWaterMark: 1024 * 1024 });
        let stream: Readable;
        try {
          stream = await this.openBlob(ref, descriptor, options);
        } catch (error) {
          output.destroy();
          throw error;
        }
        await pipeline(stream, output, { signal: options.signal });
        await rename(temporary, file);
        return;
      } catch (error) {
        await rm(temporary, { force: true });
        if (error instanceof DigestMismatchError) throw new DigestMismatchError(error.expected, error.actual, error.what, 'nothing was written');
        if (options.signal.aborted || !isTransientError(error)) throw error;
        if (attempt < BLOB_DOWNLOAD_ATTEMPTS) {
          this.options.log?.(`blob ${descriptor.digest} transfer interrupted; starting again`);
          continue;
        }
        throw new TransportError(`the download of blob ${descriptor.digest} from ${ref.registry} was cut off ${attempt} times (last: ${error instanceof Error ? error.message : String(error)}); nothing was written`, errorCode(error), { cause: error });
      }
    }
  }

  /**
   * Upload a blob unless the repository has it: cross-repository mount when
   * `mountFrom` names a repository on the same registry, else POST then a
   * single PUT, or PATCH chunks for blobs above the chunk threshold.
   */
  async pushBlob(ref: Reference, blob: BlobSource, options: Options & { mountFrom?: string; onProgress?: Progress }): Promise<'exists' | 'mounted' | 'uploaded'> {
    if (await this.blobPresent(ref, blob.digest, options.signal)) {
      options.onProgress?.(blob.size, blob.size);
      return 'exists';
    }
    return this.uploadBlob(ref, blob, options);
  }

  /**
   * Whether the repository has the blob. A server error counts as "not known": distribution
   * answers 500 while another push rewrites the blob's link, and uploading content-addressed
   * bytes again is harmless, so the caller uploads rather than fails.
   */
  private async blobPresent(ref: Reference, digest: string, signal: AbortSignal): Promise<boolean> {
    try {
      return await this.blobExists(ref, digest, { signal });
    } catch (error) {
      if (signal.aborted || !(error instanceof RegistryError && (error.status ?? 0) >= 500)) throw error;
      this.options.log?.(`${ref.registry} could not say whether it has blob ${digest} (HTTP ${error.status}); uploading it`);
      return false;
    }
  }

  /** Upload sessions, each fresh after an interruption, until one ends with the blob in the repository. */
  private async uploadBlob(ref: Reference, blob: BlobSource, options: Options & { mountFrom?: string; onProgress?: Progress }): Promise<'exists' | 'mounted' | 'uploaded'> {
    const { signal } = options;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.uploadSession(ref, blob, options, attempt === 1);
      } catch (error) {
        if (signal.aborted) throw error;
        // Another push of the same blob can finish first and make this session end in an error
        // (the registry's answer, not a cut connection); what counts is that the blob is there.
        if (error instanceof RegistryError && (await this.blobPresentAfterFailure(ref, blob.digest, signal))) {
          this.options.log?.(`upload of ${blob.digest} ended in an error, but the registry has the blob (another push completed it)`);
          options.onProgress?.(blob.size, blob.size);
          return 'exists';
        }
        // An interrupted upload leaves a session the registry may have dropped or
        // half-filled (distribution drops it); a fresh session is the reliable way on.
        if (attempt >= UPLOAD_ATTEMPTS || !uploadCanRestart(error)) throw error;
        this.options.log?.(`upload of ${blob.digest} was interrupted; starting it again`);
      }
    }
  }

  /** A check after a failed upload: any error of its own leaves the upload's error to be reported. */
  private async blobPresentAfterFailure(ref: Reference, digest: string, signal: AbortSignal): Promise<boolean> {
    try {
      return await this.blobExists(ref, digest, { signal });
    } catch {
      return false;
    }
  }

  /** One upload session: a mount when allowed (first session only), else POST then the bytes. */
  private async uploadSession(ref: Reference, blob: BlobSource, options: Options & { mountFrom?: string; onProgress?: Progress }, mayMount: boolean): Promise<'mounted' | 'uploaded'> {
    const { signal } = options;
    let start: TransportResponse;
    if (options.mountFrom && options.mountFrom !== ref.repository && mayMount) {
      const query = new URLSearchParams({ mount: blob.digest, from: options.mountFrom });
      start = await this.send(ref, { method: 'POST', url: this.url(ref, `/blobs/uploads/?${query}`), signal }, 'pull,push', [`repository:${options.mountFrom}:pull`]);
      if (start.status === 201) {
        start.discard();
        options.onProgress?.(blob.size, blob.size);
        return 'mounted';
      }
      // Anything else is an ordinary upload session (the registry could not mount).
    } else {
      start = await this.send(ref, { method: 'POST', url: this.url(ref, '/blobs/uploads/'), signal }, 'pull,push');
    }
    if (start.status !== 202) await this.fail(start, `starting the upload of ${blob.digest}`);
    start.discard();
    const location = uploadLocation(start);
    if (blob.size > (this.options.chunkThreshold ?? DEFAULT_CHUNK_THRESHOLD)) await this.uploadInChunks(ref, blob, location, options);
    else await this.uploadWhole(ref, blob, location, options);
    return 'uploaded';
  }

  private async uploadInChunks(ref: Reference, blob: BlobSource, start: URL, options: Options & { onProgress?: Progress }): Promise<void> {
    const { signal } = options;
    const chunkSize = this.options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    let location = start;
    for (let offset = 0; offset < blob.size; offset += chunkSize) {
      const end = Math.min(offset + chunkSize, blob.size);
      const response = await this.sendUpload(ref, {
        method: 'PATCH',
        url: location,
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(end - offset), 'content-range': `${offset}-${end - 1}` },
        body: () => blob.open(offset, end),
        signal,
      });
      if (response.status !== 202) await this.fail(response, `uploading bytes ${offset}-${end - 1} of ${blob.digest}`);
      response.discard();
      location = uploadLocation(response);
      options.onProgress?.(end, blob.size);
    }
    location.searchParams.set('digest', blob.digest);
    const done = await this.sendUpload(ref, { method: 'PUT', url: location, signal });
    if (done.status !== 201) await this.fail(done, `finishing the upload of ${blob.digest}`);
    done.discard();
  }

  private async uploadWhole(ref: Reference, blob: BlobSource, start: URL, options: Options & { onProgress?: Progress }): Promise<void> {
    const location = new URL(start);
    location.searchParams.set('digest', blob.digest);
    let sent = 0;
    const response = await this.sendUpload(ref, {
      method: 'PUT',
      url: location,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(blob.size) },
      body: () => {
        sent = 0;
        const counted = new Transform({
          transform(chunk: Buffer, _e, callback) {
            sent += chunk.length;
            options.onProgress?.(sent, blob.size);
            callback(null, chunk);
          },
        });
        const source = blob.open();
        source.on('error', (error) => counted.destroy(error));
        return source.pipe(counted);
      },
      signal: options.signal,
    });
    if (response.status !== 201) await this.fail(response, `uploading ${blob.digest}`);
    response.discard();
  }

  /**
   * Store a manifest under a tag or digest and check the digest the registry reports.
   *
   * `blobs` are the blobs the manifest names, as pushed before. Another push of the same blobs
   * to the repository can make the registry miss them for a moment (distribution rewrites a
   * blob's link file in place when an upload of it completes, and a manifest checked meanwhile
   * names a blob it cannot read). With `blobs`, a refusal that names missing blobs is repaired:
   * the blobs are checked again, what is missing is uploaded again, and the PUT is repeated, a
   * bounded number of times.
   */
  async putManifest(ref: Reference, bytes: Buffer, mediaType: string, options: Options & { blobs?: readonly BlobSource[] }): Promise<string> {
    const digest = sha256Digest(bytes);
    if (ref.digest && ref.digest !== digest) throw new DigestMismatchError(ref.digest, digest, 'the manifest to push');
    const { signal, blobs = [] } = options;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.putManifestOnce(ref, bytes, mediaType, digest, signal);
      } catch (error) {
        if (signal.aborted || blobs.length === 0 || !refusedForMissingBlobs(error)) throw error;
        if (attempt >= MANIFEST_PUT_ATTEMPTS) {
          throw new RegistryError(
            `${ref.registry} refused the manifest of ${ref} ${attempt} times for blobs it did not find, though they were uploaded again each time; last answer: ${error.message}`,
            error.status,
            error.codes,
          );
        }
        this.options.log?.(`${ref.registry} did not find blobs of the manifest of ${ref} (${error.codes.join(', ')}); checking them and uploading what is missing`);
        // A short, jittered pause: two pushes repairing the same blob should not do it in lock-step.
        await sleep(this.repairDelayMs(attempt), signal);
        await this.restoreBlobs(ref, blobs, signal);
      }
    }
  }

  private async putManifestOnce(ref: Reference, bytes: Buffer, mediaType: string, digest: string, signal: AbortSignal): Promise<string> {
    const target = ref.tag ?? ref.digest ?? 'latest';
    const response = await this.send(ref, { method: 'PUT', url: this.url(ref, `/manifests/${target}`), headers: { 'content-type': mediaType }, body: bytes, signal }, 'pull,push');
    if (response.status !== 201 && response.status !== 200) await this.fail(response, `pushing the manifest of ${ref}`);
    response.discard();
    const reported = response.headers['docker-content-digest'];
    if (reported && reported !== digest) {
      throw new DigestMismatchError(digest, reported, `the manifest stored by ${ref.registry}`, `the registry reports different content under ${ref.reference}; do not rely on it`);
    }
    return digest;
  }

  /** Upload again every blob the repository does not have now (each upload checks first). */
  private async restoreBlobs(ref: Reference, blobs: readonly BlobSource[], signal: AbortSignal): Promise<void> {
    for (const blob of blobs) {
      if (await this.blobPresent(ref, blob.digest, signal)) continue;
      this.options.log?.(`uploading blob ${blob.digest} again`);
      await this.uploadBlob(ref, blob, { signal });
    }
  }

  private repairDelayMs(attempt: number): number {
    const base = this.options.baseDelayMs ?? 200;
    return base * attempt + Math.random() * base;
  }

  /** Point `newTag` at the manifest `ref` names (same repository). */
  async tag(ref: Reference, newTag: string, options: Options): Promise<string> {
    const manifest = await this.getManifest(ref, options);
    return this.putManifest(ref.withTag(newTag), manifest.bytes, manifest.mediaType, options);
  }

  /**
   * Delete the manifest a reference names. A tag is resolved to its digest
   * first, so every tag pointing at that manifest disappears with it.
   */
  async deleteManifest(ref: Reference, options: Options): Promise<string> {
    let digest = ref.digest;
    if (!digest) {
      const head = await this.headManifest(ref, options);
      if (!head) throw new RegistryError(`manifest ${ref} was not found`, 404);
      digest = head.digest;
    }
    const response = await this.send(ref, { method: 'DELETE', url: this.url(ref, `/manifests/${digest}`), signal: options.signal }, 'delete');
    if (response.status === 405) await this.fail(response, `${ref.registry} does not allow deleting manifests`);
    if (response.status === 404) await this.fail(response, `manifest ${digest} was not found`);
    if (response.status !== 202 && response.status !== 200) await this.fail(response, `deleting ${digest}`);
    response.discard();
    return digest;
  }

  /**
   * Remove only a tag, leaving the manifest and its other tags (OCI
   * distribution 1.1). Registries without it answer 400/405; say so plainly.
   */
  async deleteTag(ref: Reference, options: Options): Promise<void> {
    if (!ref.tag || ref.digest) throw new RegistryError(`deleting a tag needs a reference with a tag and no digest, not ${ref}`);
    const response = await this.send(ref, { method: 'DELETE', url: this.url(ref, `/manifests/${ref.tag}`), signal: options.signal }, 'delete');
    if (response.status === 202 || response.status === 200) {
      response.discard();
      return;
    }
    if (response.status === 400 || response.status === 405) {
      // Registries without tag deletion read the tag as a malformed digest; their wording only confuses.
      response.discard();
      throw new RegistryError(
        `${ref.registry} cannot delete a tag on its own (HTTP ${response.status}); delete the manifest instead, which removes every tag pointing at it`,
        response.status,
      );
    }
    if (response.status === 404) await this.fail(response, `tag ${ref.tag} was not found`);
    await this.fail(response, `deleting tag ${ref.tag}`);
  }

  /**
   * GET a small document (manifest, tag page) into memory. A connection cut
   * while the body arrives is retried, like one cut before the headers.
   */
  private async getSmall(ref: Reference, url: URL, accept: string, signal: AbortSignal, check: (response: TransportResponse) => Promise<void>, limit?: number): Promise<{ response: TransportResponse; bytes: Buffer }> {
    for (let attempt = 1; ; attempt++) {
      const response = await this.send(ref, { method: 'GET', url, headers: { accept }, signal }, 'pull');
      await check(response);
      try {
        return { response, bytes: await response.buffer(limit) };
      } catch (error) {
        if (attempt >= BLOB_DOWNLOAD_ATTEMPTS || signal.aborted || !isTransientError(error)) throw error;
        this.options.log?.(`reading ${describeUrl(url)} was interrupted; asking again`);
      }
    }
  }

  private url(ref: Reference, suffix: string): URL {
    return this.transport.urlFor(apiHost(ref.registry), `/v2/${ref.repository}${suffix}`);
  }

  private send(ref: Reference, request: TransportRequest, actions: string, extraScopes: string[] = []): Promise<TransportResponse> {
    return this.auth.send(apiHost(ref.registry), request, [`repository:${ref.repository}:${actions}`, ...extraScopes]);
  }

  /** Upload locations may point at another host (object storage): no registry credentials go there. */
  private sendUpload(ref: Reference, request: TransportRequest & { url: URL }): Promise<TransportResponse> {
    const registryUrl = this.url(ref, '/');
    if (request.url.host === registryUrl.host) return this.send(ref, request, 'pull,push');
    return this.transport.request(request);
  }

  private async fail(response: TransportResponse, what: string): Promise<never> {
    let codes: string[] = [];
    let detail = '';
    if (response.headers['content-type']?.includes('json')) {
      try {
        const body = JSON.parse(await response.text(64 * 1024)) as { errors?: Array<{ code?: string; message?: string }> };
        codes = (body.errors ?? []).map((e) => e.code ?? '').filter((c) => c !== '');
        detail = (body.errors ?? []).map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ');
      } catch {
        detail = '';
      }
    } else response.discard();
    const status = response.status;
    // Error bodies are the server's words; some echo the request, so secrets are scrubbed.
    const message = `${what}: ${describeStatus(status)}${detail ? ` (${this.auth.redact(detail).slice(0, 500)})` : ''} from ${describeUrl(response.url)}`;
    throw new RegistryError(message, status, codes);
  }
}

function refusedForMissingBlobs(error: unknown): error is RegistryError {
  return error instanceof RegistryError && error.codes.some((code) => MISSING_BLOB_CODES.has(code));
}

function uploadCanRestart(error: unknown): boolean {
  if (isTransientError(error)) return true;
  return error instanceof RegistryError && (error.status === 416 || error.codes.some((code) => SPOILT_UPLOAD_CODES.has(code)));
}

function describeStatus(status: number): string {
  const names: Record<number, string> = { 400: 'bad request', 401: 'unauthorised', 403: 'forbidden', 404: 'not found', 405: 'not allowed', 429: 'too many requests', 500: 'server error', 502: 'bad gateway', 503: 'unavailable', 504: 'gateway timeout' };
  return `HTTP ${status}${names[status] ? ` ${names[status]}` : ''}`;
}

function stripParams(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim();
}

function uploadLocation(response: TransportResponse): URL {
  const location = response.headers['location'];
  if (!location) throw new RegistryError(`the registry did not say where to upload (${describeUrl(response.url)})`);
  return new URL(location, response.url);
}

/** The `rel="next"` target of a Link header, resolved against the current URL. */
export function nextLink(header: string | undefined, base: URL): URL | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (match && /rel="?next"?/i.test(match[2])) return new URL(match[1], base);
  }
  return undefined;
}
