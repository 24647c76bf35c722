// Publishes diagnostics for open documents: per-document findings (cached by text) plus
// workspace rules that look at other files through the index, kept per file by a FileChecker
// so an edit re-checks only the documents it changed, then judged as Flux applies them (the
// apply graph drops what a parent's patches or substitution make moot; appliedFindings.ts), plus
// the live registry diagnostics. When a change alters what files
// offer each other (objects, their Secret facts, references, kustomize lists), the other open
// documents are re-checked too, since their cross-file findings may change.
import type { ServerContext } from './context';
import { crossFileSignature } from '../language/rules';
import { checkAsApplied } from '../language/appliedFindings';
import { FileChecker } from '../language/fileChecker';
import { isReady } from './openDocuments';
import { toDiagnostic } from './convert';
import type { Diagnostic } from 'vscode-languageserver/node';
import type { YamlFile } from '../language/documents';
import type { Finding } from '../language/types';
import { applyGraphOf } from '../language/applyGraph';
import { NOT_FULLY_JUDGED } from '../language/appliedFindings';
import { renderedDiagnostics } from './renderOrigins';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Extra diagnostics computed without waiting (live registry checks), appended to the rest. */
export type ExtraDiagnostics = (uri: string, file: YamlFile, version: number) => Diagnostic[];

export function createDiagnosticsPublisher(ctx: ServerContext, extra?: ExtraDiagnostics): { schedule(uri: string): void } {
  const pending = new Set<string>();
  let lastSignature: string | undefined;
  /** Per open file: its findings kept current edit by edit (only changed documents are re-checked). */
  const checkers = new Map<string, FileChecker>();
  // Findings the checker keeps from one publish to the next keep their converted diagnostic.
  const converted = new WeakMap<Finding, Diagnostic>();
  const convert = (finding: Finding): Diagnostic => {
    let diagnostic = converted.get(finding);
    if (!diagnostic) {
      diagnostic = toDiagnostic(finding);
      converted.set(finding, diagnostic);
    }
    return diagnostic;
  };

  /** Files already named in the log as not fully judged, by graph version. */
  const loggedShortfalls = new Map<string, number>();
  let building = false;

  /**
   * Brings the apply graph up to date a slice at a time before judging a file: hover,
   * completion and symbols are answered between slices, however long the workspace takes.
   */
  async function settleGraph(): Promise<void> {
    const graph = applyGraphOf(ctx.index);
    let slices = 0;
    await graph.settle(async () => {
      if (slices++ === 0 && !building) {
        building = true;
        ctx.connection.console.log('Apply graph: building in slices (requests are answered meanwhile)');
      }
      await nextTurn();
    });
    if (building && slices > 0) {
      building = false;
      ctx.connection.console.log(`Apply graph: built in ${slices + 1} slices${graph.shortfall ? `, stopped at its limit of ${graph.shortfall.limit} steps` : ''}`);
    }
  }

  async function publish(uri: string): Promise<void> {
    await settleGraph();
    for (const known of checkers.keys()) if (!ctx.documents.get(known)) checkers.delete(known);
    const document = ctx.documents.get(uri);
    if (!document || !isReady(document)) return;
    const file = ctx.fileFor(uri);
    if (!file) return;
    let checker = checkers.get(uri);
    if (checker?.file !== file) {
      checker = new FileChecker(file);
      checkers.set(uri, checker);
    }
    const signature = crossFileSignature(file, ctx.index);
    if (signature !== lastSignature) {
      lastSignature = signature;
      for (const other of ctx.documents.all()) if (other.uri !== uri) schedule(other.uri);
    }
    const context = ctx.lintContext();
    const diagnostics = ctx.settings().validate.enable
      ? [...checkAsApplied(checker, ctx.index, context).map(convert), ...(extra?.(uri, file, document.version) ?? [])]
      : [];
    const unjudged = diagnostics.find((d) => d.code === NOT_FULLY_JUDGED);
    const graphVersion = applyGraphOf(ctx.index).version;
    if (unjudged && loggedShortfalls.get(uri) !== graphVersion) {
      loggedShortfalls.set(uri, graphVersion);
      ctx.connection.console.warn(`Not fully judged: ${uri}: ${unjudged.message.replace(/^not fully judged: /, '')}`);
    }
    void ctx.connection.sendDiagnostics({ uri, version: document.version, diagnostics: renderedDiagnostics(ctx, uri, () => document.getText(), diagnostics) });
  }

  // Coalesce bursts of changes: lint once per turn of the event loop for each document.
  function schedule(uri: string): void {
    if (pending.has(uri)) return;
    pending.add(uri);
    setImmediate(() => {
      pending.delete(uri);
      publish(uri).catch((error: unknown) => ctx.connection.console.error(`Diagnostics for ${uri} failed: ${(error as Error).stack ?? String(error)}`));
    });
  }

  return { schedule };
}
