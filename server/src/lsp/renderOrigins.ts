// Diagnostics on a rendered document (flux-render:) point back to the files the objects came
// from: each object of the render follows a `# from ./path` comment (kustomize's origin), and a
// diagnostic inside it gets that file as related information, so a click reaches the source
// (the object's own document when the file holds several).
import type { Diagnostic } from 'vscode-languageserver/node';
import type { ServerContext } from './context';
import { applyGraphOf } from '../language/applyGraph';
import { RENDER_SCHEME } from '../protocol';
import { contentLine } from './render';
import type { PlacedDocument } from '../language/documents';

/** Finds the line where an object of that kind (and rendered name) starts in a source file. */
export type ObjectLocator = (uri: string, kind: string | undefined, renderedName: string | undefined) => number | undefined;

/** The diagnostics with the source file of their object as related information. */
export function pointToSources(text: string, diagnostics: readonly Diagnostic[], sourceRootUri: string, locate?: ObjectLocator): Diagnostic[] {
  const lines = text.split('\n');
  const root = sourceRootUri.endsWith('/') ? sourceRootUri : `${sourceRootUri}/`;
  return diagnostics.map((d) => {
    for (let l = Math.min(d.range.start.line, lines.length - 1); l >= 0; l--) {
      const from = /^# from (\.\/\S.*)$/.exec(lines[l]);
      if (from) {
        const uri = new URL(from[1], root).href;
        const { kind, name } = objectHead(lines, l + 1);
        const line = locate?.(uri, kind, name) ?? 0;
        const location = { uri, range: { start: { line, character: 0 }, end: { line, character: 0 } } };
        return { ...d, relatedInformation: [...(d.relatedInformation ?? []), { location, message: `this object comes from ${from[1]}` }] };
      }
      if (lines[l] === '---' && l < d.range.start.line) break;
    }
    return d;
  });
}

/** The kind and metadata.name of the rendered object whose lines start at `first`, read off its lines. */
function objectHead(lines: readonly string[], first: number): { kind?: string; name?: string } {
  let kind: string | undefined;
  let name: string | undefined;
  let inMetadata = false;
  for (let l = first; l < lines.length && lines[l] !== '---'; l++) {
    const line = lines[l];
    if (/^\S/.test(line)) inMetadata = line.startsWith('metadata:');
    kind ??= /^kind: *["']?([^"'\s#]+)/.exec(line)?.[1];
    if (inMetadata) name ??= /^ {2}name: *["']?([^"'\s#]+)/.exec(line)?.[1];
  }
  return { kind, name };
}

/**
 * The line where the object starts among a source file's documents: the only document of its
 * kind, else the one whose name the rendered name contains (kustomize adds prefixes and
 * suffixes), the longest such name first.
 */
export function objectLine(documents: readonly PlacedDocument[], kind: string | undefined, renderedName: string | undefined): number | undefined {
  const docs = documents.filter((doc) => doc.parsed.identity?.kind === kind);
  const nameOf = (doc: PlacedDocument) => { const own = doc.parsed.identity?.name; return typeof own === 'string' ? own : ''; };
  const named = renderedName === undefined ? [] : docs
    .filter((doc) => nameOf(doc) !== '' && renderedName.includes(nameOf(doc)))
    .sort((a, b) => nameOf(b).length - nameOf(a).length);
  const doc = named[0] ?? (docs.length === 1 ? docs[0] : undefined);
  return doc ? contentLine(doc) : undefined;
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
  return applier ? pointToSources(text(), diagnostics, applier.root.uri, (source, kind, name) => objectLine(ctx.fileFor(source)?.documents ?? [], kind, name)) : diagnostics;
}
