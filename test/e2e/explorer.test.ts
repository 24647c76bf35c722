// End-to-end: the registry explorer in code-server. A local registry holds an artifact with 250
// tags; the Flux OCI view shows registry → repository → tags (with "Load more…"), a file of the
// artifact opens read-only from the tree with our diagnostics, and "Compare with Local Folder"
// opens the diff editor. Screenshots: test-results/e2e/explorer-tags.png, preview-tree.png, diff.png.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import {
  copyLogs, whyRealVsCodeCannotRun, copyToTemp, createProfile, extensionVsix, findCodeServer, installExtensions, launchChromium,
  openWorkbench, removeDir, repoRoot, startCodeServer,
  type CodeServerInstall, type Profile, type RunningCodeServer,
} from '../../scripts/vscode-rig';
import { startRegistry, type RegistryRig } from '../registry/rig';
import { clientFor } from '../registry/helpers';
import { pushFiles, tagMany, writeTree } from '../registry/explorerSeed';
import { showProblems, waitForProblems, outputChannelText, activeTabName } from './workbench';

const resultsDir = join(repoRoot, 'test-results', 'e2e');
const install: CodeServerInstall | undefined = findCodeServer();
const skip = whyRealVsCodeCannotRun();

const BASE = {
  'kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - apps/deployment.yaml\n',
  'apps/deployment.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n',
  'apps/service.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n',
  // A Flux object with two mistakes: the preview shows our diagnostics on it.
  'flux/podinfo.yaml': 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: podinfo\n  namespace: flux-system\nspec:\n  interval: 5 minutes\n  url: oci://ghcr.io/stefanprodan/manifests/podinfo\n  ref:\n    tag: latest\n  bogus: true\n',
};

