// Small helpers that drive the VS Code workbench (code-server in Chromium) the way a user would:
// keyboard shortcuts, quick open, the Problems panel. Shared by the end-to-end steps.
// Every helper waits for a state (a tab, a menu entry, a row, a file's content), never for a fixed
// time; where VS Code is only eventually consistent (code actions, suggestions, hovers computed
// while the server is still busy) the user's gesture is repeated until the state arrives. Budgets
// are generous and scale with FLUX_OCI_TEST_TIME_SCALE (see test/timing.ts).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import {
  copyLogs, createProfile, extensionVsix, findCodeServer, installExtensions, launchChromium, openWorkbench, removeDir,
  repoRoot, startCodeServer, type Profile, type RunningCodeServer,
} from '../../scripts/vscode-rig';
import { budget, eventually, retryUntil } from '../timing';

export { budget, eventually, retryUntil, timeScale, type WaitOptions, type RetryOptions } from '../timing';

/** Monaco renders spaces as non-breaking spaces; compare text with normal spaces. */
export function normaliseText(text: string): string {
  return text.replace(/\u00a0/g, ' ');
}

/**
 * Opens a workspace file through Quick Open (F1, then file mode) and waits for its editor tab.
 * Quick Open's file search may not have found the file yet on a busy machine: then it is asked again.
 */
export async function openFile(page: Page, relativePath: string): Promise<void> {
  const base = relativePath.split('/').pop() ?? relativePath;
  const tab = page.locator(`.tabs-container .tab.active[aria-label^="${base}"]`);
  await retryUntil(`the editor tab of ${relativePath}`, async (ms) => {
    await closeQuickInput(page);
    await runQuickOpen(page, relativePath, false, base, ms);
    await tab.waitFor({ timeout: ms });
    return true;
  }, { timeoutMs: 60_000, attemptMs: 15_000 });
  await activeEditor(page).locator('.view-lines').waitFor({ timeout: budget(30_000) });
}

/** Closes Quick Open if it is showing. */
async function closeQuickInput(page: Page): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  if (await widget.isVisible()) {
    await page.keyboard.press('Escape');
    await widget.waitFor({ state: 'hidden', timeout: budget(10_000) }).catch(() => undefined);
  }
}

/**
 * Types into Quick Open without the command prefix (files, `:line:column`), then presses Enter.
 * For files and commands it first waits for a row that names `expect` (the file's base name, the
 * command's title), so Enter never accepts a stale first row.
 */
async function runQuickOpen(page: Page, text: string, opensAnotherPick = false, expect?: string, timeoutMs = budget(15_000)): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: timeoutMs });
  await input.fill(text);
  if (!text.startsWith(':')) {
    const wanted = expect ?? (text.startsWith('>') ? text.slice(1) : text.split('/').pop() ?? text);
    const rows = page.locator('.quick-input-list .monaco-list-row');
    // Wait for the matching file or command, and for it to be the one Enter accepts.
    await rows.filter({ hasText: wanted }).first().waitFor({ timeout: timeoutMs });
    await eventually(`"${wanted}" as the first Quick Open row`, async () =>
      ((await rows.first().textContent()) ?? '').includes(wanted), { scaledTimeoutMs: timeoutMs });
  }
  await page.keyboard.press('Enter');
  if (!opensAnotherPick) await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: timeoutMs });
}

/** Runs a command from the palette by its title. */
export async function runCommand(page: Page, title: string): Promise<void> {
  await closeQuickInput(page);
  await runQuickOpen(page, `>${title}`, false, title, budget(30_000));
}

/** Moves the cursor of the active editor to a 1-based line and column, and waits until it is there. */
export async function goToPosition(page: Page, line: number, column = 1): Promise<void> {
  await retryUntil(`the cursor on line ${line}`, async (ms) => {
    await closeQuickInput(page);
    await runQuickOpen(page, `:${line}:${column}`, false, undefined, ms);
    return eventually(`the status bar to show line ${line}`, async () => (await cursorPosition(page)).line === line || undefined,
      { scaledTimeoutMs: ms });
  }, { timeoutMs: 60_000, attemptMs: 10_000 });
}

export function activeEditor(page: Page): Locator {
  return page.locator('.editor-group-container.active .editor-instance').first();
}

