// End-to-end: the artifact map (.flux-oci.yaml: which folder each OCI artifact is built from) in
// code-server, on a copy of test/fixtures/artifact-map/oci-fleet whose FluxInstance syncs
// oci://<local registry>/example-org/manifests/fleet:latest, path clusters/prod, built from ./kubernetes.
// 1. The hover on a Kustomization's spec.path says which artifact it applies from and how that is
//    known; the mistyped path is an error, the child whose parent's patches fill it in is not.
// 2. "Push Folder as Artifact…" on kubernetes/ offers the mapped repository first; the push completes.
// 3. The local-versus-published status bar item: the same after the push; a saved edit makes it
//    "1 file differs" (warning background); a click opens the diff.
// Screenshots: test-results/e2e/artifact-map-hover.png, artifact-map-push-picker.png,
// artifact-map-status-same.png (after the push, with the item's tooltip), artifact-map-status.png
// (after the edit: the warning background), artifact-map-status-tooltip.png (its whole text) and
// artifact-map-status-diff.png.
// 4. Show What Flux Applies on the parent Kustomization (render-view.png), and Compare with
//    Published: the published artifact's render against the local one (render-compare.png).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { whyRealVsCodeCannotRun, copyToTemp, removeDir, repoRoot } from '../../scripts/vscode-rig';
import { startRegistry, type RegistryRig } from '../registry/rig';
import { inspectRaw, tagDigest } from '../registry/pushHelpers';
import {
  budget, eventually, goToPosition, normaliseText, openFile, retryUntil, screenshot, showHover, showProblems, waitForFile,
  e2eResultsDir as resultsDir, startWorkbench, workbenchSteps, type Workbench,
} from './workbench';

const skip = whyRealVsCodeCannotRun();

const FIXTURE = join(repoRoot, 'test', 'fixtures', 'artifact-map', 'oci-fleet');
const FIXTURE_URL = 'oci://ghcr.io/example-org/manifests/fleet';
const STEP = { timeout: budget(300_000) };

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * The fixture fleet in a fresh Git repository, its FluxInstance syncing the local registry's
 * repository, and the declared map saying that artifact is built from ./kubernetes.
 */
function makeWorkspace(url: string): { dir: string; commit: string } {
  const dir = copyToTemp(FIXTURE, 'flux-oci-ws-artifact-map-');
  const instance = join(dir, 'bootstrap', 'flux-instance.yaml');
  const text = readFileSync(instance, 'utf8');
  assert.ok(text.includes(FIXTURE_URL), 'the fixture names the repository this test rewrites');
  writeFileSync(instance, text.replace(FIXTURE_URL, url));
  writeFileSync(join(dir, '.flux-oci.yaml'), `artifacts:\n  - url: ${url}\n    path: ./kubernetes\n`);
  const git = (...args: string[]) => execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.invalid' } }).trim();
  git('init', '-q', '-b', 'main');
  git('remote', 'add', 'origin', 'https://github.com/example-org/fleet.git');
  git('add', '-A');
  git('commit', '-q', '-m', 'initial');
  return { dir, commit: git('rev-parse', 'HEAD') };
}

