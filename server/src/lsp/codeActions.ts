// textDocument/codeAction → quick fixes of language/rules.
import type { ServerContext } from './context';

export function registerCodeActions(ctx: ServerContext): void {
  ctx.connection.onCodeAction(() => []);
}