/** The active editor's visible text, with normal spaces. */
export async function editorText(page: Page): Promise<string> {
  const lines = activeEditor(page).locator('.view-lines .view-line');
  const tops = await lines.evaluateAll((els) => els.map((e) => ({ top: parseFloat((e as unknown as { style: { top: string } }).style.top), text: e.textContent ?? '' })));
  return normaliseText(tops.sort((a, b) => a.top - b.top).map((l) => l.text).join('\n'));
}

export function problemsPanel(page: Page): Locator {
  return page.locator('.markers-panel');
}

/** Shows the Problems panel (Ctrl+Shift+M) with every entry expanded. */
export async function showProblems(page: Page): Promise<Locator> {
  const panel = problemsPanel(page);
  if (!(await panel.isVisible())) {
    await page.keyboard.press('Control+Shift+M');
    await panel.waitFor({ state: 'visible' });
  }
  return panel;
}

/** The text of every row in the Problems panel (file rows and problem rows). */
export async function problemRows(page: Page): Promise<string[]> {
  const rows = problemsPanel(page).locator('.monaco-list-row');
  return (await rows.allTextContents()).map(normaliseText);
}

/** Waits until `predicate` holds for the Problems panel rows; returns them. `timeoutMs` is scaled (budget()). */
export async function waitForProblems(page: Page, predicate: (rows: string[]) => boolean, timeoutMs = 120_000): Promise<string[]> {
  const scaled = budget(timeoutMs);
  const deadline = Date.now() + scaled;
  let rows: string[] = [];
  for (;;) {
    rows = await problemRows(page);
    if (predicate(rows)) return rows;
    if (Date.now() > deadline) break;
    await page.waitForTimeout(200); // polling interval
  }
  throw new Error(`Problems panel did not reach the expected state within ${scaled} ms; rows:\n  ${rows.join('\n  ') || '(none)'}`);
}

/**
 * Best effort, for failure reports: the text of an Output channel (e.g. "Flux OCI", where the
 * language client logs). Output channels of a web workbench are not written to the logs folder.
 */
export async function outputChannelText(page: Page, channel: string): Promise<string> {
  await page.keyboard.press('Escape');
  await runQuickOpen(page, '>Output: Show Output Channels', true);
  const input = page.locator('.quick-input-widget input');
  if (await input.isVisible()) {
    await input.fill(channel);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: channel }).first().waitFor({ timeout: budget(5_000) });
    await page.keyboard.press('Enter');
  }
  const view = page.locator('.part.panel .output-view .view-lines, .part.panel .monaco-editor .view-lines').first();
  await view.waitFor({ timeout: budget(5_000) });
  return normaliseText(await view.innerText());
}

/** The file name of the active editor tab. */
export async function activeTabName(page: Page): Promise<string> {
  const label = await page.locator('.editor-group-container.active .tabs-container .tab.active').first().getAttribute('aria-label');
  return (label ?? '').split(/[,\s]/)[0];
}

/** The cursor of the active editor, as the status bar shows it ("Ln 12, Col 5"). */
export async function cursorPosition(page: Page): Promise<{ line: number; column: number }> {
  const item = page.locator('.statusbar-item', { hasText: /Ln \d+, Col \d+/ }).first();
  await item.waitFor({ timeout: budget(10_000) });
  const m = /Ln (\d+), Col (\d+)/.exec(await item.innerText());
  if (!m) throw new Error('no cursor position in the status bar');
  return { line: Number(m[1]), column: Number(m[2]) };
}

/** The visible text of the active integrated terminal (needs the DOM renderer: gpuAcceleration off). */
export async function terminalText(page: Page): Promise<string> {
  const rows = page.locator('.terminal-wrapper.active .xterm-rows > div');
  return normaliseText((await rows.allTextContents()).map((r) => r.trimEnd()).join('\n'));
}


// ---- State waits and retried gestures (shared by every e2e file) ----------------------------------

/** Waits until the active editor's visible text satisfies `predicate`; returns it. `timeoutMs` is scaled. */
export async function waitForEditorText(page: Page, predicate: (text: string) => boolean, timeoutMs = 30_000): Promise<string> {
  let last = '';
  return eventually('the editor text', async () => (predicate(last = await editorText(page)) ? last : undefined),
    { timeoutMs, intervalMs: 100, describe: () => last });
}

/** Waits until a file on disk satisfies `predicate` (e.g. after Ctrl+S); returns its text. `timeoutMs` is scaled. */
export async function waitForFile(file: string, predicate: (text: string) => boolean, timeoutMs = 30_000): Promise<string> {
  let last = '';
  return eventually(`${file} to be saved with the expected change`, () => {
    last = readFileSync(file, 'utf8');
    return predicate(last) ? last : undefined;
  }, { timeoutMs, intervalMs: 100, describe: () => last.slice(0, 400) });
}

