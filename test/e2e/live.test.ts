// End-to-end: live registry intelligence in real VS Code (code-server in Chromium). A local
// registry holds a few tags; completing `ref.tag` in an OCIRepository lists them newest first
// with their digests, and choosing one writes it. Screenshot: test-results/e2e/live-tag-completion.png.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { whyRealVsCodeCannotRun, removeDir } from '../../scripts/vscode-rig';
import { startRegistry, type RegistryRig } from '../registry/rig';
import { clientFor } from '../registry/helpers';
import { pushFluxArtifact } from '../registry/liveSeed';
import { activeEditor, editorText, goToPosition, e2eResultsDir as resultsDir, startWorkbench, type Workbench } from './workbench';

const skip = whyRealVsCodeCannotRun();

describe('Flux OCI live registry checks in code-server', { skip, timeout: 240_000 }, () => {
  let workbench: Workbench | undefined;
  let workspace: string | undefined;
  let page: Page;
  let registry: RegistryRig | undefined;
  let newest = '';

  before(async () => {
    registry = await startRegistry({ auth: 'none' });
    const client = clientFor(registry);
    await pushFluxArtifact(client, registry.host, 'team/app', ['v1.0.0', 'v1.1.0', 'v1.2.0', 'latest']);
    newest = await pushFluxArtifact(client, registry.host, 'team/app', ['v2.0.0'], 'v2.0.0@sha1:1234567890abcdef1234567890abcdef12345678');
    client.close();
    workspace = mkdtempSync(join(tmpdir(), 'flux-oci-live-ws-'));
    writeFileSync(join(workspace, 'live.yaml'), [
      'apiVersion: source.toolkit.fluxcd.io/v1',
      'kind: OCIRepository',
      'metadata:',
      '  name: app',
      '  namespace: flux-system',
      'spec:',
      '  interval: 5m',
      `  url: oci://${registry.host}/team/app`,
      '  ref:',
      '    tag: ',
      '',
    ].join('\n'));
    workbench = await startWorkbench({ workspace, startUpName: 'live-start-up' });
    page = workbench.page;
  }, { timeout: 150_000 });

  after(async () => {
    await workbench?.close();
    await registry?.stop();
    removeDir(workspace);
  });

  test('completing ref.tag lists the registry\'s tags, newest version first, and writes the chosen one', { timeout: 90_000 }, async () => {
    const shot = join(resultsDir, 'live-tag-completion.png');
    try {
      // The Explorer is there as soon as the workbench is (Quick Open's file search can lag on a busy machine).
      await page.getByRole('treeitem', { name: /live\.yaml/ }).first().click();
      await page.locator('.tabs-container .tab.active[aria-label^="live.yaml"]').waitFor({ timeout: 20_000 });
      await activeEditor(page).locator('.view-lines').waitFor();
      // The server is up and has read the registry once the hint after `ref:` shows (no tag yet: latest).
      const ready = Date.now() + 60_000;
      while (!(await editorText(page)).includes('ref:→ latest @ sha256:') && Date.now() < ready) await page.waitForTimeout(200);
      assert.ok((await editorText(page)).includes('ref:→ latest @ sha256:'), await editorText(page));
      await goToPosition(page, 10, 10);
      await page.keyboard.press('Control+Space');
      const suggest = page.locator('.editor-widget.suggest-widget');
      await suggest.waitFor({ state: 'visible', timeout: 20_000 });
      await suggest.locator('.monaco-list-row', { hasText: 'v1.0.0' }).first().waitFor({ timeout: 20_000 });
      const labels = (await suggest.locator('.monaco-list-row .label-name').allTextContents()).map((t) => t.trim());
      assert.deepEqual(labels.slice(0, 5), ['v2.0.0', 'v1.2.0', 'v1.1.0', 'v1.0.0', 'latest'], `suggestions: ${labels.join(', ')}`);
      // The newest tag shows its short digest beside the label.
      await suggest.locator('.monaco-list-row', { hasText: newest.slice(0, 19) }).first().waitFor({ timeout: 10_000 });
      await page.screenshot({ path: shot });
      await page.keyboard.press('Enter');
      // The tag is written, and the inlay hint after `ref:` shows what Flux will pull now.
      const hint = `→ v2.0.0 @ ${newest.slice(0, 19)}…`;
      const deadline = Date.now() + 20_000;
      while (!((await editorText(page)).includes(hint) && /tag: v2\.0\.0/.test(await editorText(page))) && Date.now() < deadline) await page.waitForTimeout(100);
      const text = await editorText(page);
      assert.match(text, /\n\s+tag: v2\.0\.0/);
      assert.ok(text.includes(`ref:${hint}`), text);
      await page.screenshot({ path: join(resultsDir, 'live-resolution-hint.png') });
    } catch (error) {
      await page?.screenshot({ path: shot }).catch(() => undefined);
      await workbench?.keepLogs('live-tag-completion');
      throw error;
    }
  });
});
