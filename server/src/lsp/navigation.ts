// Definition, references, document and workspace symbols over the workspace index.
import type { ServerContext } from './context';

export function registerNavigation(ctx: ServerContext): void {
  ctx.connection.onDefinition(() => null);
  ctx.connection.onReferences(() => []);
  ctx.connection.onDocumentSymbol(() => []);
  ctx.connection.onWorkspaceSymbol(() => []);
}
