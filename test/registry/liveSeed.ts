// Seeds a test registry for the live-intelligence suites: a Flux artifact under many tags (one
// push, then PUT manifest per extra tag in parallel batches), a cosign-style signature tag, a
// Helm chart and a plain container image.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Reference } from '../../server/src/oci/reference';
import { RegistryClient, bufferSource, MEDIA_TYPES } from '../../server/src/oci/registry';
import { pushDirectory } from '../../server/src/oci/artifact/push';
import { signal } from './helpers';

export const SOURCE = 'https://example.invalid/team/app.git';

/** `count` semver tags v1.0.0 … (majors 1.., 25 minors, 20 patches each). */
export function versionTags(count: number): string[] {
  const tags: string[] = [];
  for (let i = 0; i < count; i++) tags.push(`v${1 + Math.floor(i / 500)}.${Math.floor(i / 20) % 25}.${i % 20}`);
  return tags;
}

async function inBatches<T>(items: readonly T[], size: number, work: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(work));
}

/** Pushes a Flux artifact (folders apps/ and base/) and tags it with every tag; returns its digest. */
export async function pushFluxArtifact(client: RegistryClient, registry: string, repository: string, tags: readonly string[], revision = 'main@sha1:0123456789abcdef0123456789abcdef01234567'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'flux-oci-live-src-'));
  try {
    await mkdir(join(dir, 'apps', 'podinfo'), { recursive: true });
    await mkdir(join(dir, 'base'), { recursive: true });
    await writeFile(join(dir, 'apps', 'podinfo', 'deployment.yaml'), 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: podinfo\n');
    await writeFile(join(dir, 'base', 'namespace.yaml'), `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${revision.slice(-6)}\n`);
    const first = new Reference(registry, repository, tags[0]);
    const pushed = await pushDirectory(client, first, dir, { signal: signal(), source: SOURCE, revision });
    const manifest = await client.getManifest(first.withDigest(pushed.digest), { signal: signal() });
    await inBatches(tags.slice(1), 50, (tag) => client.putManifest(new Reference(registry, repository, tag), manifest.bytes, manifest.mediaType, { signal: signal() }));
    return pushed.digest;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A manifest with the given config and one layer media type (small blobs), under `tag`. */
export async function pushCustom(client: RegistryClient, registry: string, repository: string, tag: string, configType: string, layerType: string, extra: Record<string, unknown> = {}): Promise<string> {
  const ref = new Reference(registry, repository, tag);
  const config = bufferSource(Buffer.from('{}'));
  const layer = bufferSource(Buffer.from(`layer of ${repository}:${tag}`));
  await client.pushBlob(ref, config, { signal: signal() });
  await client.pushBlob(ref, layer, { signal: signal() });
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociManifest,
    config: { mediaType: configType, digest: config.digest, size: config.size },
    layers: [{ mediaType: layerType, digest: layer.digest, size: layer.size }],
    ...extra,
  }));
  return client.putManifest(ref, manifest, MEDIA_TYPES.ociManifest, { signal: signal() });
}

/** A cosign-style signature: a manifest under the tag `sha256-<hex>.sig` next to the artifact. */
export function pushCosignSignature(client: RegistryClient, registry: string, repository: string, digest: string): Promise<string> {
  return pushCustom(client, registry, repository, `${digest.replace(':', '-')}.sig`, 'application/vnd.oci.image.config.v1+json', 'application/vnd.dev.cosign.simplesigning.v1+json');
}

export const HELM_CONFIG = 'application/vnd.cncf.helm.config.v1+json';
export const HELM_CHART = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';
