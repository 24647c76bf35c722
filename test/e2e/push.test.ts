// End-to-end: "Flux OCI: Push Folder as Artifact…" from the palette in code-server (the packaged
// extension), pushing a folder of a Git repository to a local registry. Screenshots of the
// progress and the result go to test-results/e2e/push-progress.png and push-done.png.
// The pushes go through the fault proxy (test/registry/faultProxy.ts) in front of the registry:
// where a test needs the push to be under way (the progress shown, Cancel clicked), the proxy
// holds the layer's upload after its first bytes until the test has done that, so no step
// depends on how long the machine takes to send the bytes.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Locator, Page } from 'playwright-core';
import { whyRealVsCodeCannotRun, copyToTemp, removeDir, repoRoot } from '../../scripts/vscode-rig';
import { startRegistry, type RegistryRig } from '../registry/rig';
import { startFaultProxy, HeldRequest, type FaultProxy, type HoldOutcome } from '../registry/faultProxy';
import { inspectRaw, tagDigest, FLUX } from '../registry/pushHelpers';
import { normaliseText, e2eResultsDir as resultsDir, startWorkbench, type Workbench } from './workbench';
import { budget, eventually, retryUntil } from '../timing';

const skip = whyRealVsCodeCannotRun();

/** Writes the workspace: a Git repository with an OCIRepository and a deploy/ folder to push. */
function makeWorkspace(registryHost: string): { dir: string; commit: string } {
  const dir = copyToTemp(join(repoRoot, 'examples', 'artifact'), 'flux-oci-ws-push-');
  mkdirSync(join(dir, 'clusters'), { recursive: true });
  writeFileSync(join(dir, 'clusters', 'apps.yaml'),
    `apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  interval: 5m\n  url: oci://${registryHost}/e2e/apps\n  ref:\n    tag: latest\n`);
  // Move the example artifact under deploy/, with a file that makes the layer larger than the
  // client's chunk threshold (64 MB): it is uploaded in PATCH chunks, the first of which the proxy holds.
  mkdirSync(join(dir, 'deploy'));
  for (const name of ['apps', 'kustomization.yaml']) execFileSync('mv', [join(dir, name), join(dir, 'deploy', name)]);
  writePayload(dir);
  const git = (...args: string[]) => execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.invalid' } }).trim();
  git('init', '-q', '-b', 'main');
  // A remote URL with a token in it: the token must not reach the artifact's annotations.
  git('remote', 'add', 'origin', 'https://x-access-token:ghp_e2eSecretToken@github.com/org/fleet.git');
  git('add', '-A');
  git('commit', '-q', '-m', 'initial');
  return { dir, commit: git('rev-parse', 'HEAD') };
}

/** (Re)writes deploy/payload.bin with fresh random bytes: the folder then packs into a new layer. */
function writePayload(dir: string): void {
  writeFileSync(join(dir, 'deploy', 'payload.bin'), randomBytes(96 * 1024 * 1024));
}

