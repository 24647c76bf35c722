// Definition, references, document and workspace symbols over the workspace index.
import { SymbolKind, type DocumentSymbol, type SymbolInformation } from 'vscode-languageserver/node';
import { definitionAt, referencesAt } from '../language/navigation';
import { pathDefinition } from '../language/appliedPaths';
import { documentSymbols, workspaceSymbols } from '../language/symbols';
import type { ServerContext } from './context';

const SYMBOL_KINDS: Record<string, SymbolKind> = {
  Kustomization: SymbolKind.Module,
  HelmRelease: SymbolKind.Package,
  Secret: SymbolKind.Key,
  ConfigMap: SymbolKind.Object,
};
const symbolKind = (kind: string) => SYMBOL_KINDS[kind] ?? (kind.endsWith('Repository') || kind === 'Bucket' || kind === 'HelmChart' ? SymbolKind.Interface : SymbolKind.Class);

export function registerNavigation(ctx: ServerContext): void {
  ctx.connection.onDefinition(({ textDocument, position }) => {
    const file = ctx.fileFor(textDocument.uri);
    const found = definitionAt(ctx.index, textDocument.uri, position);
    return found.length || !file ? found : pathDefinition(file, ctx.index, position);
  });
  ctx.connection.onReferences(({ textDocument, position, context }) => {
    ctx.fileFor(textDocument.uri);
    return referencesAt(ctx.index, textDocument.uri, position, context.includeDeclaration);
  });
  ctx.connection.onDocumentSymbol(({ textDocument }): DocumentSymbol[] => {
    ctx.fileFor(textDocument.uri);
    return documentSymbols(ctx.index, textDocument.uri).map((s) => ({ name: s.name, kind: symbolKind(s.kind), range: s.range, selectionRange: s.selectionRange }));
  });
  ctx.connection.onWorkspaceSymbol(({ query }): SymbolInformation[] =>
    workspaceSymbols(ctx.index, query).map((s) => ({ name: s.name, kind: symbolKind(s.kind), location: { uri: s.uri, range: s.selectionRange } })));
}
