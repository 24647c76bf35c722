// Helpers for the live-intelligence suites: a language server with no Docker credentials of the
// machine, waiting for a state across files, and live diagnostics by code.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { startServer, type LspSession } from '../lsp/lspClient';
import { budget } from '../timing';

/** A server whose Docker config is an empty folder (the machine's logins stay out of tests). */
export function startLiveServer(settings: Record<string, unknown>, options: { initializationOptions?: unknown } = {}): Promise<LspSession> {
  const dockerConfig = mkdtempSync(join(tmpdir(), 'flux-oci-docker-config-'));
  return startServer({ settings, env: { ...process.env, DOCKER_CONFIG: dockerConfig, HOME: dockerConfig }, ...options });
}

/** Polls a condition on state the session already received (diagnostics, proxy records). */
export async function until<T>(what: string | (() => string), check: () => T | undefined | false, timeoutMs = budget(30_000)): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const live = (diagnostics: readonly Diagnostic[] | undefined) => (diagnostics ?? []).filter((d) => typeof d.code === 'string' && d.code.startsWith('live/'));
export const liveCodes = (diagnostics: readonly Diagnostic[] | undefined) => live(diagnostics).map((d) => `${d.range.start.line}:${d.code}`).sort();

/** Counts publishDiagnostics of one file during `ms` (a measurement window, not a synchronisation). */
export async function countPublishes(lsp: LspSession, rel: string, ms: number): Promise<number> {
  let count = 0;
  await lsp.nextDiagnostics(rel, () => { count++; return false; }, ms).catch(() => undefined);
  return count;
}

/**
 * Waits until the server has gone quiet for these files: a window of `quietMs` with no publish
 * for any of them (answers fetched before may still be on their way to a republish). Needed
 * before counting what a later event causes.
 */
export async function untilQuiet(lsp: LspSession, rels: readonly string[], quietMs = 750, timeoutMs = budget(60_000)): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const counts = await Promise.all(rels.map((rel) => countPublishes(lsp, rel, quietMs)));
    if (counts.every((c) => c === 0)) return;
    if (Date.now() > deadline) throw new Error(`the server kept publishing for ${timeoutMs} ms`);
  }
}

/** The file's diagnostics once they satisfy `predicate` (already, or at a later publish). */
export async function diagnosticsWhen(lsp: LspSession, rel: string, predicate: (d: Diagnostic[]) => boolean, timeoutMs = budget(30_000)): Promise<Diagnostic[]> {
  const last = lsp.lastDiagnostics(rel);
  if (last && predicate(last)) return last;
  return lsp.nextDiagnostics(rel, predicate, timeoutMs);
}
