// textDocument/codeAction → quick fixes computed by language/rules, turned into LSP CodeActions.
import { CodeActionKind, type CodeAction, type Diagnostic } from 'vscode-languageserver/node';
import { quickFixesFor, type QuickFix } from '../language/rules/fixes';
import type { ServerContext } from './context';
import { DIAGNOSTIC_SOURCE } from './convert';

export function toCodeAction(fix: QuickFix, diagnostic: Diagnostic): CodeAction {
  return {
    title: fix.title,
    kind: CodeActionKind.QuickFix,
    diagnostics: [diagnostic],
    ...(fix.isPreferred ? { isPreferred: true } : {}),
    edit: { changes: fix.edits },
  };
}

/** Code actions for diagnostics other modules publish (live registry checks). */
export type ExtraCodeActions = (uri: string, diagnostic: Diagnostic) => CodeAction[];

export function registerCodeActions(ctx: ServerContext, extra?: ExtraCodeActions): void {
  ctx.connection.onCodeAction(({ textDocument, context }) => {
    // Quick fixes are all we offer; a request for other kinds (e.g. source actions) gets none.
    if (context.only && !context.only.some((kind) => kind === CodeActionKind.Empty || kind === CodeActionKind.QuickFix)) return [];
    const file = ctx.fileFor(textDocument.uri);
    if (!file) return [];
    const actions: CodeAction[] = [];
    for (const diagnostic of context.diagnostics) {
      if (extra) actions.push(...extra(textDocument.uri, diagnostic));
      if (diagnostic.source !== DIAGNOSTIC_SOURCE || typeof diagnostic.code !== 'string') continue;
      const finding = { code: diagnostic.code, range: diagnostic.range, data: diagnostic.data as unknown };
      for (const fix of quickFixesFor(finding, file, ctx.index, ctx.lintContext())) actions.push(toCodeAction(fix, diagnostic));
    }
    return actions;
  });
}
