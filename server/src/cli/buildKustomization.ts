// `flux-oci build kustomization NAME --path DIR [--kustomization-file FILE] [--dry-run]`: flux's
// own command line for `flux build ks`, rendered offline. The Kustomization comes from the file
// given, else from the workspace; `substituteFrom` objects come from the workspace (where flux's
// --dry-run skips them), and stderr says where each came from.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { discoverRoot } from '../language/gitRoots';
import { parseAllDocuments } from 'yaml';
import { UsageError, flagSet, flagValue, flagValues, parseArgs, type FlagSpec, type ParsedArgs } from './args';
import { detectEngine, QUIET, RenderError, type KustomizeEngine } from '../render/engine';
import { renderKustomization, renderedYaml, type RenderResult } from '../render/render';
import { renderSpecOf, type RenderSpec, isRecord } from '../render/spec';
import { workspaceLookup, workspaceObjects, type FoundObject } from '../render/workspaceObjects';

export const KUSTOMIZATION_NOUNS = new Set(['kustomization', 'kustomizations', 'ks']);

export const BUILD_KUSTOMIZATION_USAGE = `usage: flux-oci build kustomization <name> --path <dir> [--kustomization-file <file>] [options]
render what a Flux Kustomization applies, as kustomize-controller builds it, with no cluster:
the folder's kustomization (generated when there is none) merged with the Kustomization's
patches, images, targetNamespace, namePrefix/nameSuffix and components, built by kustomize,
then postBuild substitution, commonMetadata and the kustomize.toolkit.fluxcd.io labels
  --path <dir>                  the local folder of spec.path (default: spec.path from the source root)
  --kustomization-file <file>   the file holding the Kustomization (default: found in the workspace)
  -n, --namespace <ns>          the Kustomization's namespace (default flux-system)
  --dry-run                     accepted for flux's command line; no cluster is ever contacted
  --strict-substitute           fail on a \${VAR} with no value and no default
  --ignore-paths <p,...>        files left out of a generated kustomization (gitignore syntax)
  --source-root <dir>           the source's root (default: the Git repository of --path)
  --kustomize <program>         kustomize or kubectl to run (default: kustomize, else kubectl, on PATH)
substituteFrom ConfigMaps and Secrets are read from the workspace (the source root) when found there.
exit status: 0 rendered, 1 the build fails as it would in Flux, 2 usage error or no kustomize engine`;

export const BUILD_FLAGS: FlagSpec[] = [
  { name: '--path', value: true },
  { name: '--kustomization-file', value: true },
  { name: '--namespace', aliases: ['-n'], value: true },
  { name: '--dry-run' },
  { name: '--strict-substitute' },
  { name: '--ignore-paths', value: true, list: true, repeat: true },
  { name: '--source-root', value: true },
  { name: '--kustomize', value: true },
];

interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

function findKustomization(objects: readonly FoundObject[], name: string, namespace: string): FoundObject | undefined {
  return objects.find((o) => {
    const m = isRecord(o.value.metadata) ? o.value.metadata : {};
    return typeof o.value.apiVersion === 'string' && o.value.apiVersion.startsWith('kustomize.toolkit.fluxcd.io/') && o.value.kind === 'Kustomization' &&
      m.name === name && (m.namespace === undefined || m.namespace === namespace);
  });
}

export interface KustomizationBuildPlan {
  spec: RenderSpec;
  root: string;
  folder: string;
  workspace: FoundObject[];
  foundIn: string;
  /** The Kustomization object as found. */
  kustomization: Record<string, unknown>;
}