describe('Push Folder as Artifact in code-server', { skip, timeout: 300_000 }, () => {
  let workbench: Workbench | undefined;
  let workspace: { dir: string; commit: string } | undefined;
  let page: Page;
  let registry: RegistryRig | undefined;
  /** In front of the registry: the workspace's OCIRepository, hence every push here, names this host (loopback: plain HTTP is allowed). */
  let proxy: FaultProxy | undefined;
  let pushedDigest: string | undefined;

  before(async () => {
    registry = await startRegistry({ auth: 'none' });
    proxy = await startFaultProxy({ upstream: registry.url, dataDir: registry.dataDir });
    workspace = makeWorkspace(proxy.host);
    workbench = await startWorkbench({ workspace: workspace.dir, startUpName: 'push-start-up' });
    page = workbench.page;
  }, { timeout: 150_000 });

  after(async () => {
    await workbench?.close();
    await proxy?.stop();
    await registry?.stop();
    removeDir(workspace?.dir);
  });

  const input = () => page.locator('.quick-input-widget input');
  const row = (text: string | RegExp) => page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first();
  const toast = (text: string | RegExp) => page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();

  /**
   * Makes the proxy hold the next chunk of a layer upload to e2e/apps once its first bytes came,
   * until the test releases it (the registry sees nothing of it meanwhile).
   */
  function holdNextLayerUpload(): HeldRequest {
    const held = new HeldRequest();
    proxy!.rules.push({ method: 'PATCH', path: /^\/v2\/e2e\/apps\/blobs\/uploads\//, times: 1, fault: { kind: 'hold', held } });
    return held;
  }

  /** Waits until the held upload reached the proxy: the push is under way and cannot finish before release(). */
  async function untilHeld(held: HeldRequest): Promise<void> {
    let arrived = false;
    void held.arrived.then(() => (arrived = true));
    await eventually('the layer upload to reach the proxy and be held', () => arrived, {
      timeoutMs: 120_000,
      describe: () => proxy!.requests.slice(-6).map((r) => `${r.method} ${r.path}${r.fault ? ` (${r.fault})` : ''}`).join(', ') || 'no request',
    });
  }

  /** After release(): whether the client had gone away or still waited (and the request went on). */
  async function outcomeOf(held: HeldRequest): Promise<HoldOutcome> {
    let outcome: HoldOutcome | undefined;
    void held.outcome.then((o) => (outcome = o));
    return eventually('the proxy to let go of the held upload', () => outcome, { timeoutMs: 60_000 });
  }

  const manifestPuts = (from: number) => proxy!.requests.slice(from).filter((r) => r.method === 'PUT' && r.path.includes('/manifests/'));

  /** Types into the open quick pick, waits for the row, accepts it. */
  async function choose(waitFor: string | RegExp, typed: string): Promise<void> {
    await row(waitFor).waitFor({ timeout: 30_000 });
    await input().fill(typed);
    await row(typed).waitFor({ timeout: 10_000 });
    await page.keyboard.press('Enter');
  }

  test('push a folder from the palette: pickers, progress, and the digest reference', { timeout: 240_000 }, async () => {
    const host = proxy!.host;
    const shortSha = workspace!.commit.slice(0, 7);
    // The layer's upload waits at the proxy until the progress has been seen.
    const held = holdNextLayerUpload();
    try {
      // The palette lists the command once the extension host has read the extension: ask again until it does.
      const deadline = Date.now() + 90_000;
      for (;;) {
        await page.keyboard.press('F1');
        await input().waitFor({ state: 'visible' });
        await input().fill('>Flux OCI: Push Folder as Artifact');
        try {
          await row('Push Folder as Artifact').waitFor({ timeout: 5_000 });
          break;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await page.keyboard.press('Escape');
        }
      }
      await page.keyboard.press('Enter');
      // 1/3 folder, 2/3 repository (offered from the workspace's OCIRepository), 3/3 tag (short Git SHA offered).
      await page.locator('.quick-input-widget', { hasText: '1/3' }).waitFor({ timeout: 30_000 });
      await choose('deploy', 'deploy');
      await page.locator('.quick-input-widget', { hasText: '2/3' }).waitFor({ timeout: 30_000 });
      await choose('used by an OCIRepository', `oci://${host}/e2e/apps`);
      await page.locator('.quick-input-widget', { hasText: '3/3' }).waitFor({ timeout: 30_000 });
      await choose('short Git commit', shortSha);

      const progress = toast(`Pushing oci://${host}/e2e/apps:${shortSha}`);
      await progress.waitFor({ timeout: budget(60_000) });
      await untilHeld(held);
      // The upload is held: the push is under way, its notification shows the packing done and offers Cancel.
      await page.locator('.notifications-toasts .notification-toast', { hasText: /packed 5\/5 files/ }).first().waitFor({ timeout: budget(60_000) });
      await progress.getByRole('button', { name: /^Cancel/ }).waitFor({ timeout: budget(10_000) });
      await page.screenshot({ path: join(resultsDir, 'push-progress.png') });
      assert.deepEqual(manifestPuts(0), [], 'nothing was tagged while the upload is held');
      held.release();

      const done = toast(/Pushed 5 files as/);
      await done.waitFor({ timeout: budget(180_000) });
      const text = normaliseText(await done.innerText());
      assert.match(text, new RegExp(`as oci://${host.replace(/\./g, '\\.')}/e2e/apps:${shortSha}\\. Digest reference: oci://${host.replace(/\./g, '\\.')}/e2e/apps@sha256:[a-f0-9]{64}`));
      await done.getByRole('button', { name: 'Copy reference' }).waitFor();
      await page.screenshot({ path: join(resultsDir, 'push-done.png') });

      const manifest = await inspectRaw(registry!, `e2e/apps:${shortSha}`);
      assert.equal(manifest.config.mediaType, FLUX.config);
      assert.deepEqual(manifest.layers.map((l) => l.mediaType), [FLUX.content]);
      assert.equal(manifest.annotations['org.opencontainers.image.source'], 'https://github.com/org/fleet.git', 'the token in the remote URL is not published');
      assert.equal(manifest.annotations['org.opencontainers.image.revision'], `main@sha1:${workspace!.commit}`);
      pushedDigest = /@(sha256:[a-f0-9]{64})/.exec(text)![1];
    } catch (error) {
      await keepFailure('push');
      throw error;
    } finally {
      proxy!.rules.length = 0;
      held.release();
    }
  });

  /**
   * Right-click the folder and choose the command until its pickers open: on a busy machine the
   * context menu can take the click while it is still being laid out and stay open without acting.
   */
  async function pushFromContextMenu(): Promise<void> {
    await retryUntil('the push pickers to open from the Explorer context menu', async (attemptMs) => {
      await page.keyboard.press('Escape');
      await page.keyboard.press('Escape');
      await page.getByRole('treeitem', { name: 'deploy' }).first().click({ button: 'right' });
      // The menu ignores a mouse-up that comes too soon after it opened; the keyboard always works:
      // hovering focuses the entry, Enter runs it.
      const entry = page.locator('.context-view .action-label', { hasText: 'Push Folder as Artifact…' }).first();
      await entry.hover({ timeout: attemptMs });
      await page.keyboard.press('Enter');
      await page.locator('.quick-input-widget', { hasText: '2/3' }).waitFor({ timeout: attemptMs });
      return true;
    }, { timeoutMs: 90_000, attemptMs: 15_000 });
  }

  /**
   * Pushes the folder again from its context menu to the same repository (now offered as recent)
   * and tag; returns the dialog that asks before the existing tag is replaced, once it shows.
   */
  async function pushAgainFromContextMenu(host: string, shortSha: string): Promise<Locator> {
    await pushFromContextMenu();
    await choose(/recent/, `oci://${host}/e2e/apps`);
    await page.locator('.quick-input-widget', { hasText: '3/3' }).waitFor({ timeout: 30_000 });
    await choose('short Git commit', shortSha);
    const dialog = page.locator('.monaco-dialog-box', { hasText: 'already exists' });
    await dialog.waitFor({ timeout: 60_000 });
    return dialog;
  }

  test('the Explorer\'s context menu on a folder pushes too, and replacing an existing tag needs a yes', { timeout: 180_000 }, async () => {
    const host = proxy!.host;
    const shortSha = workspace!.commit.slice(0, 7);
    assert.ok(pushedDigest, 'the first push happened');
    try {
      // The folder is the one clicked: the pickers start at the repository, offered as recent now.
      const dialog = await pushAgainFromContextMenu(host, shortSha);
      assert.match(normaliseText(await dialog.innerText()), new RegExp(`points at ${pushedDigest}`));
      await page.screenshot({ path: join(resultsDir, 'push-overwrite.png') });
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'hidden' });
      assert.equal(await tagDigest(registry!, `e2e/apps:${shortSha}`), pushedDigest, 'the tag was not replaced');
    } catch (error) {
      await keepFailure('push-context-menu');
      throw error;
    }
  });

  test('cancelling a push from its notification leaves the tag as it was', { timeout: 180_000 }, async () => {
    const host = proxy!.host;
    const shortSha = workspace!.commit.slice(0, 7);
    assert.ok(pushedDigest, 'the first push happened');
    // New content, so that this push has a layer to upload (the registry has the first one), and
    // the proxy holds that upload until Cancel has been clicked.
    writePayload(workspace!.dir);
    const held = holdNextLayerUpload();
    const from = proxy!.requests.length;
    try {
      const dialog = await pushAgainFromContextMenu(host, shortSha);
      await dialog.getByRole('button', { name: 'Replace' }).click();
      const progress = toast(`Pushing oci://${host}/e2e/apps:${shortSha}`);
      await progress.waitFor({ timeout: budget(60_000) });
      await untilHeld(held);
      await progress.getByRole('button', { name: /^Cancel/ }).click({ timeout: budget(30_000) });
      await toast('cancelled; the tag was not changed').waitFor({ timeout: budget(60_000) });
      await page.screenshot({ path: join(resultsDir, 'push-cancelled.png') });
      // Let go of the upload: a push that went on would get its bytes to the registry now.
      held.release();
      assert.equal(await outcomeOf(held), 'client-gone', 'the language server closed the upload when the push was cancelled');
      assert.deepEqual(manifestPuts(from), [], 'the manifest PUT never happened');
      assert.equal(await tagDigest(registry!, `e2e/apps:${shortSha}`), pushedDigest, 'the tag still points at the first push');
    } catch (error) {
      await keepFailure('push-cancel');
      throw error;
    } finally {
      proxy!.rules.length = 0;
      held.release();
    }
  });

  async function keepFailure(name: string): Promise<void> {
    await page.screenshot({ path: join(resultsDir, `${name}-failure.png`) }).catch(() => undefined);
    await workbench?.keepLogs(name);
  }
});
