// Rendering a Flux Kustomization as kustomize-controller would, offline: prepare the folder
// (generated or merged kustomization file), build it with the real kustomize engine, then the
// controller's post-build steps. Shared by the CLI (`flux-oci build kustomization`) and the server.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { prepareBuild } from './buildDir';
import { RenderError, runEngine, type KustomizeEngine } from './engine';
import { postBuild, type RenderedObject } from './postBuild';
import type { RenderSpec } from './spec';
import { resolveVariables, type SourceLookup } from './variables';

export interface RenderRequest {
  spec: RenderSpec;
  /** The source's root on disk (absolute). */
  root: string;
  /** The folder of `spec.path` on disk (absolute). */
  folder: string;
  engine: KustomizeEngine;
  /** Finds `substituteFrom` objects (in the workspace); none: every such object is unknown. */
  lookup?: SourceLookup;
  strict?: boolean;
  ignorePaths?: readonly string[];
  /** Learn which file each object came from (RenderedObject.origin): costs kustomize a third more. */
  origins?: boolean;
  signal?: AbortSignal;
}

export interface RenderResult {
  objects: RenderedObject[];
  /** `${VAR}` with no value and no default: Flux substitutes an empty string (or fails, strict). */
  missing: Map<string, string[]>;
  unknown: Map<string, string[]>;
  /** Where substitution variables came from, components skipped, and the like. */
  notes: string[];
  generated: boolean;
}

export async function renderKustomization(request: RenderRequest): Promise<RenderResult> {
  const { spec } = request;
  const notes: string[] = [];
  let effective = spec;
  if (spec.components.length) {
    for (const c of spec.components) {
      if (c.startsWith('/') || /^[a-z][a-z0-9+.-]*:\/\//i.test(c)) throw new RenderError(`component path "${c}" must be local and relative`);
    }
    if (spec.ignoreMissingComponents) {
      const present = spec.components.filter((c) => existsSync(join(request.folder, c)));
      for (const c of spec.components) if (!present.includes(c)) notes.push(`component ${c} does not exist: skipped (ignoreMissingComponents)`);
      effective = { ...spec, components: present };
    }
  }
  const prepared = await prepareBuild(request.root, request.folder, effective, { ignorePaths: request.ignorePaths, origins: request.origins });
  try {
    let output: string;
    try {
      output = await runEngine(request.engine, prepared.dir, request.signal);
    } catch (error) {
      if (error instanceof RenderError) throw new RenderError(prepared.toSourcePaths(error.message));
      throw error;
    }
    const resolved = resolveVariables(spec, request.lookup ?? (() => undefined));
    notes.push(...resolved.notes);
    const result = postBuild(output, spec, {
      variables: resolved.variables, strict: request.strict, incomplete: resolved.incomplete,
      // Origins are relative to the built folder; in the mirror that is the source's folder.
      origins: { strip: prepared.originsAdded, resolve: (path) => resolve(request.folder, path) },
    });
    return { objects: result.objects, missing: result.missing, unknown: result.unknown, notes, generated: prepared.generated };
  } finally {
    await prepared.cleanup();
  }
}

/**
 * The objects as one YAML stream, as `flux build kustomization` prints them; with `origin`, each
 * after a comment naming the file it came from (for the editor's view).
 */
export function renderedYaml(objects: readonly RenderedObject[], origin?: (path: string) => string): string {
  return objects.map((o) => `---\n${origin && o.origin ? `# from ${origin(o.origin)}\n` : ''}${o.yaml}`).join('');
}