/** Waits until the active terminal's text satisfies `predicate`; returns it. `timeoutMs` is scaled. */
export async function waitForTerminalText(page: Page, predicate: (text: string) => boolean, timeoutMs = 30_000): Promise<string> {
  let last = '';
  return eventually('the terminal text', async () => (predicate(last = await terminalText(page)) ? last : undefined),
    { timeoutMs, intervalMs: 100, describe: () => last });
}

/** Waits for a notification toast with this text. */
export async function waitForNotification(page: Page, text: string | RegExp, timeoutMs = 30_000): Promise<Locator> {
  const toast = page.locator('.notifications-toasts').getByText(text).first();
  await toast.waitFor({ timeout: budget(timeoutMs) });
  return toast;
}

/** Presses Escape until no editor widget (suggest, hover, action menu) or quick input is showing. */
export async function closeWidgets(page: Page): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const open = page.locator('.action-widget, .editor-widget.suggest-widget.visible, .monaco-hover:not(.hidden), .quick-input-widget:visible');
    if ((await open.count()) === 0) return;
    await page.keyboard.press('Escape');
  }
}

/**
 * Opens the quick-fix menu (Ctrl+.) at a position and waits for an entry whose text matches
 * `title`; reopens the menu until it is there (code actions computed before the server caught up
 * with the latest diagnostics come back empty). Returns the entry, with the menu open.
 */
export async function openCodeAction(page: Page, line: number, column: number, title: string | RegExp,
  options: { timeoutMs?: number } = {}): Promise<Locator> {
  const entry = page.locator('.action-widget').getByText(title).first();
  return retryUntil(`the quick fix ${String(title)} at ${line}:${column}`, async (ms) => {
    await closeWidgets(page);
    await goToPosition(page, line, column);
    await page.keyboard.press('Control+.');
    try {
      await entry.waitFor({ timeout: ms });
      return entry;
    } catch {
      await page.keyboard.press('Escape');
      return undefined;
    }
  }, { timeoutMs: options.timeoutMs ?? 90_000, attemptMs: 5_000 });
}

/**
 * Opens suggestions (Ctrl+Space) at a position until every label in `labels` is offered;
 * re-triggers while the server is still busy. Returns the suggest widget, left open.
 */
export async function triggerSuggest(page: Page, line: number, column: number, labels: string[],
  options: { timeoutMs?: number } = {}): Promise<Locator> {
  const widget = page.locator('.editor-widget.suggest-widget');
  return retryUntil(`suggestions ${labels.join(', ')} at ${line}:${column}`, async (ms) => {
    await closeWidgets(page);
    await goToPosition(page, line, column);
    await page.keyboard.press('Control+Space');
    const start = Date.now();
    try {
      await widget.waitFor({ state: 'visible', timeout: ms });
      for (const label of labels) {
        await widget.locator('.monaco-list-row', { hasText: label }).first().waitFor({ timeout: Math.max(1, ms - (Date.now() - start)) });
      }
      return widget;
    } catch {
      await page.keyboard.press('Escape');
      return undefined;
    }
  }, { timeoutMs: options.timeoutMs ?? 90_000, attemptMs: 5_000 });
}

/**
 * Shows the hover at a position (Ctrl+K Ctrl+I, "Show or Focus Hover") until it contains `text`;
 * asks again while the server is busy. Returns the hover, left open.
 */
export async function showHover(page: Page, line: number, column: number, text: string | RegExp,
  options: { timeoutMs?: number } = {}): Promise<Locator> {
  const hover = page.locator('.monaco-hover:not(.hidden)', { hasText: text }).first();
  return retryUntil(`a hover with ${String(text)} at ${line}:${column}`, async (ms) => {
    await closeWidgets(page);
    await goToPosition(page, line, column);
    await page.keyboard.press('Control+K');
    await page.keyboard.press('Control+I');
    try {
      await hover.waitFor({ state: 'visible', timeout: ms });
      return hover;
    } catch {
      await page.keyboard.press('Escape');
      return undefined;
    }
  }, { timeoutMs: options.timeoutMs ?? 90_000, attemptMs: 5_000 });
}

/** A screenshot with animations finished (no waiting for fade-ins). */
export async function screenshot(page: Page, path: string): Promise<void> {
  await page.screenshot({ path, animations: 'disabled' });
}

