// textDocument/hover → language/hover.ts
import type { ServerContext } from './context';

export function registerHover(ctx: ServerContext): void {
  ctx.connection.onHover(() => null);
}
