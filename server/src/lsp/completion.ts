// textDocument/completion → language/completion.ts
import type { ServerContext } from './context';

export function registerCompletion(ctx: ServerContext): void {
  ctx.connection.onCompletion(() => []);
}
