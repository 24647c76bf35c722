// Reading an artifact out of a registry: its manifest, the content layer chosen the way
// source-controller chooses it, and the layer streamed through the one safe extractor with
// its digest verified on the way. Pull, preview and diff all come through here.

import { Reference } from '../reference';
import { RegistryClient, RegistryError, MEDIA_TYPES } from '../registry';
import { isTransientError, TransportError, errorCode } from '../transport';
import { FLUX_MEDIA_TYPES, ANNOTATIONS } from './build';
import { extractArchive, type ExtractLimits } from './extract';

export interface LayerDescriptor {
  mediaType: string;
  digest: string;
  size: number;
}

export interface ArtifactManifest {
  /** The manifest digest (what a pinned reference names). */
  digest: string;
  mediaType: string;
  annotations: Record<string, string>;
  layers: LayerDescriptor[];
  configMediaType?: string;
}

interface ImageManifest {
  mediaType?: string;
  config?: { mediaType?: string };
  layers?: Array<{ mediaType?: unknown; digest?: unknown; size?: unknown }>;
  annotations?: Record<string, string>;
}

/** Fetches and parses the manifest `ref` names; an index is refused with a plain message. */
export async function readArtifactManifest(client: RegistryClient, ref: Reference, signal: AbortSignal): Promise<ArtifactManifest> {
  const manifest = await client.getManifest(ref, { signal });
  if (manifest.mediaType === MEDIA_TYPES.ociIndex || manifest.mediaType === MEDIA_TYPES.dockerList) {
    throw new RegistryError(`${ref} is an image index, not a single artifact; pull one of its manifests by digest`);
  }
  let parsed: ImageManifest;
  try {
    parsed = JSON.parse(manifest.bytes.toString('utf8')) as ImageManifest;
  } catch {
    throw new RegistryError(`manifest ${ref} is not JSON`);
  }
  const layers: LayerDescriptor[] = [];
  for (const layer of parsed.layers ?? []) {
    if (typeof layer.mediaType !== 'string' || typeof layer.digest !== 'string' || typeof layer.size !== 'number') throw new RegistryError(`manifest ${ref} has a malformed layer descriptor`);
    layers.push({ mediaType: layer.mediaType, digest: layer.digest, size: layer.size });
  }
  return { digest: manifest.digest, mediaType: manifest.mediaType, annotations: parsed.annotations ?? {}, layers, configMediaType: parsed.config?.mediaType };
}

/**
 * The layer to unpack, as source-controller picks it: the one of `mediaType` when given
 * (an OCIRepository's layerSelector), else Flux's content type, else the first layer.
 */
export function selectContentLayer(manifest: ArtifactManifest, what: string, mediaType?: string): LayerDescriptor {
  const wanted = mediaType ?? FLUX_MEDIA_TYPES.content;
  const layer = manifest.layers.find((l) => l.mediaType === wanted) ?? (mediaType ? undefined : manifest.layers[0]);
  if (!layer) throw new RegistryError(manifest.layers.length ? `${what} has no layer of type ${wanted}` : `${what} has no layers`);
  // Only tar content can be unpacked; Flux copies other layer types as they are.
  if (!/tar/.test(layer.mediaType)) throw new RegistryError(`${what}: layer type ${layer.mediaType} is not a tar archive`);
  if (!/^sha256:[a-f0-9]{64}$/.test(layer.digest)) throw new RegistryError(`${what}: layer digest ${layer.digest} is not a sha256 digest`);
  return layer;
}

export interface ExtractArtifactOptions extends ExtractLimits {
  signal: AbortSignal;
  layerMediaType?: string;
  /** Largest layer (compressed) accepted; default the uncompressed total limit. */
  maxLayerBytes?: number;
  onProgress?: (done: number, total: number) => void;
  /** The manifest, when the caller already has it. */
  manifest?: ArtifactManifest;
}

export interface ExtractedArtifact {
  digest: string;
  annotations: Record<string, string>;
  layer: LayerDescriptor;
  files: string[];
}

const ATTEMPTS = 3;

/** Streams the content layer of `ref` into `outDir` through the safe extractor (digest verified). */
export async function extractArtifact(client: RegistryClient, ref: Reference, outDir: string, options: ExtractArtifactOptions): Promise<ExtractedArtifact> {
  const { signal } = options;
  const manifest = options.manifest ?? (await readArtifactManifest(client, ref, signal));
  const layer = selectContentLayer(manifest, ref.toString(), options.layerMediaType);
  const maxLayer = options.maxLayerBytes ?? options.maxTotalBytes;
  if (maxLayer !== undefined && layer.size > maxLayer) throw new RegistryError(`the layer of ${ref} is ${layer.size} bytes, more than the ${maxLayer} allowed; nothing was extracted`);
  for (let attempt = 1; ; attempt++) {
    try {
      // openBlob verifies the digest and size as the bytes pass; the extractor fails with it.
      const stream = await client.openBlob(ref, layer, { signal, onProgress: options.onProgress });
      const files = await extractArchive(stream, outDir, options);
      return { digest: manifest.digest, annotations: manifest.annotations, layer, files };
    } catch (error) {
      if (signal.aborted || !isTransientError(error)) throw error;
      if (attempt >= ATTEMPTS) {
        // A bare "aborted" from the socket tells the user nothing: say what was cut, and how often.
        const last = error instanceof Error ? error.message : String(error);
        throw new TransportError(`the download of the layer of ${ref} was cut off ${attempt} times (last: ${last}); nothing was extracted`, errorCode(error), { cause: error });
      }
    }
  }
}

/** A short description of an artifact from its annotations (for tooltips and CLI output). */
export function describeAnnotations(annotations: Record<string, string>): { created?: string; source?: string; revision?: string } {
  return { created: annotations[ANNOTATIONS.created], source: annotations[ANNOTATIONS.source], revision: annotations[ANNOTATIONS.revision] };
}