/** Reads the command line into what to render: the Kustomization, its folder and its source root. */
export function planBuild(parsed: ParsedArgs, io: Io, shown: (file: string) => string, moreKinds: readonly string[] = []): KustomizationBuildPlan {
  const name = parsed.positionals[0];
  if (!name) throw new UsageError('build kustomization needs the Kustomization\'s name');
  if (parsed.positionals.length > 1) throw new UsageError(`unexpected argument "${parsed.positionals[1]}"`);
  const namespace = flagValue(parsed, '--namespace') ?? 'flux-system';
  const pathFlag = flagValue(parsed, '--path');
  const file = flagValue(parsed, '--kustomization-file');
  const rootFlag = flagValue(parsed, '--source-root');
  const anchor = pathFlag ?? file ?? '.';
  // The source's root: the Git repository holding the anchor (as the editor finds it), else here.
  const repository = discoverRoot(statSync(anchor, { throwIfNoEntry: false })?.isDirectory() ? anchor : dirname(resolve(anchor)));
  const root = resolve(rootFlag ?? (repository.repository ? fileURLToPath(repository.uri) : process.cwd()));
  const workspace = workspaceObjects(root, new Set(['ConfigMap', 'Secret', 'Kustomization', ...moreKinds]));
  let found: FoundObject | undefined;
  if (file) {
    if (!existsSync(file)) throw new UsageError(`no such file: ${file}`);
    const docs = parseAllDocuments(readFileSync(file, 'utf8'), QUIET);
    const objects: FoundObject[] = [];
    for (const doc of Array.isArray(docs) ? docs : []) {
      const value = doc.toJS() as unknown;
      if (isRecord(value)) objects.push({ value, file: resolve(file), line: 1 });
    }
    found = findKustomization(objects, name, namespace);
    if (!found) throw new RenderError(`failed to find kustomization with name '${name}' and namespace '${namespace}' in file '${file}'`);
  } else {
    found = findKustomization(workspace, name, namespace);
    if (!found) throw new RenderError(`no Kustomization '${name}' in namespace '${namespace}' under ${shown(root) || '.'}: give it with --kustomization-file`);
    io.stderr(`Kustomization ${namespace}/${name} from ${shown(found.file)}:${found.line}\n`);
  }
  const spec = renderSpecOf(found.value, namespace);
  spec.namespace = namespace;
  let folder: string;
  if (pathFlag) folder = resolve(pathFlag);
  else {
    if (spec.path === undefined) throw new UsageError('the Kustomization has no spec.path: give the folder with --path');
    folder = resolve(root, spec.path);
    io.stderr(`path ${spec.path} of the source root ${shown(root) || '.'}\n`);
  }
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new RenderError(`path not found: ${pathFlag ?? spec.path}`);
  return { spec, root, folder, workspace, foundIn: found.file, kustomization: found.value };
}

export async function runBuildKustomization(args: string[], io: Io, signal: AbortSignal): Promise<number> {
  try {
    return await buildKustomization(args, io, signal);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`flux-oci: ${error.message}\n${BUILD_KUSTOMIZATION_USAGE}\n`);
    return 2;
  }
}

async function buildKustomization(args: string[], io: Io, signal: AbortSignal): Promise<number> {
  const parsed = parseArgs(args, BUILD_FLAGS);
  if (parsed.help) {
    io.stdout(`${BUILD_KUSTOMIZATION_USAGE}\n`);
    return 0;
  }
  const shown = (file: string) => relative(process.cwd(), file) || '.';
  let engine: KustomizeEngine;
  try {
    engine = await detectEngine(flagValue(parsed, '--kustomize'));
  } catch (error) {
    io.stderr(`flux-oci: ${(error as Error).message}\n`);
    return 2;
  }
  try {
    const plan = planBuild(parsed, io, shown);
    const result = await renderKustomization({
      spec: plan.spec,
      root: plan.root,
      folder: plan.folder,
      engine,
      lookup: workspaceLookup(plan.workspace, shown),
      strict: flagSet(parsed, '--strict-substitute'),
      ignorePaths: flagValues(parsed, '--ignore-paths'),
      signal,
    });
    io.stdout(renderedYaml(result.objects));
    reportVariables(result, io);
    return 0;
  } catch (error) {
    if (error instanceof RenderError) {
      io.stderr(`flux-oci: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

export function reportVariables(result: RenderResult, io: Io): void {
  for (const note of result.notes) io.stderr(`substitution: ${note}\n`);
  for (const [name, objects] of result.missing) {
    io.stderr(`warning: \${${name}} has no value and no default (in ${objects.join(', ')}): Flux substitutes an empty string\n`);
  }
  for (const [name, objects] of result.unknown) {
    io.stderr(`note: \${${name}} is not known here (in ${objects.join(', ')}): kept as written\n`);
  }
}
