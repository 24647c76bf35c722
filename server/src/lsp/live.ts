// Live registry intelligence, wired into the LSP: diagnostics (merged by diagnostics.ts),
// completion (merged by completion.ts), completionItem/resolve, hover (merged by hover.ts),
// quick fixes (merged by codeActions.ts) and inlay hints. Everything goes through the window's
// one RegistrySession and its TagCache; nothing here depends on a particular editor.
import type { CancellationToken, CodeAction, CompletionItem, Diagnostic } from 'vscode-languageserver/node';
import type { YamlFile } from '../language/documents';
import type { Position } from '../language/types';
import type { ServerContext } from './context';
import { createLiveDiagnostics } from './liveDiagnostics';
import { createLiveCompletion, type LiveCompletionResult } from './liveCompletion';
import { createLiveHover } from './liveHover';
import { createImagePolicyHover } from './liveImagePolicy';

export interface LiveFeatures {
  diagnostics(uri: string, file: YamlFile, version: number): Diagnostic[];
  codeActions(uri: string, diagnostic: Diagnostic): CodeAction[];
  complete(file: YamlFile, position: Position, token: CancellationToken): Promise<LiveCompletionResult | undefined>;
  hover(file: YamlFile, position: Position, token: CancellationToken): Promise<string | undefined>;
  dispose(): void;
}

/** Registers resolve and inlay hints; returns the hooks the other feature modules merge. */
export function registerLive(ctx: ServerContext, republish: (uri: string) => void): LiveFeatures {
  const diagnostics = createLiveDiagnostics(ctx, republish);
  const completion = createLiveCompletion(ctx, diagnostics.cache);
  const hovers = createLiveHover(ctx, diagnostics.cache);
  const imagePolicyHover = createImagePolicyHover(ctx, diagnostics.cache);

  ctx.connection.onCompletionResolve((item: CompletionItem, token) => completion.resolve(item, token));
  ctx.connection.languages.inlayHint.on(({ textDocument, range }) => {
    const file = ctx.fileFor(textDocument.uri);
    return file ? hovers.inlayHints(file, range) : [];
  });
  let refreshing: NodeJS.Timeout | undefined;
  diagnostics.onDidChange(() => {
    if (refreshing) return;
    refreshing = setTimeout(() => {
      refreshing = undefined;
      void ctx.connection.languages.inlayHint.refresh().catch(() => undefined);
    }, 200);
  });

  return {
    diagnostics: diagnostics.diagnostics,
    codeActions: diagnostics.codeActions,
    complete: completion.complete,
    hover: async (file, position, token) => (await hovers.hover(file, position, token)) ?? imagePolicyHover(file, position, token),
    dispose: () => diagnostics.dispose(),
  };
}
