// Shared steps of the rules tests: find a diagnostic, ask the server for its quick fixes,
// apply one, and wait for the re-lint.
import assert from 'node:assert/strict';
import type { CodeAction, Diagnostic } from 'vscode-languageserver-protocol';
import { startServer, type LspSession } from './lspClient';
import { budget } from '../timing';

export const byCode = (diagnostics: readonly Diagnostic[], code: string) => diagnostics.filter((d) => d.code === code);

/** Problems that are not hints. */
export const problems = (diagnostics: readonly Diagnostic[]) => diagnostics.filter((d) => d.severity === 1 || d.severity === 2);

export function only(diagnostics: readonly Diagnostic[], code: string): Diagnostic {
  const found = byCode(diagnostics, code);
  assert.equal(found.length, 1, `expected one ${code}, got ${JSON.stringify(diagnostics.map((d) => `${d.code}: ${d.message}`))}`);
  return found[0];
}

/** Requests the quick fixes of a diagnostic and applies the one whose title matches (or the preferred one). */
export async function applyFix(session: LspSession, file: string, diagnostic: Diagnostic, title?: RegExp): Promise<CodeAction> {
  const actions = await session.codeActions(file, diagnostic.range, [diagnostic]);
  const action = title ? actions.find((a) => title.test(a.title)) : actions.find((a) => a.isPreferred) ?? actions[0];
  assert.ok(action?.edit, `no fix${title ? ` matching ${title}` : ''} for ${diagnostic.code}; got ${JSON.stringify(actions.map((a) => a.title))}`);
  await session.applyEdit(action.edit);
  return action;
}

/**
 * The diagnostics of a file's current text. A publish already on its way when a change is sent
 * can answer the first wait, so the no-op change is sent twice: the second publish comes after
 * the server has seen the text.
 */
export async function settled(session: LspSession, file: string): Promise<Diagnostic[]> {
  await session.change(file, session.text(file));
  return session.change(file, session.text(file));
}

/** Waits until the server's index (built from disk after start-up) knows a symbol. */
export async function waitIndexed(session: LspSession, symbol: string, timeoutMs = budget(30_000)): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await session.workspaceSymbols(symbol)).some((s) => s.name === symbol)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the server never indexed ${symbol}`);
}

/**
 * Opens `text` (with `extraFiles` it points at) in a fresh server, checks that its one problem is
 * flux/removed-api-version, applies the "Migrate to …" fix and checks that the migrated document
 * validates. Returns the diagnostic's message and the migrated text.
 */
export async function migrateRemovedApi(text: string, extraFiles: Record<string, string> = {}): Promise<{ message: string; after: string }> {
  const session = await startServer({ files: { 'doc.yaml': text, ...extraFiles } });
  try {
    for (const [file, content] of Object.entries(extraFiles)) await session.open(file, content);
    const diagnostics = await session.open('doc.yaml', text);
    const removed = only(diagnostics, 'flux/removed-api-version');
    assert.deepEqual(problems(diagnostics).filter((d) => d !== removed).map((d) => `${d.code}: ${d.message}`), []);
    await applyFix(session, 'doc.yaml', removed, /^Migrate to /);
    const after = session.text('doc.yaml');
    assert.deepEqual(problems(await settled(session, 'doc.yaml')).map((d) => `${d.code}: ${d.message}`), [], `migrated document validates:\n${after}`);
    return { message: removed.message, after };
  } finally {
    await session.close();
  }
}