describe('Flux OCI registry explorer in code-server', { skip, timeout: 300_000 }, () => {
  let profile: Profile | undefined;
  let workspace: string | undefined;
  let server: RunningCodeServer | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let registry: RegistryRig | undefined;
  let repository = '';

  before(async () => {
    mkdirSync(resultsDir, { recursive: true });
    registry = await startRegistry({ auth: 'none' });
    repository = `oci://${registry.host}/fleet/apps`;
    const client = clientFor(registry);
    await pushFiles(client, `${repository}:1.0.0`, BASE, new Date('2026-01-10T09:00:00Z'));
    // 250 more tags on the first artifact: the list needs "Load more…".
    await tagMany(client, `${repository}:1.0.0`, Array.from({ length: 250 }, (_, i) => `0.${Math.floor(i / 50)}.${i % 50}`));
    await pushFiles(client, `${repository}:1.1.0`, { ...BASE, 'apps/deployment.yaml': BASE['apps/deployment.yaml'].replace('replicas: 2', 'replicas: 3') }, new Date('2026-02-20T14:30:00Z'));
    client.close();
    workspace = copyToTemp(join(repoRoot, 'examples'));
    // The workspace names the repository in an OCIRepository: the explorer finds the registry there.
    writeFileSync(join(workspace, 'fleet-apps.yaml'), `apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  interval: 5m\n  url: ${repository}\n  ref:\n    tag: 1.1.0\n  insecure: true\n`);
    // The local folder to compare: one file changed, one added, one removed.
    await writeTree(join(workspace, 'deploy'), {
      'kustomization.yaml': BASE['kustomization.yaml'],
      'apps/deployment.yaml': BASE['apps/deployment.yaml'].replace('replicas: 2', 'replicas: 5'),
      'apps/configmap.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n',
      'flux/podinfo.yaml': BASE['flux/podinfo.yaml'],
    });
    profile = createProfile({ 'workbench.activityBar.location': 'default' });
    // A keybinding with arguments runs the comparison without the folder dialog.
    writeFileSync(join(profile.userDataDir, 'User', 'keybindings.json'), JSON.stringify([
      { key: 'ctrl+alt+d', command: 'fluxOci.compareWithFolder', args: { reference: `${repository}:1.1.0`, folder: join(workspace, 'deploy') } },
    ]));
    installExtensions(install!, profile, [extensionVsix]);
    try {
      server = await startCodeServer(install!, profile);
      browser = await launchChromium();
      page = await openWorkbench(browser, server, workspace);
    } catch (error) {
      const opened = browser?.contexts().flatMap((c) => c.pages())[0];
      await opened?.screenshot({ path: join(resultsDir, 'explorer-start-up.png') }).catch(() => undefined);
      copyLogs(profile, join(resultsDir, 'logs-explorer-start-up'));
      throw error;
    }
  }, { timeout: 180_000 });

  after(async () => {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    await registry?.stop();
    removeDir(workspace);
    removeDir(profile?.root);
  });

  const step = (name: string, body: (capture: () => Promise<void>) => Promise<void>) => async () => {
    const path = join(resultsDir, `${name}.png`);
    let captured = false;
    const capture = async () => { await page.screenshot({ path }); captured = true; };
    try {
      await page.keyboard.press('Escape');
      await body(capture);
    } catch (error) {
      if (profile) copyLogs(profile, join(resultsDir, `logs-${name}`));
      if (server) writeFileSync(join(resultsDir, `code-server-${name}.log`), server.output());
      if (!captured) await page?.screenshot({ path }).catch(() => undefined);
      captured = true;
      const channel = await outputChannelText(page, 'Flux OCI').catch((e: Error) => `(no output channel: ${e.message.split('\n')[0]})`);
      writeFileSync(join(resultsDir, `output-${name}.log`), channel);
      throw error;
    } finally {
      if (!captured) await page?.screenshot({ path }).catch(() => undefined);
    }
  };

  const view = () => page.locator('.pane', { has: page.locator('.pane-header', { hasText: /Registries/i }) });
  const row = (name: string | RegExp) => view().locator('.monaco-list-row', { hasText: name }).first();

  test('explorer-tags: registry → repository → tags newest first, with digest, time and Load more', { timeout: 120_000 }, step('explorer-tags', async (capture) => {
    await page.locator('.activitybar [aria-label^="Flux OCI"]').first().click();
    await row(registry!.host).waitFor({ timeout: 60_000 });
    await row(registry!.host).click();
    await row('fleet/apps').waitFor({ timeout: 30_000 });
    await row('fleet/apps').click();
    await row(/^0\.4\.49/).waitFor({ timeout: 60_000 });
    const labels = (await view().locator('.monaco-list-row').allTextContents()).map((t) => t.replace(/\u00a0/g, ' '));
    const tagRows = labels.filter((l) => /^\d+\.\d+\.\d+[0-9a-f]{12} · /.test(l));
    assert.match(tagRows[0], /^1\.1\.0[0-9a-f]{12} · 2026-02-20 14:30/, `first tag row: ${tagRows[0]}`);
    assert.match(tagRows[1], /^1\.0\.0[0-9a-f]{12} · 2026-01-10 09:00/);
    assert.match(tagRows[2], /^0\.4\.49/);
    await capture();
    // The 100th tag is followed by "Load more…" (the list is virtual: go to its end first).
    await view().locator('.monaco-list').first().focus();
    await page.keyboard.press('End');
    await row(/Load more….*100 of 252 tags shown/).waitFor({ timeout: 30_000 });
    // Tooltips of the rows above may cover it: click it as a user would, regardless.
    await row(/Load more….*100 of 252 tags shown/).click({ force: true });
    // The next page is in: the list grew, so its new end is further down.
    const next = row(/Load more….*200 of 252 tags shown/);
    for (const deadline = Date.now() + 30_000; !(await next.isVisible()); ) {
      if (Date.now() > deadline) throw new Error('the second page of tags did not arrive');
      await view().locator('.monaco-list').first().focus();
      await page.keyboard.press('End');
      await next.waitFor({ timeout: 1_000 }).catch(() => undefined);
    }
  }));

  test('preview-tree: a file of the artifact opens read-only from the tree, with our diagnostics', { timeout: 120_000 }, step('preview-tree', async (capture) => {
    // Back to the top of the tree, collapse the long tag list again, then open 1.1.0.
    await view().locator('.monaco-list').first().focus();
    await page.keyboard.press('Home');
    await row('fleet/apps').waitFor({ timeout: 30_000 });
    await row('fleet/apps').click();
    await row('fleet/apps').click();
    await row(/^1\.1\.0/).waitFor({ timeout: 30_000 });
    await row(/^1\.1\.0/).click();
    await row(/^flux$/).waitFor({ timeout: 30_000 });
    await row(/^flux$/).click();
    await row(/^podinfo\.yaml/).click();
    await page.locator('.tabs-container .tab.active[aria-label^="podinfo.yaml"]').waitFor({ timeout: 30_000 });
    assert.equal(await activeTabName(page), 'podinfo.yaml');
    await showProblems(page);
    const rows = await waitForProblems(page, (r) => r.some((t) => t.includes('flux-oci') && t.includes('5 minutes')) && r.some((t) => t.includes('unknown field "bogus"')), 30_000);
    assert.ok(rows.some((t) => t.includes('podinfo.yaml')));
    await capture();
  }));

  test('diff: Compare with Local Folder lists the differences and opens the diff editor', { timeout: 120_000 }, step('diff', async (capture) => {
    await page.locator('.monaco-workbench').click({ position: { x: 700, y: 300 } }).catch(() => undefined);
    await page.keyboard.press('Control+Alt+D');
    const picker = page.locator('.quick-input-widget');
    await picker.waitFor({ state: 'visible', timeout: 60_000 });
    await picker.getByText(/1 changed, 1 added, 1 removed, 2 the same/).waitFor({ timeout: 30_000 });
    const items = (await picker.locator('.monaco-list-row').allTextContents()).map((t) => t.replace(/\u00a0/g, ' '));
    assert.ok(items.some((t) => t.includes('apps/deployment.yaml') && t.includes('changed')), items.join('\n'));
    assert.ok(items.some((t) => t.includes('apps/configmap.yaml') && t.includes('only in the folder')), items.join('\n'));
    assert.ok(items.some((t) => t.includes('apps/service.yaml') && t.includes('only in the artifact')), items.join('\n'));
    await page.locator('.monaco-diff-editor').first().waitFor({ timeout: 30_000 });
    await page.locator('.tabs-container .tab.active[aria-label*="artifact ↔ local"]').waitFor({ timeout: 30_000 });
    await page.locator('.monaco-diff-editor .line-insert, .monaco-diff-editor .char-insert').first().waitFor({ timeout: 30_000 });
    await capture();
  }));
});
