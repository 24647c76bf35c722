// Push a folder as a Flux artifact, and pull one back into a folder.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Reference } from '../reference';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { RegistryClient, bufferSource, sha256Digest, type BlobSource } from '../registry';
import { ARTIFACT_CONFIG, AnnotationOptions, FLUX_MEDIA_TYPES, artifactAnnotations, packArtifactLayer, buildArtifactManifest } from './build';
import type { ExtractLimits } from './extract';
import { extractArtifact, readArtifactManifest } from './layer';

export type ArtifactPhase = 'build' | 'upload' | 'manifest' | 'download' | 'extract';

export interface ArtifactProgress {
  phase: ArtifactPhase;
  /** Bytes done and total for upload/download; entries packed and total for build; 0/0 otherwise. */
  done: number;
  total: number;
}

export interface PushDirectoryOptions extends AnnotationOptions {
  signal: AbortSignal;
  /** Extra ignore patterns (gitignore syntax) on top of Flux's defaults. */
  ignore?: readonly string[];
  onProgress?: (progress: ArtifactProgress) => void;
  /** The entries to pack (relative to `dir`), when the caller has listed them already. */
  entries?: readonly string[];
  /** How many of `entries` are regular files (progress then counts files only). */
  fileCount?: number;
  /**
   * Called once the layer is built and the manifest is known, before anything is uploaded:
   * the place for an overwrite guard. Throwing stops the push with nothing sent.
   */
  beforeUpload?: (artifact: { manifestDigest: string; layer: { digest: string; size: number }; files: readonly string[] }) => Promise<void>;
}

export interface PushResult {
  /** The reference pushed, pinned to the manifest digest. */
  reference: Reference;
  digest: string;
  layer: { digest: string; size: number };
  files: string[];
  annotations: Record<string, string>;
}

/** Build the artifact from `dir`, push its blobs, then the manifest under `ref`'s tag. */
export async function pushDirectory(client: RegistryClient, ref: Reference, dir: string, options: PushDirectoryOptions): Promise<PushResult> {
  const { signal, onProgress } = options;
  const work = await mkdtemp(join(tmpdir(), 'flux-oci-push-'));
  try {
    onProgress?.({ phase: 'build', done: 0, total: 0 });
    const layerFile = join(work, 'layer.tar.gz');
    const packed = await packArtifactLayer(dir, layerFile, {
      ignore: options.ignore,
      entries: options.entries,
      fileCount: options.fileCount,
      signal,
      onEntry: (done, total) => onProgress?.({ phase: 'build', done, total }),
    });
    const files = packed.entries;
    const layer = prebuiltFileSource(layerFile, packed.digest, packed.size);
    const config = bufferSource(ARTIFACT_CONFIG);
    const annotations = artifactAnnotations(options);
    const manifest = buildArtifactManifest(config, layer, annotations);
    await options.beforeUpload?.({ manifestDigest: sha256Digest(manifest), layer: { digest: layer.digest, size: layer.size }, files });
    signal.throwIfAborted();
    await client.pushBlob(ref, layer, { signal, onProgress: (done, total) => onProgress?.({ phase: 'upload', done, total }) });
    await client.pushBlob(ref, config, { signal });
    onProgress?.({ phase: 'manifest', done: 0, total: 0 });
    const target = ref.tag ? ref : ref.withTag('latest');
    // The blobs go along so that a registry which lost sight of one (another push of the same
    // blobs to this repository) is given it again instead of failing the push.
    const digest = await client.putManifest(new Reference(target.registry, target.repository, target.tag), manifest, FLUX_MEDIA_TYPES.manifest, { signal, blobs: [layer, config] });
    return { reference: target.withDigest(digest), digest, layer: { digest: layer.digest, size: layer.size }, files, annotations };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** A blob backed by a file whose digest and size are already known (hashed while written). */
function prebuiltFileSource(path: string, digest: string, size: number): BlobSource {
  return { digest, size, open: (start = 0, end = size) => (end <= start ? Readable.from([]) : createReadStream(path, { start, end: end - 1, highWaterMark: 1024 * 1024 })) };
}

export interface PullArtifactOptions extends ExtractLimits {
  signal: AbortSignal;
  /** Which layer to extract; default Flux's content type, else the first layer. */
  layerMediaType?: string;
  /** Largest layer (compressed) accepted. */
  maxLayerBytes?: number;
  onProgress?: (progress: ArtifactProgress) => void;
}

export interface PullResult {
  digest: string;
  annotations: Record<string, string>;
  layer: { mediaType: string; digest: string; size: number };
  files: string[];
}

/** Fetch the artifact `ref` names and extract its content layer into `outDir`. */
export async function pullArtifact(client: RegistryClient, ref: Reference, outDir: string, options: PullArtifactOptions): Promise<PullResult> {
  const { onProgress } = options;
  const manifest = await readArtifactManifest(client, ref, options.signal);
  const result = await extractArtifact(client, ref, outDir, { ...options, manifest, onProgress: (done, total) => onProgress?.({ phase: 'download', done, total }) });
  onProgress?.({ phase: 'extract', done: 0, total: 0 });
  return result;
}
