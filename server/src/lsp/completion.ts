// textDocument/completion → language/completion (plain entries) → LSP completion items.
import { CompletionItemKind, InsertTextFormat, InsertTextMode, MarkupKind, type CancellationToken, type CompletionItem, type Position } from 'vscode-languageserver/node';
import type { YamlFile } from '../language/documents';
import type { ServerContext } from './context';
import { complete, type CompletionEntry, type CompletionEntryKind } from '../language/completion';

const KIND: Record<CompletionEntryKind, CompletionItemKind> = {
  field: CompletionItemKind.Property,
  value: CompletionItemKind.Value,
  enum: CompletionItemKind.EnumMember,
  reference: CompletionItemKind.Reference,
  snippet: CompletionItemKind.Snippet,
  kind: CompletionItemKind.Class,
  version: CompletionItemKind.Constant,
};

export function toCompletionItem(entry: CompletionEntry): CompletionItem {
  const item: CompletionItem = {
    label: entry.label,
    kind: KIND[entry.kind],
    textEdit: { range: entry.range, newText: entry.newText },
    insertTextFormat: entry.snippet ? InsertTextFormat.Snippet : InsertTextFormat.PlainText,
    // Continuation lines are written relative to the cursor line; the editor adds its indentation.
    insertTextMode: InsertTextMode.adjustIndentation,
  };
  if (entry.detail) item.detail = entry.detail;
  if (entry.documentation) item.documentation = { kind: MarkupKind.Markdown, value: entry.documentation };
  if (entry.sortText) item.sortText = entry.sortText;
  if (entry.filterText) item.filterText = entry.filterText;
  if (entry.preselect) item.preselect = true;
  if (entry.retrigger) item.command = { title: 'Suggest values', command: 'editor.action.triggerSuggest' };
  return item;
}

/** Completion that may ask a registry (live tags); merged after the core's entries. */
export type ExtraCompletion = (file: YamlFile, position: Position, token: CancellationToken) => Promise<{ items: CompletionItem[]; incomplete: boolean } | undefined>;

export function registerCompletion(ctx: ServerContext, extra?: ExtraCompletion): void {
  ctx.connection.onCompletion(async (params, token) => {
    const file = ctx.fileFor(params.textDocument.uri);
    if (!file) return [];
    const result = complete({ file, position: params.position, index: ctx.index });
    const more = extra ? await extra(file, params.position, token) : undefined;
    return { isIncomplete: result.incomplete || more?.incomplete === true, items: [...result.entries.map(toCompletionItem), ...(more?.items ?? [])] };
  });
}