/** Where the end-to-end steps leave screenshots and, on failure, logs. */
export const e2eResultsDir = join(repoRoot, 'test-results', 'e2e');

export interface WorkbenchOptions {
  /** The folder the workbench opens. */
  workspace: string;
  /** User settings on top of the rig's base settings. */
  settings?: Record<string, unknown>;
  /** Runs on the fresh profile before the extension is installed (e.g. to write keybindings.json). */
  prepareProfile?: (profile: Profile) => void;
  /** Names what a failed start-up leaves in the results folder (`<name>.png`, `logs-<name>`, ...). */
  startUpName?: string;
}

/** A running code-server with the packaged extension installed, and a Chromium page on its workbench. */
export interface Workbench {
  profile: Profile;
  server: RunningCodeServer;
  browser: Browser;
  page: Page;
  /** Keeps code-server's logs, its output and the "Flux OCI" output channel under `<name>` in the results folder. */
  keepLogs(name: string): Promise<void>;
  /** Closes the browser, stops code-server and removes the profile. */
  close(): Promise<void>;
}

/**
 * Installs the packaged extension (flux-oci.vsix) in a fresh profile, starts code-server, launches
 * Chromium and opens the workspace, waiting until the workbench shows the folder's files. When any
 * of that fails, keeps a screenshot and the logs, closes what was started and throws.
 */
export async function startWorkbench(options: WorkbenchOptions): Promise<Workbench> {
  const install = findCodeServer();
  if (!install) throw new Error('code-server is not installed (scripts/install-code-server.sh)');
  mkdirSync(e2eResultsDir, { recursive: true });
  const name = options.startUpName ?? 'start-up';
  const profile = createProfile(options.settings ?? {});
  let server: RunningCodeServer | undefined;
  let browser: Browser | undefined;
  try {
    options.prepareProfile?.(profile);
    installExtensions(install, profile, [extensionVsix]);
    server = await startCodeServer(install, profile);
    browser = await launchChromium();
    const page = await openWorkbench(browser, server, options.workspace);
    const running: RunningCodeServer = server;
    const chromium: Browser = browser;
    return {
      profile, server: running, browser: chromium, page,
      keepLogs: (step) => keepWorkbenchLogs(profile, running, page, step),
      close: async () => {
        await chromium.close().catch(() => undefined);
        await running.stop();
        removeDir(profile.root);
      },
    };
  } catch (error) {
    // Keep what there is to see when the workbench never came up.
    const opened = browser?.contexts().flatMap((c) => c.pages())[0];
    await opened?.screenshot({ path: join(e2eResultsDir, `${name}.png`) }).catch(() => undefined);
    copyLogs(profile, join(e2eResultsDir, `logs-${name}`));
    if (server) writeFileSync(join(e2eResultsDir, `code-server-${name}.log`), server.output());
    await browser?.close().catch(() => undefined);
    await server?.stop();
    removeDir(profile.root);
    throw error;
  }
}

async function keepWorkbenchLogs(profile: Profile, server: RunningCodeServer, page: Page, name: string): Promise<void> {
  copyLogs(profile, join(e2eResultsDir, `logs-${name}`));
  writeFileSync(join(e2eResultsDir, `code-server-${name}.log`), server.output());
  const channel = await outputChannelText(page, 'Flux OCI').catch((e: Error) => `(no "Flux OCI" output channel to read; the language client creates it when it first logs: ${e.message.split('\n')[0]})`);
  writeFileSync(join(e2eResultsDir, `output-${name}.log`), channel);
}

/**
 * Makes the wrapper of a step: it first closes what a previous (possibly failed) step left open
 * (`reset`), screenshots the step to `<name>.png` (when the body calls `capture`, else at its end)
 * and on failure also keeps the logs (Workbench.keepLogs).
 */
export function workbenchSteps(workbench: () => Workbench, reset: (page: Page) => Promise<void> = closeWidgets) {
  return (name: string, body: (capture: () => Promise<void>) => Promise<void>) => async (): Promise<void> => {
    const { page } = workbench();
    const path = join(e2eResultsDir, `${name}.png`);
    let captured = false;
    const capture = async () => { await screenshot(page, path); captured = true; };
    try {
      await reset(page);
      await body(capture);
    } catch (error) {
      if (!captured) await page.screenshot({ path }).catch(() => undefined);
      captured = true;
      await workbench().keepLogs(name);
      throw error;
    } finally {
      if (!captured) await page.screenshot({ path }).catch(() => undefined);
    }
  };
}
