// "Show What Flux Applies": a code lens on every Flux Kustomization, and the request that renders
// it (render/): the folder its spec.path names in the source the apply graph placed, built as
// kustomize-controller builds it. Only in a trusted workspace: rendering runs kustomize on the
// workspace's files.
import { fileURLToPath } from 'node:url';
import { isAbsolute, relative } from 'node:path';
import type { CodeLens } from 'vscode-languageserver/node';
import type { ServerContext } from './context';
import { applyGraphOf } from '../language/applyGraph';
import { RenderKustomizationRequest, type RenderKustomizationResult } from '../protocol';
import { detectEngine, EngineMissingError, RenderError } from '../render/engine';
import { renderKustomization, renderedYaml } from '../render/render';
import { renderSpecOf } from '../render/spec';
import { applyParentPatches } from '../render/parentPatches';
import { workspaceLookup, workspaceObjects } from '../render/workspaceObjects';

export const SHOW_RENDERED_COMMAND = 'fluxOci.showRendered';
const isKustomization = (apiVersion: string | undefined, kind: string | undefined) => kind === 'Kustomization' && (apiVersion ?? '').startsWith('kustomize.toolkit.fluxcd.io/');

export function registerRender(ctx: ServerContext): void {
  ctx.connection.onCodeLens(({ textDocument }): CodeLens[] => {
    const file = ctx.fileFor(textDocument.uri);
    if (!file) return [];
    const lenses: CodeLens[] = [];
    for (const doc of file.documents) {
      const id = doc.parsed.identity;
      if (!id || !isKustomization(id.apiVersion, id.kind) || !id.name) continue;
      const line = doc.chunk.startLine + (doc.chunk.text.match(/^(?:\s*(?:#.*)?\n)*/)?.[0].split('\n').length ?? 1) - 1;
      lenses.push({
        range: { start: { line, character: 0 }, end: { line, character: 0 } },
        command: { title: 'Show What Flux Applies', command: SHOW_RENDERED_COMMAND, arguments: [textDocument.uri, doc.index, id.name] },
      });
    }
    return lenses;
  });

  ctx.connection.onRequest(RenderKustomizationRequest, async ({ uri, documentIndex }, token): Promise<RenderKustomizationResult> => {
    if (!ctx.registry.trusted) return { error: 'Rendering runs kustomize on this workspace\'s files: trust the workspace first.' };
    await ctx.workspaceIndexed();
    const file = ctx.fileFor(uri);
    const doc = file?.documents[documentIndex];
    const id = doc?.parsed.identity;
    if (!doc || !id || !isKustomization(id.apiVersion, id.kind)) return { error: 'No Flux Kustomization there any more.' };
    const graph = applyGraphOf(ctx.index);
    const applier = graph.appliersIn(uri).find((a) => a.documentIndex === documentIndex);
    if (!applier?.folder) {
      return { error: `The source of ${id.name ?? 'this Kustomization'} is not in this workspace (${applier?.sourceNote ?? 'its source is not known'}), so there is nothing here to render.` };
    }
    if (!graph.hasFolder(applier.folder)) {
      // Only a source known to be this workspace makes the missing folder certain.
      return { error: applier.relation === 'workspace'
        ? `spec.path ${applier.facts.path} does not exist in its source (${graph.describeFolder(applier.folder)}): Flux would fail.`
        : `spec.path ${applier.facts.path} is not found here (${graph.describeFolder(applier.folder)}); ${applier.sourceNote}.` };
    }
    const controller = new AbortController();
    token.onCancellationRequested(() => controller.abort());
    try {
      const engine = await detectEngine(ctx.settings().render.kustomizePath);
      const root = fileURLToPath(applier.root.uri);
      // As the cluster gets it: with what the patches of the Kustomizations applying it write.
      const parents = graph.patchesFor(uri, doc);
      const spec = renderSpecOf(applyParentPatches(doc.parsed.yaml.toJS(), parents.map((p) => p.patch.body)));
      const shown = (path: string) => {
        const rel = relative(root, path);
        return rel.startsWith('..') || isAbsolute(rel) ? path : `./${rel}`;
      };
      const objects = workspaceObjects(root, new Set(['ConfigMap', 'Secret']));
      const result = await renderKustomization({
        spec,
        root,
        folder: fileURLToPath(applier.folder),
        engine,
        lookup: workspaceLookup(objects, shown),
        ignorePaths: applier.artifact?.ignorePaths,
        signal: controller.signal,
      });
      const header = [
        `# What Flux applies for Kustomization ${spec.namespace}/${spec.name}: ${graph.describeFolder(applier.folder)}${applier.artifactNote ? ` of ${applier.artifactNote}` : ''}`,
        `# rendered with ${engine.description}${result.generated ? '; no kustomization.yaml there, so one was generated as Flux does' : ''}`,
        ...(parents.length ? [`# with ${parents.length === 1 ? 'the patch' : `${parents.length} patches`} of ${[...new Set(parents.map((p) => `Kustomization ${p.by.facts.name ?? '?'}`))].join(', ')} applied to this Kustomization first`] : []),
        ...result.notes.map((n) => `# substitution: ${n}`),
        ...[...result.missing].map(([name, where]) => `# warning: \${${name}} has no value and no default (in ${where.join(', ')}): Flux substitutes an empty string`),
        ...[...result.unknown].map(([name, where]) => `# \${${name}} is not known here (in ${where.join(', ')}): kept as written`),
      ];
      return {
        content: `${header.join('\n')}\n${renderedYaml(result.objects, shown)}`,
        objects: result.objects.length,
        missing: [...result.missing.keys()],
      };
    } catch (error) {
      if (error instanceof RenderError || error instanceof EngineMissingError) return { error: error.message };
      if (controller.signal.aborted) return { error: 'cancelled' };
      throw error;
    }
  });
}
