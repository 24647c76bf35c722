// fluxOci/checkRegistry: does a registry accept these credentials? Sign-in asks before it keeps
// a secret, so a mistyped token is caught at once instead of as a warning on some later edit.
import { CheckRegistryRequest } from '../protocol';
import type { ServerContext } from './context';

export function registerRegistryCheck(ctx: ServerContext): void {
  ctx.connection.onRequest(CheckRegistryRequest, async ({ registry, credentials, insecure }, token) => {
    const controller = new AbortController();
    token.onCancellationRequested(() => controller.abort());
    const client = ctx.registry.probeClient(registry, credentials, { insecure });
    try {
      await client.checkAccess(registry, { signal: AbortSignal.any([controller.signal, AbortSignal.timeout(30_000)]) });
      return { ok: true, message: `${registry} accepted the credentials` };
    } catch (error) {
      // Registry and transport errors are written for users and never hold credentials.
      return { ok: false, message: error instanceof Error ? error.message : String(error) };
    } finally {
      client.close();
    }
  });
}
