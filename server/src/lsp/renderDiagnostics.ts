// Warnings that only a render can give, on the Kustomization itself: a `${VAR}` in what it applies
// that has no value and no default (Flux substitutes an empty string), and a build that fails.
// Renders run in the background, one at a time, for open files' Kustomizations with postBuild,
// in a trusted workspace with a kustomize engine; the results are merged into the file's
// diagnostics when they arrive (like the live registry checks) and kept until the Kustomization's
// text, the workspace's structure, or any file under the source root it renders from changes
// (an edited ConfigMap of substituteFrom, a `${VAR}` written in an applied file).
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver/node';
import type { ServerContext } from './context';
import type { YamlFile, PlacedDocument, ParsedDocument } from '../language/documents';
import { applyGraphOf, type Applier } from '../language/applyGraph';
import { detectEngine, RenderError } from '../render/engine';
import { renderKustomization } from '../render/render';
import { isKustomization, renderInputOf } from './render';

export const MISSING_VARIABLE = 'flux/substitute-missing-variable';
export const RENDER_FAILED = 'flux/render-failed';

/** What a render was made from: the document's parse, the graph and structure versions, and the changes under its root. */
interface Signature {
  parsed: ParsedDocument;
  graph: number;
  structure: number;
  changes: number;
}

interface Entry {
  signature: Signature;
  diagnostics: Diagnostic[];
}

const sameSignature = (a: Signature | undefined, b: Signature) =>
  a !== undefined && a.parsed === b.parsed && a.graph === b.graph && a.structure === b.structure && a.changes === b.changes;

export function createRenderDiagnostics(ctx: ServerContext, republish: (uri: string) => void): { diagnostics(uri: string, file: YamlFile): Diagnostic[] } {
  const results = new Map<string, Entry>();
  const queue: Array<{ uri: string; index: number; signature: Signature }> = [];
  const queued = new Set<string>();
  let running = false;
  /** Per rendered Kustomization: the source root's URI prefix, and how often a file under it changed. */
  const inputs = new Map<string, { uri: string; rootPrefix: string; changes: number }>();

  // Compared by identity and numbers, never by text: this runs for every Kustomization of an open
  // file on every publish.
  const signatureOf = (uri: string, doc: PlacedDocument): Signature => ({
    parsed: doc.parsed,
    graph: applyGraphOf(ctx.index).version,
    structure: ctx.index.structureVersion,
    changes: inputs.get(`${uri}#${doc.index}`)?.changes ?? 0,
  });

  /**
   * Only a Kustomization that substitutes (its own postBuild or one its parents' patches give
   * it; the applier's facts are patched) of a folder certainly in this workspace is rendered:
   * a failure is then Flux's too, and without variables nothing can be missing.
   */
  const worthRendering = (applier: Applier | undefined): applier is Applier & { folder: string } =>
    Boolean(applier?.facts.substitutes && applier.folder && applier.relation === 'workspace');

  // A change under a rendered root makes that render stale: count it, and have the Kustomization's
  // file judged again (its diagnostics call then queues a new render).
  ctx.index.onDidChangeFile((changed) => {
    const touched = new Set<string>();
    for (const [key, input] of inputs) {
      if (!ctx.documents.get(input.uri)) {
        // Closed since: its render is judged afresh when it opens again.
        inputs.delete(key);
        results.delete(key);
        continue;
      }
      if (changed === input.uri || !changed.startsWith(input.rootPrefix)) continue;
      input.changes++;
      touched.add(input.uri);
    }
    for (const uri of touched) republish(uri);
  });

  const postBuildRange = (doc: PlacedDocument) => {
    const lines = doc.chunk.text.split('\n');
    const at = lines.findIndex((l) => /^\s+postBuild:/.test(l));
    const line = doc.chunk.startLine + Math.max(at, 0);
    const character = at >= 0 ? lines[at].indexOf('postBuild') : 0;
    return { start: { line, character }, end: { line, character: character + (at >= 0 ? 'postBuild'.length : 0) } };
  };

  async function renderOne(uri: string, index: number, signature: Signature): Promise<Diagnostic[] | undefined> {
    const file = ctx.fileFor(uri);
    const doc = file?.documents[index];
    if (!doc || !sameSignature(signatureOf(uri, doc), signature)) return undefined;
    const graph = applyGraphOf(ctx.index);
    const applier = graph.applierAt(uri, index);
    if (!worthRendering(applier) || !graph.hasFolder(applier.folder)) return [];
    const { spec, root, lookup } = renderInputOf(ctx, uri, doc, applier);
    const key = `${uri}#${index}`;
    const rootPrefix = `${pathToFileURL(root).href.replace(/\/$/, '')}/`;
    if (inputs.get(key)?.rootPrefix !== rootPrefix) inputs.set(key, { uri, rootPrefix, changes: inputs.get(key)?.changes ?? 0 });
    if (!spec.postBuild) return [];
    let engine;
    try {
      engine = await detectEngine(ctx.settings().render.kustomizePath);
    } catch {
      return [];
    }
    const range = postBuildRange(doc);
    try {
      const result = await renderKustomization({
        spec, root, folder: fileURLToPath(applier.folder), engine, lookup,
        ignorePaths: applier.artifact?.ignorePaths,
      });
      return [...result.missing].map(([name, objects]): Diagnostic => ({
        range,
        severity: DiagnosticSeverity.Warning,
        source: 'flux-oci',
        code: MISSING_VARIABLE,
        message: `\${${name}} has no value and no default (in ${objects.join(', ')}): Flux substitutes an empty string. Add ${name} to postBuild.substitute, or give it a default: \${${name}:=value}`,
      }));
    } catch (error) {
      if (!(error instanceof RenderError)) return [];
      return [{ range, severity: DiagnosticSeverity.Warning, source: 'flux-oci', code: RENDER_FAILED, message: `Flux cannot build what this Kustomization applies: ${error.message}` }];
    }
  }

  async function drain(): Promise<void> {
    if (running) return;
    running = true;
    try {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const key = `${next.uri}#${next.index}`;
        queued.delete(key);
        const diagnostics = await renderOne(next.uri, next.index, next.signature).catch(() => []);
        // One render per turn of the event loop: requests come first.
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (!diagnostics) continue;
        const before = results.get(key);
        results.set(key, { signature: next.signature, diagnostics });
        if (JSON.stringify(before?.diagnostics ?? []) !== JSON.stringify(diagnostics)) republish(next.uri);
      }
    } finally {
      running = false;
    }
  }

  return {
    diagnostics(uri, file) {
      if (!ctx.registry.trusted || !ctx.settings().render.checkVariables) return [];
      const out: Diagnostic[] = [];
      const graph = applyGraphOf(ctx.index);
      for (const doc of file.documents) {
        const id = doc.parsed.identity;
        if (!id || !isKustomization(id.apiVersion, id.kind)) continue;
        const key = `${uri}#${doc.index}`;
        const known = results.get(key);
        if (!known && !worthRendering(graph.applierAt(uri, doc.index))) continue;
        if (known) out.push(...known.diagnostics);
        const signature = signatureOf(uri, doc);
        if (!sameSignature(known?.signature, signature) && !queued.has(key)) {
          queued.add(key);
          queue.push({ uri, index: doc.index, signature });
          setImmediate(() => void drain());
        }
      }
      return out;
    },
  };
}
