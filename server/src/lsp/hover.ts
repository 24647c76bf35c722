// textDocument/hover → language/hover (markdown + range) → LSP Hover.
import { MarkupKind } from 'vscode-languageserver/node';
import type { ServerContext } from './context';
import { hover } from '../language/hover';

export function registerHover(ctx: ServerContext): void {
  ctx.connection.onHover((params) => {
    const file = ctx.fileFor(params.textDocument.uri);
    if (!file) return null;
    const result = hover({ file, position: params.position, index: ctx.index });
    return result ? { contents: { kind: MarkupKind.Markdown, value: result.markdown }, range: result.range } : null;
  });
}
