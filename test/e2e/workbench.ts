// Small helpers that drive the VS Code workbench (code-server in Chromium) the way a user would:
// keyboard shortcuts, quick open, the Problems panel. Shared by the end-to-end steps.
import type { Locator, Page } from 'playwright-core';

/** Monaco renders spaces as non-breaking spaces; compare text with normal spaces. */
export function normaliseText(text: string): string {
  return text.replace(/\u00a0/g, ' ');
}

/** Opens a workspace file through Quick Open (F1, then file mode) and waits for its editor tab. */
export async function openFile(page: Page, relativePath: string): Promise<void> {
  const base = relativePath.split('/').pop() ?? relativePath;
  await runQuickOpen(page, relativePath);
  await page.locator(`.tabs-container .tab.active[aria-label^="${base}"]`).waitFor({ timeout: 15_000 });
  await activeEditor(page).locator('.view-lines').waitFor();
}

/** Types into Quick Open without the command prefix (files, `:line:column`), then presses Enter. */
async function runQuickOpen(page: Page, text: string, opensAnotherPick = false): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(text);
  if (!text.startsWith(':')) {
    // Wait for the matching file or command before accepting it.
    await page.locator('.quick-input-list .monaco-list-row').first().waitFor({ timeout: 15_000 });
  }
  await page.keyboard.press('Enter');
  if (!opensAnotherPick) await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
}

/** Runs a command from the palette by its title. */
export async function runCommand(page: Page, title: string): Promise<void> {
  await runQuickOpen(page, `>${title}`);
}

/** Moves the cursor of the active editor to a 1-based line and column. */
export async function goToPosition(page: Page, line: number, column = 1): Promise<void> {
  await runQuickOpen(page, `:${line}:${column}`);
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

/** Waits until `predicate` holds for the Problems panel rows; returns them. */
export async function waitForProblems(page: Page, predicate: (rows: string[]) => boolean, timeoutMs = 20_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let rows: string[] = [];
  while (Date.now() < deadline) {
    rows = await problemRows(page);
    if (predicate(rows)) return rows;
    await page.waitForTimeout(200);
  }
  throw new Error(`Problems panel did not reach the expected state within ${timeoutMs} ms; rows:\n  ${rows.join('\n  ') || '(none)'}`);
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
    await page.locator('.quick-input-list .monaco-list-row', { hasText: channel }).first().waitFor({ timeout: 5_000 });
    await page.keyboard.press('Enter');
  }
  const view = page.locator('.part.panel .output-view .view-lines, .part.panel .monaco-editor .view-lines').first();
  await view.waitFor({ timeout: 5_000 });
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
  await item.waitFor({ timeout: 5_000 });
  const m = /Ln (\d+), Col (\d+)/.exec(await item.innerText());
  if (!m) throw new Error('no cursor position in the status bar');
  return { line: Number(m[1]), column: Number(m[2]) };
}

/** The visible text of the active integrated terminal (needs the DOM renderer: gpuAcceleration off). */
export async function terminalText(page: Page): Promise<string> {
  const rows = page.locator('.terminal-wrapper.active .xterm-rows > div');
  return normaliseText((await rows.allTextContents()).map((r) => r.trimEnd()).join('\n'));
}
