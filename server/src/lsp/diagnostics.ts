// Publishes diagnostics for open documents: per-document findings (cached by text) plus
// workspace rules that look at other files through the index. When a change alters what files
// offer each other (objects, their Secret facts, references, kustomize lists), the other open
// documents are re-checked too, since their cross-file findings may change.
import type { ServerContext } from './context';
import { crossFileSignature } from '../language/rules';
import { lintAsApplied } from '../language/appliedFindings';
import { toDiagnostic } from './convert';
import type { Diagnostic } from 'vscode-languageserver/node';
import type { YamlFile } from '../language/documents';

/** Extra diagnostics computed without waiting (live registry checks), appended to the rest. */
export type ExtraDiagnostics = (uri: string, file: YamlFile, version: number) => Diagnostic[];

export function createDiagnosticsPublisher(ctx: ServerContext, extra?: ExtraDiagnostics): { schedule(uri: string): void } {
  const pending = new Set<string>();
  let lastSignature: string | undefined;

  function publish(uri: string): void {
    const document = ctx.documents.get(uri);
    if (!document) return;
    const file = ctx.fileFor(uri);
    if (!file) return;
    const signature = crossFileSignature(file, ctx.index);
    if (signature !== lastSignature) {
      lastSignature = signature;
      for (const other of ctx.documents.all()) if (other.uri !== uri) schedule(other.uri);
    }
    const context = ctx.lintContext();
    const diagnostics = ctx.settings().validate.enable
      ? [...lintAsApplied(file, ctx.index, context).map(toDiagnostic), ...(extra?.(uri, file, document.version) ?? [])]
      : [];
    void ctx.connection.sendDiagnostics({ uri, version: document.version, diagnostics });
  }

  // Coalesce bursts of changes: lint once per turn of the event loop for each document.
  function schedule(uri: string): void {
    if (pending.has(uri)) return;
    pending.add(uri);
    setImmediate(() => {
      pending.delete(uri);
      publish(uri);
    });
  }

  return { schedule };
}
