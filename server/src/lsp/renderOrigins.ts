// Diagnostics on a rendered document (flux-render:) point back to the files the objects came
// from: each object of the render follows a `# from ./path` comment (kustomize's origin), and a
// diagnostic inside it gets that file as related information, so a click reaches the source.
import type { Diagnostic } from 'vscode-languageserver/node';
import type { ServerContext } from './context';
import { applyGraphOf } from '../language/applyGraph';
import { RENDER_SCHEME } from '../protocol';


/** The diagnostics with the source file of their object as related information. */
export function pointToSources(text: string, diagnostics: readonly Diagnostic[], sourceRootUri: string): Diagnostic[] {
  const lines = text.split('\n');
  const root = sourceRootUri.endsWith('/') ? sourceRootUri : `${sourceRootUri}/`;
  return diagnostics.map((d) => {
    for (let l = Math.min(d.range.start.line, lines.length - 1); l >= 0; l--) {
      const from = /^# from (\.\/\S.*)$/.exec(lines[l]);
      if (from) {
        const location = { uri: new URL(from[1], root).href, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } };
        return { ...d, relatedInformation: [...(d.relatedInformation ?? []), { location, message: `this object comes from ${from[1]}` }] };
      }
      if (lines[l] === '---' && l < d.range.start.line) break;
    }
    return d;
  });
}

/** For a rendered document of the local folder: its diagnostics pointed back; others unchanged. */
export function renderedDiagnostics(ctx: ServerContext, uri: string, text: () => string, diagnostics: Diagnostic[]): Diagnostic[] {
  if (!uri.startsWith(`${RENDER_SCHEME}:`) || diagnostics.length === 0) return diagnostics;
  let target: { uri?: unknown; documentIndex?: unknown; published?: unknown };
  try {
    target = JSON.parse(decodeURIComponent(new URL(uri).search.slice(1))) as typeof target;
  } catch {
    return diagnostics;
  }
  if (target.published || typeof target.uri !== 'string' || typeof target.documentIndex !== 'number') return diagnostics;
  const applier = applyGraphOf(ctx.index).applierAt(target.uri, target.documentIndex);
  return applier ? pointToSources(text(), diagnostics, applier.root.uri) : diagnostics;
}
