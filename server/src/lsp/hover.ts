// textDocument/hover → language/hover (markdown + range) → LSP Hover.
import { MarkupKind, type CancellationToken, type Position } from 'vscode-languageserver/node';
import type { YamlFile } from '../language/documents';
import type { ServerContext } from './context';
import { hover } from '../language/hover';

/** Hover text that may ask a registry (live resolution), appended below the core's. */
export type ExtraHover = (file: YamlFile, position: Position, token: CancellationToken) => Promise<string | undefined>;

export function registerHover(ctx: ServerContext, extra?: ExtraHover): void {
  ctx.connection.onHover(async (params, token) => {
    const file = ctx.fileFor(params.textDocument.uri);
    if (!file) return null;
    const result = hover({ file, position: params.position, index: ctx.index });
    const more = extra ? await extra(file, params.position, token) : undefined;
    if (!result && !more) return null;
    const value = [result?.markdown, more].filter(Boolean).join('\n\n---\n\n');
    return { contents: { kind: MarkupKind.Markdown, value }, ...(result ? { range: result.range } : {}) };
  });
}
