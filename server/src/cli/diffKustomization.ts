// `flux-oci diff kustomization NAME --path DIR`: what will change in the cluster when this folder is
// pushed? The render of the local folder against the render of the artifact the Kustomization's
// OCIRepository syncs now (its ref resolved in the registry: digest, semver range, tag), both
// rendered as kustomize-controller would. Objects added, removed and changed, with their fields.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { UsageError, flagSet, flagValue, flagValues, parseArgs, type FlagSpec } from './args';
import { COMMON_FLAGS, COMMON_USAGE, OUTPUT_FLAG, timeoutSignal, withClient } from './registryCommon';
import { BUILD_FLAGS, planBuild } from './buildKustomization';
import { resolveOciRef } from '../registry/ociRef';
import { parseReference, type Reference } from '../oci/reference';
import { pullArtifact } from '../oci/artifact/push';
import { detectEngine, RenderError } from '../render/engine';
import { diffObjects, formatObjectChanges } from '../render/objectDiff';
import { renderKustomization } from '../render/render';
import { workspaceLookup, type FoundObject } from '../render/workspaceObjects';
import type { RegistryClient } from '../oci/registry';
import { isRecord } from '../render/spec';

export const DIFF_KUSTOMIZATION_USAGE = `usage: flux-oci diff kustomization <name> --path <dir> [--kustomization-file <file>] [options]
what will change in the cluster when this folder is pushed: the Kustomization rendered from the
local folder against the same Kustomization rendered from the artifact its OCIRepository syncs
now (ref.digest, ref.semver or ref.tag resolved in the registry); objects added, removed and
changed, with the fields that differ
  --path <dir>                  the local folder of spec.path
  --kustomization-file <file>   the file holding the Kustomization (default: found in the workspace)
  -n, --namespace <ns>          the Kustomization's namespace (default flux-system)
  -o, --output text|json        output format (default text)
  --source-root, --kustomize, --strict-substitute, --ignore-paths: as for build kustomization
${COMMON_USAGE}
exit status: 0 no difference, 1 differences, 2 usage, registry or render error`;

const FLAGS: FlagSpec[] = [...BUILD_FLAGS, ...COMMON_FLAGS, OUTPUT_FLAG];

interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

/** The OCI artifact a Kustomization syncs: its OCIRepository (or a FluxInstance's OCI sync). */
function syncedArtifact(kustomization: Record<string, unknown>, namespace: string, workspace: readonly FoundObject[]): { url: string; ref: Record<string, unknown>; from: FoundObject } {
  const spec = isRecord(kustomization.spec) ? kustomization.spec : {};
  const sourceRef = isRecord(spec.sourceRef) ? spec.sourceRef : {};
  if (sourceRef.kind !== 'OCIRepository') {
    throw new UsageError(`diff kustomization compares with the OCI artifact an OCIRepository syncs; this Kustomization's source is ${String(sourceRef.kind ?? 'not given')}`);
  }
  const name = String(sourceRef.name ?? '');
  const sourceNamespace = typeof sourceRef.namespace === 'string' ? sourceRef.namespace : namespace;
  for (const o of workspace) {
    const m = isRecord(o.value.metadata) ? o.value.metadata : {};
    const s = isRecord(o.value.spec) ? o.value.spec : {};
    if (o.value.kind === 'OCIRepository' && m.name === name && (m.namespace ?? sourceNamespace) === sourceNamespace && typeof s.url === 'string') {
      return { url: s.url, ref: isRecord(s.ref) ? s.ref : {}, from: o };
    }
    // The Flux Operator names the source it makes from a FluxInstance's sync after its namespace.
    const sync = isRecord(s.sync) ? s.sync : undefined;
    if (o.value.kind === 'FluxInstance' && sync?.kind === 'OCIRepository' && typeof sync.url === 'string' && (m.namespace ?? 'flux-system') === name) {
      return { url: sync.url, ref: typeof sync.ref === 'string' ? { tag: sync.ref } : {}, from: o };
    }
  }
  throw new RenderError(`OCIRepository ${sourceNamespace}/${name} is not in the workspace: its URL and ref are needed to find what is published`);
}

export async function runDiffKustomization(args: string[], io: Io, signal: AbortSignal): Promise<number> {
  try {
    return await diffKustomization(args, io, signal);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`flux-oci: ${error.message}\n${DIFF_KUSTOMIZATION_USAGE}\n`);
      return 2;
    }
    if (error instanceof RenderError) {
      io.stderr(`flux-oci: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

async function diffKustomization(args: string[], io: Io, signal: AbortSignal): Promise<number> {
  const parsed = parseArgs(args, FLAGS);
  if (parsed.help) {
    io.stdout(`${DIFF_KUSTOMIZATION_USAGE}\n`);
    return 0;
  }
  const output = flagValue(parsed, '--output') ?? 'text';
  if (output !== 'text' && output !== 'json') throw new UsageError('--output takes text or json');
  const shown = (file: string) => relative(process.cwd(), file) || '.';
  const engine = await detectEngine(flagValue(parsed, '--kustomize'));
  const plan = planBuild(parsed, io, shown, ['OCIRepository', 'FluxInstance']);
  const artifact = syncedArtifact(plan.kustomization, plan.spec.namespace, plan.workspace);
  const base = parseReference(artifact.url.replace(/^oci:\/\//, ''));
  const common = {
    spec: plan.spec,
    engine,
    lookup: workspaceLookup(plan.workspace, shown),
    strict: flagSet(parsed, '--strict-substitute'),
    ignorePaths: flagValues(parsed, '--ignore-paths'),
    signal,
  };
  const pulled = await mkdtemp(join(tmpdir(), 'flux-oci-published-'));
  try {
    const published = await withClient(parsed, base, async (client) => {
      const ops = timeoutSignal(parsed, signal);
      const resolved = await resolveOciRef(client, base, artifact.ref, ops);
      const result = await pullArtifact(client, resolved.ref, pulled, { signal: ops });
      io.stderr(`published: ${resolved.ref.repositoryReference.toString()}@${result.digest} (${resolved.how}, from ${shown(artifact.from.file)}:${artifact.from.line})\n`);
      return result;
    });
    const folderInArtifact = resolve(pulled, plan.spec.path ?? '.');
    if (!folderInArtifact.startsWith(pulled)) throw new RenderError(`spec.path ${plan.spec.path} leaves the artifact`);
    const before = await renderKustomization({ ...common, root: pulled, folder: folderInArtifact }).catch((error: unknown) => {
      if (error instanceof RenderError) throw new RenderError(`the published artifact ${published.digest} does not render: ${error.message.split(pulled).join('<artifact>')}`);
      throw error;
    });
    const after = await renderKustomization({ ...common, root: plan.root, folder: plan.folder });
    const changes = diffObjects(before.objects, after.objects);
    if (output === 'json') io.stdout(`${JSON.stringify({ published: published.digest, changes }, null, 2)}\n`);
    else if (changes.length === 0) io.stderr(`no change: the local folder renders the same ${after.objects.length} objects\n`);
    else io.stdout(formatObjectChanges(changes));
    return changes.length ? 1 : 0;
  } finally {
    await rm(pulled, { recursive: true, force: true });
  }
}

