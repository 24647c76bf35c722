// The artifact an OCIRepository's `spec.ref` points at now, resolved as source-controller does:
// a digest as written, a semver range to the newest tag it admits, else the tag (default latest).
// Shared by `flux-oci diff kustomization` and the editor's Compare with Published.
import { selectTag } from './semver';
import { RenderError } from '../render/engine';
import type { Reference } from '../oci/reference';
import type { RegistryClient } from '../oci/registry';

/** The reference the OCIRepository's ref points at now, resolved as source-controller does. */
export async function resolveOciRef(client: RegistryClient, base: Reference, ref: Record<string, unknown>, signal: AbortSignal): Promise<{ ref: Reference; how: string }> {
  if (typeof ref.digest === 'string') return { ref: base.withDigest(ref.digest), how: `digest ${ref.digest}` };
  if (typeof ref.semver === 'string') {
    // The tag source-controller picks: the highest version in the range (Masterminds semantics),
    // among the tags semverFilter lets through.
    const picked = selectTag(await client.listTags(base, { signal }), ref.semver, typeof ref.semverFilter === 'string' ? ref.semverFilter : undefined);
    if (!picked.valid) throw new RenderError(`semver ${ref.semver}${typeof ref.semverFilter === 'string' ? ` with semverFilter ${ref.semverFilter}` : ''} is not a valid range or filter`);
    if (!picked.tag) throw new RenderError(`no tag of ${base.toString()} matches semver ${ref.semver}`);
    return { ref: base.withTag(picked.tag), how: `tag ${picked.tag}, the newest matching ${ref.semver}` };
  }
  const tag = typeof ref.tag === 'string' ? ref.tag : 'latest';
  return { ref: base.withTag(tag), how: `tag ${tag}` };
}
