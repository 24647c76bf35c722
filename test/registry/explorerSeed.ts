// Seeding helpers for the explorer tests: small Flux artifacts pushed from a folder, and many
// tags on one manifest (PUT manifests in parallel batches, so 1,500 tags take seconds).
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseReference } from '../../server/src/oci/reference';
import { RegistryClient, bufferSource } from '../../server/src/oci/registry';
import { pushDirectory } from '../../server/src/oci/artifact/push';
import { ARTIFACT_CONFIG, FLUX_MEDIA_TYPES, buildArtifactManifest } from '../../server/src/oci/artifact/build';
import { signal } from './helpers';

export async function writeTree(dir: string, files: Record<string, string>): Promise<string> {
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, rel)), { recursive: true });
    await writeFile(join(dir, rel), text);
  }
  return dir;
}

/** Pushes `files` as a Flux artifact under `reference` (oci://host/repo:tag); returns the digest. */
export async function pushFiles(client: RegistryClient, reference: string, files: Record<string, string>, created?: Date): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'flux-oci-seed-'));
  try {
    await writeTree(dir, files);
    const result = await pushDirectory(client, parseReference(reference), dir, { signal: signal(), now: created, source: 'https://example.com/fleet.git', revision: 'main@sha1:0123456789abcdef0123456789abcdef01234567' });
    return result.digest;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Gives the manifest `from` points at every tag in `tags`, `batch` PUTs at a time. */
export async function tagMany(client: RegistryClient, from: string, tags: readonly string[], batch = 50): Promise<void> {
  const ref = parseReference(from);
  const manifest = await client.getManifest(ref, { signal: signal() });
  for (let i = 0; i < tags.length; i += batch) {
    await Promise.all(tags.slice(i, i + batch).map((tag) => client.putManifest(ref.withTag(tag), manifest.bytes, manifest.mediaType, { signal: signal() })));
  }
}

/** Pushes a raw layer (hostile or not) as a Flux artifact; returns the manifest and layer digests. */
export async function pushLayer(client: RegistryClient, reference: string, layer: Buffer): Promise<{ digest: string; layerDigest: string }> {
  const ref = parseReference(reference);
  const blob = bufferSource(layer);
  const config = bufferSource(ARTIFACT_CONFIG);
  await client.pushBlob(ref, blob, { signal: signal() });
  await client.pushBlob(ref, config, { signal: signal() });
  const manifest = buildArtifactManifest(config, blob, { 'org.opencontainers.image.created': '2026-01-01T00:00:00Z' });
  const digest = await client.putManifest(ref, manifest, FLUX_MEDIA_TYPES.manifest, { signal: signal() });
  return { digest, layerDigest: blob.digest };
}

/** Where the filesystem driver of `docker-registry` keeps a blob's bytes. */
export function blobDataPath(dataDir: string, digest: string): string {
  const hex = digest.replace(/^sha256:/, '');
  return join(dataDir, 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
}
