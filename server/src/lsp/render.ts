// "Show What Flux Applies": a code lens on every Flux Kustomization, and the request that renders
// it (render/): the folder its spec.path names in the source the apply graph placed, built as
// kustomize-controller builds it. Only in a trusted workspace: rendering runs kustomize on the
// workspace's files.
import { fileURLToPath } from 'node:url';
import { isAbsolute, join, relative, sep } from 'node:path';
import type { CodeLens } from 'vscode-languageserver/node';
import type { ServerContext } from './context';
import { applyGraphOf } from '../language/applyGraph';
import { COMPARE_RENDERED_COMMAND, RenderKustomizationRequest, SHOW_RENDERED_COMMAND, type RenderKustomizationResult } from '../protocol';
import { describeEngine, detectEngine, EngineMissingError, RenderError } from '../render/engine';
import { renderKustomization, renderedYaml } from '../render/render';
import { isRecord, renderSpecOf } from '../render/spec';
import { applyParentPatches } from '../render/parentPatches';
import { workspaceLookup, type FoundObject } from '../render/workspaceObjects';
import { ArtifactStore, ociUrl } from '../registry/artifacts';
import { RegistryError } from '../oci/registry';
import { TransportError } from '../oci/transport';
import { documentGraphFacts, type SourceFacts } from '../language/applyFacts';
import { normalizeSourcePath, type Applier } from '../language/applyGraph';
import { parseReference } from '../oci/reference';
import { resolveOciRef } from '../registry/ociRef';
import { signalOf } from './explorer';
import type { WorkspaceIndex } from '../language/workspaceIndex';
import type { PlacedDocument } from '../language/documents';
import type { RenderSpec } from '../render/spec';
import type { SourceLookup } from '../render/variables';

export const isKustomization = (apiVersion: string | undefined, kind: string | undefined) => kind === 'Kustomization' && (apiVersion ?? '').startsWith('kustomize.toolkit.fluxcd.io/');

/**
 * The first line of a document that is neither its `---` marker, blank nor a comment: where its
 * object starts (a document's chunk begins at the marker that opens it).
 */
