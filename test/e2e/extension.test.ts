// End-to-end: the packaged extension (flux-oci.vsix) installed in code-server, driven in Chromium
// on a copy of examples/. Each step is its own test and leaves a screenshot in test-results/e2e/.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Browser, Page } from 'playwright-core';
import {
  copyLogs, whyRealVsCodeCannotRun, copyToTemp, createProfile, extensionVsix, findCodeServer, installExtensions, launchChromium,
  openWorkbench, removeDir, repoRoot, startCodeServer,
  type CodeServerInstall, type Profile, type RunningCodeServer,
} from '../../scripts/vscode-rig';
import { activeEditor, editorText, goToPosition, openFile, outputChannelText, problemRows, runCommand, showProblems, waitForProblems } from './workbench';

const resultsDir = join(repoRoot, 'test-results', 'e2e');
const install: CodeServerInstall | undefined = findCodeServer();
const skip = whyRealVsCodeCannotRun();

const flux = (rows: string[]) => rows.filter((r) => r.includes('flux-oci'));

describe('Flux OCI in code-server', { skip, timeout: 240_000 }, () => {
  let profile: Profile | undefined;
  let workspace: string | undefined;
  let server: RunningCodeServer | undefined;
  let browser: Browser | undefined;
  let page: Page;

  before(async () => {
    mkdirSync(resultsDir, { recursive: true });
    workspace = copyToTemp(join(repoRoot, 'examples'));
    // A scratch document for completion: the cursor goes on the empty line inside spec.
    writeFileSync(join(workspace, 'scratch-completion.yaml'),
      'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: scratch\nspec:\n  interval: 5m\n  \n');
    profile = createProfile();
    installExtensions(install!, profile, [extensionVsix]);
    server = await startCodeServer(install!, profile);
    browser = await launchChromium();
    page = await openWorkbench(browser, server, workspace);
  }, { timeout: 120_000 });

  after(async () => {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    removeDir(workspace);
    removeDir(profile?.root);
  });

  /**
   * Wraps a step: screenshots it (at the moment the body calls `capture`, else at its end); on
   * failure also keeps code-server's logs.
   */
  const step = (name: string, body: (capture: () => Promise<void>) => Promise<void>) => async () => {
    const path = join(resultsDir, `${name}.png`);
    let captured = false;
    const capture = async () => { await page.screenshot({ path }); captured = true; };
    try {
      // Close whatever a previous (possibly failed) step left open: widgets, quick input.
      await page.keyboard.press('Escape');
      await page.keyboard.press('Escape');
      await body(capture);
    } catch (error) {
      if (profile) copyLogs(profile, join(resultsDir, `logs-${name}`));
      if (server) writeFileSync(join(resultsDir, `code-server-${name}.log`), server.output());
      if (!captured) await page?.screenshot({ path }).catch(() => undefined);
      captured = true;
      const channel = await outputChannelText(page, 'Flux OCI').catch((e: Error) => `(no "Flux OCI" output channel to read; the language client creates it when it first logs: ${e.message.split('\n')[0]})`);
      writeFileSync(join(resultsDir, `output-${name}.log`), channel);
      throw error;
    } finally {
      if (!captured) await page?.screenshot({ path }).catch(() => undefined);
    }
  };

  test('a: diagnostics of the example mistakes appear in the Problems panel', { timeout: 60_000 }, step('a-diagnostics', async () => {
    await openFile(page, 'mistakes/missing-fields.yaml');
    await openFile(page, 'mistakes/gitrepository-oci-url.yaml');
    await showProblems(page);
    const rows = await waitForProblems(page, (r) =>
      r.some((t) => t.includes('missing required field "url"')) &&
      r.some((t) => t.includes('unknown field "bogus"') && t.includes('the API server drops it')) &&
      r.some((t) => /interval/.test(t) && t.includes('5 minutes')) &&
      // The GitRepository with an oci:// URL gets a finding of its own.
      r.some((t) => t.includes('flux-oci') && /oci:\/\/|OCIRepository/.test(t)));
    assert.ok(flux(rows).length >= 4, `expected our diagnostics, got:\n${rows.join('\n')}`);
  }));

  test('a2: a removed API version and plain JSON in a dockerconfigjson Secret are reported', { timeout: 60_000 }, step('a2-more-diagnostics', async () => {
    await openFile(page, 'mistakes/removed-api-version.yaml');
    await openFile(page, 'mistakes/dockerconfigjson-plain-json.yaml');
    await showProblems(page);
    await waitForProblems(page, (r) =>
      r.some((t) => t.includes('flux-oci') && t.includes('OCIRepository') && t.includes('v1beta2') && /no longer served/.test(t)) &&
      r.some((t) => t.includes('flux-oci') && t.includes('.dockerconfigjson') && /base64/.test(t)));
  }));

  test('b: quick fix "Convert to OCIRepository" rewrites the GitRepository', { timeout: 60_000 }, step('b-quick-fix', async (capture) => {
    const file = join(workspace!, 'mistakes', 'gitrepository-oci-url.yaml');
    const original = readFileSync(file, 'utf8');
    const urlLine = original.split('\n').findIndex((l) => l.includes('url: oci://')) + 1;
    assert.ok(urlLine > 0);
    await openFile(page, 'mistakes/gitrepository-oci-url.yaml');
    await goToPosition(page, urlLine, 8);
    await page.keyboard.press('Control+.');
    // The title may say more (e.g. that sourceRefs are updated too); it starts with this.
    const action = page.locator('.action-widget').getByText(/^Convert to (an )?OCIRepository/);
    await action.waitFor({ timeout: 15_000 });
    await capture();
    await action.click();
    const deadline = Date.now() + 10_000;
    while (!(await editorText(page)).includes('kind: OCIRepository') && Date.now() < deadline) await page.waitForTimeout(100);
    await page.keyboard.press('Control+S');
    await waitForFile(file, (t) => t !== original);
    const docs = readFileSync(file, 'utf8').split(/^---$/m).map((d) => parseYaml(d) as FluxDoc);
    const source = docs.find((d) => d.metadata?.name === 'app' && d.kind !== 'Kustomization');
    assert.equal(source?.kind, 'OCIRepository');
    assert.equal(source?.apiVersion, 'source.toolkit.fluxcd.io/v1');
    assert.equal(source?.spec?.url, 'oci://ghcr.io/example/app-manifests');
    assert.equal(source?.spec?.ref?.tag, 'v1.2.0');
    const kustomization = docs.find((d) => d.kind === 'Kustomization');
    assert.equal(kustomization?.spec?.sourceRef?.kind, 'OCIRepository');
    // The finding about the oci:// URL in a GitRepository is gone.
    await showProblems(page);
    await waitForProblems(page, (r) => !r.some((t) => t.includes('flux-oci') && /GitRepository/.test(t) && /oci:\/\//.test(t)));
    await page.screenshot({ path: join(resultsDir, 'b-quick-fix-after.png') });
  }));

  test('c: completion inside spec offers the fields of the kind', { timeout: 60_000 }, step('c-completion', async (capture) => {
    await openFile(page, 'scratch-completion.yaml');
    await goToPosition(page, 7, 3);
    await page.keyboard.press('Control+Space');
    const suggest = page.locator('.editor-widget.suggest-widget');
    await suggest.waitFor({ state: 'visible', timeout: 15_000 });
    // Fields of OCIRepository's spec that appear nowhere in the document (so word completion
    // cannot be the one offering them).
    for (const field of ['layerSelector', 'provider', 'secretRef']) {
      await suggest.locator('.monaco-list-row', { hasText: field }).first().waitFor({ timeout: 10_000 });
    }
    await capture();
    await page.keyboard.press('Escape');
  }));

  test('d: hover shows our text for a field', { timeout: 60_000 }, step('d-hover', async (capture) => {
    const docs = parseYaml(readFileSync(join(repoRoot, 'schemas', 'docs', 'kustomization.yaml'), 'utf8')) as { fields: Record<string, { description: string }> };
    const expected = docs.fields['spec.prune'].description.split(/[.:]/)[0];
    const text = readFileSync(join(workspace!, 'podinfo-oci.yaml'), 'utf8').split('\n');
    const pruneLine = text.findIndex((l) => l.trim().startsWith('prune:')) + 1;
    await openFile(page, 'podinfo-oci.yaml');
    await goToPosition(page, pruneLine, 4);
    // "Show or Focus Hover" is the keyboard way to hover at the cursor.
    await page.keyboard.press('Control+K');
    await page.keyboard.press('Control+I');
    const hover = page.locator('.monaco-hover:not(.hidden)').first();
    await hover.waitFor({ state: 'visible', timeout: 15_000 });
    await page.locator('.monaco-hover', { hasText: expected }).first().waitFor({ timeout: 10_000 });
    await capture();
    await activeEditor(page).click({ position: { x: 5, y: 5 } }).catch(() => undefined);
  }));

  test('e: fluxOci.validate.enable = false clears our diagnostics', { timeout: 60_000 }, step('e-settings', async (capture) => {
    await openFile(page, 'mistakes/missing-fields.yaml');
    await showProblems(page);
    await waitForProblems(page, (r) => r.some((t) => t.includes('missing required field "url"')));
    mkdirSync(join(workspace!, '.vscode'), { recursive: true });
    writeFileSync(join(workspace!, '.vscode', 'settings.json'), JSON.stringify({ 'fluxOci.validate.enable': false }, null, 2));
    const rows = await waitForProblems(page, (r) => flux(r).length === 0);
    assert.deepEqual(flux(rows), []);
    await capture();
    // Turning it back on brings them back (the setting really is what cleared them).
    writeFileSync(join(workspace!, '.vscode', 'settings.json'), JSON.stringify({ 'fluxOci.validate.enable': true }, null, 2));
    await waitForProblems(page, (r) => r.some((t) => t.includes('missing required field "url"')));
  }));

  test('f: the restart command is in the palette and restarts the server', { timeout: 60_000 }, step('f-restart', async () => {
    await runCommand(page, 'Flux OCI: Restart Language Server');
    await page.locator('.notifications-toasts').getByText('Flux OCI language server restarted').waitFor({ timeout: 20_000 });
    await showProblems(page);
    await waitForProblems(page, (r) => r.some((t) => t.includes('missing required field "url"')));
    assert.ok((await problemRows(page)).length > 0);
  }));
});

interface FluxDoc {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string };
  spec?: { url?: string; ref?: { tag?: string }; sourceRef?: { kind?: string } };
}

async function waitForFile(file: string, predicate: (text: string) => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (predicate(readFileSync(file, 'utf8'))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${file} was not saved with the expected change within ${timeoutMs} ms`);
}