describe('The artifact map in code-server: hover, push picker, local versus published', { skip, timeout: budget(900_000) }, () => {
  let workbench: Workbench | undefined;
  let workspace: { dir: string; commit: string } | undefined;
  let page: Page;
  let registry: RegistryRig | undefined;
  let url = '';
  let pushedDigest: string | undefined;

  before(async () => {
    registry = await startRegistry({ auth: 'none' });
    url = `oci://${registry.host}/example-org/manifests/fleet`;
    workspace = makeWorkspace(url);
    workbench = await startWorkbench({ workspace: workspace.dir, startUpName: 'artifact-map-start-up' });
    page = workbench.page;
  }, { timeout: budget(240_000) });

  after(async () => {
    await workbench?.close();
    await registry?.stop();
    removeDir(workspace?.dir);
  });

  /**
   * Each step screenshots `<name>.png` when its state is reached (workbenchSteps); a failure after
   * that also leaves `<name>-failure.png`, the state it failed in.
   */
  const stepOf = workbenchSteps(() => workbench!);
  const step = (name: string, body: (capture: () => Promise<void>) => Promise<void>) => stepOf(name, async (capture) => {
    try {
      await body(capture);
    } catch (error) {
      await page.screenshot({ path: join(resultsDir, `${name}-failure.png`) }).catch(() => undefined);
      throw error;
    }
  });
  const quickInput = () => page.locator('.quick-input-widget');
  const pickRows = () => page.locator('.quick-input-list .monaco-list-row');
  const pickRow = (text: string | RegExp) => pickRows().filter({ hasText: text }).first();
  const toast = (text: string | RegExp) => page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();
  /** The local-versus-published status bar item (its text starts with the folder). */
  const statusItem = () => page.locator('.part.statusbar .statusbar-item', { hasText: './kubernetes:' }).first();
  const statusText = async () => normaliseText((await statusItem().innerText({ timeout: budget(5_000) }).catch(() => '')) ?? '').trim();

  /**
   * Hovers the status item until its tooltip (every artifact's status, with where the map learned
   * it) shows `text`; the status bar cuts a long item short, the tooltip has it whole. Returns the text.
   */
  async function statusTooltip(text: string | RegExp): Promise<string> {
    const tooltip = page.locator('.workbench-hover, .monaco-hover:not(.hidden)', { hasText: text }).first();
    return retryUntil(`the status item's tooltip with ${String(text)}`, async (ms) => {
      await page.mouse.move(700, 400);
      await statusItem().hover();
      try {
        await tooltip.waitFor({ state: 'visible', timeout: ms });
        return normaliseText(await tooltip.innerText());
      } catch {
        return undefined;
      }
    }, { timeoutMs: 60_000, attemptMs: 5_000 });
  }

  /** Problems panel rows with the file each marker belongs to and whether it is an error. */
  async function problemEntries(): Promise<{ file: string; text: string; error: boolean }[]> {
    const rows = page.locator('.markers-panel .monaco-list-row');
    const raw = await rows.evaluateAll((els) => els.map((e) => ({
      level: e.getAttribute('aria-level'),
      label: e.getAttribute('aria-label') ?? '',
      text: e.textContent ?? '',
      error: e.querySelector('.codicon-error, .marker-icon.error') !== null,
      top: parseFloat((e as unknown as { style: { top: string } }).style.top) || 0,
    })));
    raw.sort((a, b) => a.top - b.top);
    const out: { file: string; text: string; error: boolean }[] = [];
    let file = '';
    for (const r of raw) {
      if (r.level === '1') file = normaliseText(r.label || r.text);
      else out.push({ file, text: normaliseText(r.text), error: r.error });
    }
    return out;
  }

  test('hover: a Kustomization in the mapped folder says which artifact it applies from, and the typo is an error', STEP, step('artifact-map-hover', async (capture) => {
    // The child first: its parent's patches supply interval, prune and sourceRef (no error), then the typo.
    await openFile(page, 'kubernetes/apps/podinfo/ks.yaml');
    await openFile(page, 'kubernetes/infra/controllers/ks.yaml');
    await showProblems(page);
    let entries: { file: string; text: string; error: boolean }[] = [];
    await eventually('the path error on controllers/ks.yaml and no error on podinfo/ks.yaml', async () => {
      entries = await problemEntries();
      const typo = entries.some((e) => e.file.includes('infra/controllers') && e.error && e.text.includes('./infra/controler') && e.text.includes('flux/path-not-found'));
      const childErrors = entries.filter((e) => e.file.includes('apps/podinfo') && e.error);
      return typo && childErrors.length === 0;
    }, { timeoutMs: 120_000, describe: () => JSON.stringify(entries, null, 1) });

    // spec.path is line 9 of controllers/ks.yaml: `  path: ./infra/controler`.
    const hover = await showHover(page, 9, 14, /Applies/);
    const text = normaliseText(await hover.innerText());
    assert.match(text, new RegExp(`Applies ${escape('./infra/controler')} of ${escape(url)} \\(tag latest\\), built from \\./kubernetes — declared in \\.flux-oci\\.yaml:2`), text);
    // The section is the hover's last: scroll the hover (focused by asking again) until it is in view, for the screenshot.
    const applies = hover.locator('p', { hasText: /^Applies / }).first();
    await eventually('the Applies section scrolled into the hover\'s view', async () => {
      const [box, inner] = [await hover.boundingBox(), await applies.boundingBox()];
      if (box && inner && inner.y >= box.y && inner.y + inner.height <= box.y + box.height) return true;
      await page.keyboard.press('Control+K');
      await page.keyboard.press('Control+I');
      await page.keyboard.press('End');
      return undefined;
    }, { timeoutMs: 30_000, intervalMs: 250 });
    await capture();
  }));

  /**
   * Right-click kubernetes/ in the Explorer and choose "Push Folder as Artifact…" until its pickers
   * open at the repository (the folder is the one clicked); as the push e2e does, the keyboard
   * runs the entry (the menu may ignore a click that comes too soon after it opened).
   */
  async function pushFromContextMenu(): Promise<void> {
    await retryUntil('the push pickers to open from the Explorer context menu on kubernetes/', async (attemptMs) => {
      await page.keyboard.press('Escape');
      await page.keyboard.press('Escape');
      await page.locator('.explorer-folders-view').getByRole('treeitem', { name: 'kubernetes', exact: true }).first().click({ button: 'right' });
      const entry = page.locator('.context-view .action-label', { hasText: 'Push Folder as Artifact…' }).first();
      await entry.hover({ timeout: attemptMs });
      await page.keyboard.press('Enter');
      await quickInput().filter({ hasText: '2/3' }).waitFor({ timeout: attemptMs });
      return true;
    }, { timeoutMs: 90_000, attemptMs: 15_000 });
  }

  test('push picker: Push Folder as Artifact on kubernetes/ offers the mapped repository first, and pushes it', STEP, step('artifact-map-push-picker', async (capture) => {
    // Before any push the item already says so (the registry has no tag latest).
    await eventually('the status item to say the artifact is not pushed', async () =>
      (await statusText()).includes(`./kubernetes: ${url}:latest is not pushed`), { timeoutMs: 120_000, describe: statusText });

    await pushFromContextMenu();
    const first = pickRows().first();
    await eventually('the mapped repository as the first row', async () =>
      normaliseText((await first.locator('.label-name').innerText().catch(() => '')) ?? '') === url || undefined,
    { timeoutMs: 30_000, describe: async () => (await pickRows().allTextContents()).map(normaliseText).join(' | ') });
    const description = normaliseText(await first.locator('.label-description').innerText());
    assert.ok(description.startsWith('built from this folder — declared in .flux-oci.yaml:2'), description);
    // It is the row Enter accepts.
    assert.ok(((await first.getAttribute('class')) ?? '').split(/\s+/).includes('focused'), 'the mapped repository is the active row');
    await capture();
    await page.keyboard.press('Enter');

    await quickInput().filter({ hasText: '3/3' }).waitFor({ timeout: budget(30_000) });
    await pickRow('moving tag').waitFor({ timeout: budget(30_000) });
    await page.locator('.quick-input-widget input').fill('latest');
    // Enter only once the picker shows the extension's answer to the typing ("as typed" first and
    // active): the extension replaces the items on each keystroke, and an Enter that comes before the
    // new items arrived is mapped by position onto the new list (another tag would be pushed).
    await eventually('"latest" as typed, the active first tag row', async () => {
      const top = pickRows().first();
      const [label, description, cls] = await Promise.all([top.locator('.label-name').innerText().catch(() => ''), top.locator('.label-description').innerText().catch(() => ''), top.getAttribute('class').catch(() => '')]);
      return (normaliseText(label) === 'latest' && normaliseText(description) === 'as typed' && (cls ?? '').split(/\s+/).includes('focused')) || undefined;
    }, { describe: async () => (await pickRows().allTextContents()).map(normaliseText).join(' | ') });
    await page.keyboard.press('Enter');

    // No tag latest exists yet, so nothing is replaced. The checks before a push do not judge
    // paths (server/src/push/checks.ts), so the typo does not stop it today; should they come to
    // list errors, the child whose fields come from its parent's patches must not be one of them.
    const lintDialog = page.locator('.monaco-dialog-box', { hasText: 'in the manifests to push' });
    const done = toast(/Pushed \d+ files? as/);
    await done.or(lintDialog).first().waitFor({ timeout: budget(120_000) });
    if (await lintDialog.isVisible()) {
      const dialogText = normaliseText(await lintDialog.innerText());
      assert.doesNotMatch(dialogText, /apps\/podinfo\/ks\.yaml/, dialogText);
      assert.match(dialogText, /infra\/controllers\/ks\.yaml:9:\d+ .*\.\/infra\/controler/, dialogText);
      await lintDialog.getByRole('button', { name: 'Push anyway' }).click();
    }
    await done.waitFor({ timeout: budget(120_000) });
    const doneText = normaliseText(await done.innerText());
    assert.match(doneText, new RegExp(`Pushed 5 files as ${escape(url)}:latest\\. Digest reference: ${escape(url)}@sha256:[a-f0-9]{64}`), doneText);
    pushedDigest = /@(sha256:[a-f0-9]{64})/.exec(doneText)![1];
    const repository = `${url.replace(/^oci:\/\/[^/]+\//, '')}`;
    assert.equal(await tagDigest(registry!, `${repository}:latest`), pushedDigest);
    const manifest = await inspectRaw(registry!, `${repository}:latest`);
    assert.equal(manifest.annotations['org.opencontainers.image.revision'], `main@sha1:${workspace!.commit}`);
    assert.equal(manifest.annotations['org.opencontainers.image.source'], 'https://github.com/example-org/fleet.git');
    await done.locator('.codicon-notifications-clear, .codicon-close').first().click().catch(() => undefined);
  }));

  test('status: the same after the push, "1 file differs" after a saved edit, and a click opens the diff', STEP, step('artifact-map-status-diff', async (capture) => {
    assert.ok(pushedDigest, 'the push step pushed');
    const short = workspace!.commit.slice(0, 7);
    const warning = async () => ((await statusItem().getAttribute('class').catch(() => '')) ?? '').split(/\s+/).includes('warning-kind');
    // The push asks the item again: the registry now holds the folder as it is.
    const same = new RegExp(`^${escape(`./kubernetes: the same as ${url}:latest`)}, pushed \\d+ min ago from ${short}$`);
    await eventually('the status item to say the folder is the same as the pushed artifact', async () =>
      same.test(await statusText()) && !(await warning()), { timeoutMs: 120_000, describe: async () => `${await statusText()} (warning: ${await warning()})` });
    // Let the push's notifications go (they close by themselves), then show the whole status in the tooltip.
    await eventually('the push\'s notifications to close', async () => (await page.locator('.notifications-toasts .notification-toast').count()) === 0)
      .catch(() => undefined);
    const sameTip = await statusTooltip('declared in .flux-oci.yaml:2');
    assert.match(sameTip, new RegExp(`${escape(`./kubernetes: the same as ${url}:latest`)}, pushed \\d+ min ago from ${short} — declared in \\.flux-oci\\.yaml:2`), sameTip);
    await screenshot(page, join(resultsDir, 'artifact-map-status-same.png'));
    await page.mouse.move(700, 400);

    // Edit a file of the mapped folder in the editor and save it.
    const file = join(workspace!.dir, 'kubernetes', 'apps', 'podinfo', 'app', 'cm.yaml');
    await openFile(page, 'kubernetes/apps/podinfo/app/cm.yaml');
    await goToPosition(page, 6, 14);
    for (let i = 0; i < 'blue'.length; i++) await page.keyboard.press('Backspace');
    await page.keyboard.type('green');
    await page.keyboard.press('Control+S');
    await waitForFile(file, (t) => t.includes('color: green\n'));

    const differs = new RegExp(`^${escape(`./kubernetes: 1 file differs from ${url}:latest`)}, pushed \\d+ min ago from ${short}$`);
    await eventually('the status item to say one file differs, on a warning background', async () =>
      differs.test(await statusText()) && (await warning()), { timeoutMs: 120_000, describe: async () => `${await statusText()} (warning: ${await warning()})` });
    // The warning background shows while the pointer is elsewhere (hovered, the item takes the hover colour).
    await page.mouse.move(700, 400);
    await screenshot(page, join(resultsDir, 'artifact-map-status.png'));
    const differsTip = await statusTooltip('1 file differs');
    assert.match(differsTip, new RegExp(`${escape(`./kubernetes: 1 file differs from ${url}:latest`)}, pushed \\d+ min ago from ${short} — declared in \\.flux-oci\\.yaml:2`), differsTip);
    await screenshot(page, join(resultsDir, 'artifact-map-status-tooltip.png'));
    await page.mouse.move(700, 400);

    // A click compares: the list of differences, and the diff of the first one.
    await statusItem().click();
    const picker = quickInput();
    await picker.getByText(/1 changed, 0 added, 0 removed, 4 the same/).waitFor({ timeout: budget(60_000) });
    const items = (await pickRows().allTextContents()).map(normaliseText);
    assert.equal(items.length, 1, items.join('\n'));
    assert.ok(items[0].includes('apps/podinfo/app/cm.yaml') && items[0].includes('changed'), items[0]);
    await page.locator('.tabs-container .tab.active[aria-label*="apps/podinfo/app/cm.yaml (artifact ↔ local)"]').waitFor({ timeout: budget(30_000) });
    const diff = page.locator('.monaco-diff-editor').first();
    await diff.locator('.line-insert, .char-insert').first().waitFor({ timeout: budget(30_000) });
    await eventually('both sides of the diff', async () => {
      const text = normaliseText(await diff.innerText());
      return text.includes('color: blue') && text.includes('color: green');
    });
    await capture();
  }));

  test('render: Show What Flux Applies on apps, then Compare with Published shows the edited ConfigMap', STEP, step('render-compare', async (capture) => {
    assert.ok(pushedDigest, 'the push step pushed');
    await page.keyboard.press('Escape');
    await openFile(page, 'kubernetes/clusters/prod/apps.yaml');
    /** Clicks a code lens until the editor tab it opens is the active one. */
    const openByLens = (title: string, tabLabel: string) => retryUntil(`the ${title} lens to open ${tabLabel}`, async (ms) => {
      await page.locator('.codelens-decoration a', { hasText: title }).first().click({ timeout: ms });
      await page.locator(`.tabs-container .tab.active[aria-label*="${tabLabel}"]`).waitFor({ timeout: ms });
      return true;
    }, { timeoutMs: 120_000, attemptMs: 20_000 });
    await openByLens('Show What Flux Applies', 'apps (what Flux applies).yaml');
    const active = page.locator('.editor-group-container.active .monaco-editor .view-lines').first();
    await eventually('the rendered objects, with the local edit, in the view', async () => {
      const text = normaliseText(await active.innerText().catch(() => ''));
      return (text.includes('# What Flux applies for Kustomization flux-system/apps') && text.includes('color: green') && text.includes('kustomize.toolkit.fluxcd.io/name: apps')) || undefined;
    }, { timeoutMs: 120_000, describe: async () => normaliseText(await active.innerText().catch(() => '')) });
    await screenshot(page, join(resultsDir, 'render-view.png'));

    // Back to the Kustomization: its second lens compares with what the cluster syncs now.
    await page.locator('.tabs-container .tab', { hasText: 'apps.yaml' }).first().click();
    await openByLens('Compare with Published', 'published ↔ local');
    const diff = page.locator('.monaco-diff-editor').first();
    await eventually('the published (blue) and local (green) ConfigMap in the diff', async () => {
      const text = normaliseText(await diff.innerText().catch(() => ''));
      return (text.includes('color: blue') && text.includes('color: green')) || undefined;
    }, { timeoutMs: 120_000, describe: async () => normaliseText(await diff.innerText().catch(() => '')) });
    await diff.locator('.line-insert, .char-insert').first().waitFor({ timeout: budget(30_000) });
    await capture();
  }));
});