export const contentLine = (doc: PlacedDocument) => doc.chunk.startLine + (doc.chunk.text.match(/^(?:---[ \t]*(?:#.*)?\n)?(?:[ \t]*(?:#.*)?\n)*/)?.[0].split('\n').length ?? 1) - 1;

/** A path as a user reads it: `./apps/x.yaml` under `base`, else as it is. */
const shownFrom = (base: string) => (path: string) => {
  const rel = relative(base, path);
  return rel.startsWith('..') || isAbsolute(rel) ? path : `./${rel}`;
};

/**
 * The ConfigMaps and Secrets `substituteFrom` may read, from the workspace index (open files as
 * edited, the rest as on disk) rather than by reading the workspace again for every render.
 */
function indexedObjects(index: WorkspaceIndex, kinds: readonly string[], root: string): FoundObject[] {
  const found: FoundObject[] = [];
  const under = root.endsWith(sep) ? root : `${root}${sep}`;
  for (const kind of kinds) {
    for (const object of index.objectsOfKind(kind)) {
      if (!object.uri.startsWith('file:')) continue;
      const file = fileURLToPath(object.uri);
      // Only the source's own files, as a walk of its root would find them.
      if (!file.startsWith(under)) continue;
      const doc = index.documentOf(object);
      const plain = doc?.parsed.plainValue;
      if (!doc || !plain?.ok || !isRecord(plain.value)) continue;
      found.push({ value: plain.value, file, line: contentLine(doc) + 1 });
    }
  }
  return found;
}

export interface RenderInput {
  /** The Kustomization as the cluster gets it: with what the patches of the Kustomizations applying it write. */
  spec: RenderSpec;
  parents: ReturnType<ReturnType<typeof applyGraphOf>['patchesFor']>;
  /** The source's root on disk. */
  root: string;
  lookup: SourceLookup;
}

/** What the view and the background check both render from, for one Kustomization document. */
export function renderInputOf(ctx: ServerContext, uri: string, doc: PlacedDocument, applier: Applier): RenderInput {
  if (applier.facts.madeBy) {
    // The Operator's Kustomization exists in the cluster only: its name, namespace and the sync
    // path, with no patches or substitution of its own (as `flux bootstrap` writes it).
    const root = fileURLToPath(applier.root.uri);
    const spec = renderSpecOf({ metadata: { name: applier.facts.name, namespace: applier.facts.namespace }, spec: { path: applier.facts.path } });
    return { spec, parents: [], root, lookup: workspaceLookup([], shownFrom(root)) };
  }
  const parents = applyGraphOf(ctx.index).patchesFor(uri, doc);
  const spec = renderSpecOf(applyParentPatches(doc.parsed.yaml.toJS(), parents.map((p) => p.patch.body)));
  const root = fileURLToPath(applier.root.uri);
  return { spec, parents, root, lookup: workspaceLookup(indexedObjects(ctx.index, ['ConfigMap', 'Secret'], root), shownFrom(root)) };
}

/** The OCIRepository a Kustomization syncs from, as the index knows it (FluxInstance-made ones too), with its `spec.ref` as written. */
function ociSourceOf(index: WorkspaceIndex, applier: Applier): { source: SourceFacts; ref: Record<string, unknown> } | undefined {
  const ref = applier.facts.sourceRef;
  if (ref?.kind !== 'OCIRepository') return undefined;
  const namespace = ref.namespace ?? applier.facts.namespace ?? 'flux-system';
  for (const object of index.objectsOfKind('OCIRepository')) {
    const doc = index.documentOf(object);
    const source = doc ? documentGraphFacts(doc.parsed).source : undefined;
    if (source?.name === ref.name && (source.namespace ?? namespace) === namespace && source.url) {
      const plain: unknown = doc?.parsed.yaml.toJS();
      const spec = isRecord(plain) && isRecord(plain.spec) ? plain.spec : {};
      // A FluxInstance's sync has a plain `ref` string: a tag, or a digest or range (anyTag).
      const written = isRecord(spec.ref) ? spec.ref : source.tag ? { tag: source.tag } : {};
      return { source, ref: written };
    }
  }
  return undefined;
}

/**
 * The Kustomization a document stands for, if any: a Flux Kustomization, or the one the Flux
 * Operator makes from a FluxInstance's sync (or the flux-instance chart's values).
 */
export function renderTargetAt(graph: ReturnType<typeof applyGraphOf>, uri: string, doc: PlacedDocument): { name: string; applier?: Applier } | undefined {
  const id = doc.parsed.identity;
  if (!id) return undefined;
  const applier = graph.applierAt(uri, doc.index);
  if (isKustomization(id.apiVersion, id.kind)) return id.name ? { name: id.name, applier } : undefined;
  return applier?.facts.madeBy && applier.facts.name ? { name: applier.facts.name, applier } : undefined;
}

export function registerRender(ctx: ServerContext): void {
  const store = new ArtifactStore(ctx.registry);
  ctx.registry.onDidChange(() => void store.clear());
  process.once('exit', () => store.dispose());
  ctx.connection.onShutdown(() => store.dispose());
  ctx.connection.onCodeLens(({ textDocument }): CodeLens[] => {
    const file = ctx.fileFor(textDocument.uri);
    if (!file) return [];
    const lenses: CodeLens[] = [];
    const graph = applyGraphOf(ctx.index);
    for (const doc of file.documents) {
      const target = renderTargetAt(graph, textDocument.uri, doc);
      if (!target) continue;
      const line = contentLine(doc);
      const range = { start: { line, character: 0 }, end: { line, character: 0 } };
      lenses.push({ range, command: { title: 'Show What Flux Applies', command: SHOW_RENDERED_COMMAND, arguments: [textDocument.uri, doc.index, target.name] } });
      if (target.applier?.folder && target.applier.facts.sourceRef?.kind === 'OCIRepository') {
        lenses.push({ range, command: { title: 'Compare with Published', command: COMPARE_RENDERED_COMMAND, arguments: [textDocument.uri, doc.index, target.name] } });
      }
    }
    return lenses;
  });

  ctx.connection.onRequest(RenderKustomizationRequest, async ({ uri, documentIndex, published }, token): Promise<RenderKustomizationResult> => {
    if (!ctx.registry.trusted) return { error: 'Rendering runs kustomize on this workspace\'s files: trust the workspace first.' };
    await ctx.workspaceIndexed();
    const file = ctx.fileFor(uri);
    const doc = file?.documents[documentIndex];
    const graph = applyGraphOf(ctx.index);
    const target = doc && renderTargetAt(graph, uri, doc);
    if (!doc || !target) return { error: 'No Flux Kustomization there any more.' };
    const applier = target.applier;
    if (!applier?.folder) {
      return { error: `The source of ${target.name} is not in this workspace (${applier?.sourceNote ?? 'its source is not known'}), so there is nothing here to render.` };
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
      const { spec, parents, root, lookup } = renderInputOf(ctx, uri, doc, applier);
      let built = { root, folder: fileURLToPath(applier.folder), what: graph.describeFolder(applier.folder) + (applier.artifactNote ? ` of ${applier.artifactNote}` : '') };
      if (published) {
        // What the cluster syncs now: the OCIRepository's tag, resolved and unpacked in this session.
        const synced = ociSourceOf(ctx.index, applier);
        if (!synced?.source.url) return { error: 'Compare with Published needs the OCIRepository this Kustomization syncs, and it is not in this workspace.' };
        if (synced.source.anyTag && typeof synced.ref.digest !== 'string' && typeof synced.ref.semver !== 'string') {
          return { error: `${synced.source.name} selects its artifact by a ref this view cannot resolve: use flux-oci diff kustomization in a terminal.` };
        }
        const base = parseReference(synced.source.url.replace(/^oci:\/\//, ''));
        const resolved = await resolveOciRef(ctx.registry.clientFor(base.registry), base, synced.ref, signalOf(token));
        const artifact = await store.open(resolved.ref, signalOf(token));
        const path = normalizeSourcePath(applier.facts.path);
        built = { root: artifact.dir, folder: path ? join(artifact.dir, path) : artifact.dir, what: `${applier.facts.path || './'} of the published ${ociUrl(artifact.reference)} (${resolved.how})` };
      }
      const result = await renderKustomization({
        spec,
        root: built.root,
        folder: built.folder,
        engine,
        lookup,
        ignorePaths: applier.artifact?.ignorePaths,
        origins: true,
        signal: controller.signal,
      });
      const header = [
        `# What Flux applies for Kustomization ${spec.namespace}/${spec.name}: ${built.what}`,
        `# rendered with ${await describeEngine(engine)}${result.generated ? '; no kustomization.yaml there, so one was generated as Flux does' : ''}`,
        ...(applier.facts.madeBy ? [`# the Kustomization the Flux Operator makes from this ${applier.facts.madeBy === 'FluxInstance' ? 'FluxInstance\'s spec.sync' : 'flux-instance chart\'s instance.sync values'}`] : []),
        ...(parents.length ? [`# with ${parents.length === 1 ? 'the patch' : `${parents.length} patches`} of ${[...new Set(parents.map((p) => `Kustomization ${p.by.facts.name ?? '?'}`))].join(', ')} applied to this Kustomization first`] : []),
        ...result.notes.map((n) => `# substitution: ${n}`),
        ...[...result.missing].map(([name, where]) => `# warning: \${${name}} has no value and no default (in ${where.join(', ')}): Flux substitutes an empty string`),
        ...[...result.unknown].map(([name, where]) => `# \${${name}} is not known here (in ${where.join(', ')}): kept as written`),
      ];
      return {
        content: `${header.join('\n')}\n${renderedYaml(result.objects, shownFrom(built.root))}`,
        objects: result.objects.length,
        missing: [...result.missing.keys()],
      };
    } catch (error) {
      if (error instanceof RenderError || error instanceof EngineMissingError || error instanceof RegistryError || error instanceof TransportError) return { error: error.message };
      if (controller.signal.aborted) return { error: 'cancelled' };
      throw error;
    }
  });
}
