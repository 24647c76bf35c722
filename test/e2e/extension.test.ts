// End-to-end: the packaged extension (flux-oci.vsix) installed in code-server, driven in Chromium
// on a copy of examples/. Each step is its own test and leaves a screenshot in test-results/e2e/.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Page } from 'playwright-core';
import { whyRealVsCodeCannotRun, copyToTemp, removeDir, repoRoot } from '../../scripts/vscode-rig';
import { startRegistry, type RegistryRig } from '../registry/rig';
import {
  activeEditor, activeTabName, budget, closeWidgets, cursorPosition, editorText, eventually, goToPosition, openCodeAction, openFile,
  problemRows, runCommand, screenshot, showHover, showProblems, triggerSuggest, waitForEditorText, waitForFile,
  waitForNotification, waitForProblems, waitForTerminalText, e2eResultsDir as resultsDir, startWorkbench, workbenchSteps, type Workbench,
} from './workbench';

const skip = whyRealVsCodeCannotRun();

const flux = (rows: string[]) => rows.filter((r) => r.includes('flux-oci'));
const cli = join(repoRoot, 'dist', 'cli.js');
const run = promisify(execFile);

// Budgets are upper bounds (scaled by FLUX_OCI_TEST_TIME_SCALE); every step ends as soon as its state arrives.
const STEP = { timeout: budget(300_000) };

describe('Flux OCI in code-server', { skip, timeout: budget(1_800_000) }, () => {
  let workbench: Workbench | undefined;
  let workspace: string | undefined;
  let page: Page;
  let registry: RegistryRig | undefined;

  before(async () => {
    workspace = copyToTemp(join(repoRoot, 'examples'));
    // A scratch document for completion: the cursor goes on the empty line inside spec.
    writeFileSync(join(workspace, 'scratch-completion.yaml'),
      'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: scratch\nspec:\n  interval: 5m\n  \n');
    // A Kustomization whose sourceRef.name is still empty (the cursor goes after `name: `).
    writeFileSync(join(workspace, 'scratch-sourceref.yaml'),
      'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: scratch\n  namespace: flux-system\nspec:\n  interval: 10m\n  prune: true\n  sourceRef:\n    kind: OCIRepository\n    name: \n');
    // The DOM renderer keeps the integrated terminal's text readable by the CLI step.
    workbench = await startWorkbench({ workspace, settings: { 'terminal.integrated.gpuAcceleration': 'off' } });
    page = workbench.page;
  }, { timeout: budget(240_000) });

  after(async () => {
    await workbench?.close();
    await registry?.stop();
    removeDir(workspace);
  });

  /**
   * Wraps a step: screenshots it (at the moment the body calls `capture`, else at its end); on
   * failure also keeps code-server's logs.
   */
  const step = workbenchSteps(() => workbench!);

  test('a: diagnostics of the example mistakes appear in the Problems panel', STEP, step('a-diagnostics', async () => {
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

  test('a2: a removed API version and plain JSON in a dockerconfigjson Secret are reported', STEP, step('a2-more-diagnostics', async () => {
    await openFile(page, 'mistakes/removed-api-version.yaml');
    await openFile(page, 'mistakes/dockerconfigjson-plain-json.yaml');
    await showProblems(page);
    await waitForProblems(page, (r) =>
      r.some((t) => t.includes('flux-oci') && t.includes('OCIRepository') && t.includes('v1beta2') && /no longer served/.test(t)) &&
      r.some((t) => t.includes('flux-oci') && t.includes('.dockerconfigjson') && /base64/.test(t)));
  }));

  test('b: quick fix "Convert to OCIRepository" rewrites the GitRepository', STEP, step('b-quick-fix', async (capture) => {
    const file = join(workspace!, 'mistakes', 'gitrepository-oci-url.yaml');
    const original = readFileSync(file, 'utf8');
    const urlLine = original.split('\n').findIndex((l) => l.includes('url: oci://')) + 1;
    assert.ok(urlLine > 0);
    await openFile(page, 'mistakes/gitrepository-oci-url.yaml');
    await showProblems(page);
    await waitForProblems(page, (r) => r.some((t) => t.includes('flux-oci') && /oci:\/\/|OCIRepository/.test(t)));
    // The title may say more (e.g. that sourceRefs are updated too); it starts with this.
    const action = await openCodeAction(page, urlLine, 8, /^Convert to (an )?OCIRepository/);
    await capture();
    await action.click();
    await waitForEditorText(page, (t) => t.includes('kind: OCIRepository'));
    await page.keyboard.press('Control+S');
    // Wait for the saved text itself (a read during the save can see the file empty) and judge that.
    const saved = await waitForFile(file, (t) => t !== original && t.includes('kind: OCIRepository'));
    const docs = saved.split(/^---$/m).map((d) => parseYaml(d) as FluxDoc);
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
    await screenshot(page, join(resultsDir, 'b-quick-fix-after.png'));
  }));

  test('b2: quick fix migrates a removed API version', STEP, step('b2-removed-api-quick-fix', async (capture) => {
    const file = join(workspace!, 'mistakes', 'removed-api-version.yaml');
    const original = readFileSync(file, 'utf8');
    const apiLine = original.split('\n').findIndex((l) => l.startsWith('apiVersion: source.toolkit.fluxcd.io/v1beta2')) + 1;
    assert.ok(apiLine > 0);
    await openFile(page, 'mistakes/removed-api-version.yaml');
    await showProblems(page);
    await waitForProblems(page, (r) => r.some((t) => t.includes('flux-oci') && t.includes('v1beta2') && /no longer served/.test(t)));
    const action = await openCodeAction(page, apiLine, 14, 'Migrate to source.toolkit.fluxcd.io/v1');
    await capture();
    await action.click();
    await waitForEditorText(page, (t) => !t.includes('source.toolkit.fluxcd.io/v1beta2'));
    await page.keyboard.press('Control+S');
    const saved = await waitForFile(file, (t) => t !== original && t.includes('kind: OCIRepository') && !t.includes('source.toolkit.fluxcd.io/v1beta2'));
    const doc = parseYaml(saved) as FluxDoc;
    assert.equal(doc.apiVersion, 'source.toolkit.fluxcd.io/v1');
    assert.equal(doc.kind, 'OCIRepository');
    assert.equal(doc.spec?.url, 'oci://ghcr.io/example/legacy-manifests');
    // The file's entry leaves the Problems panel (the Kustomization in gitrepository-oci-url.yaml
    // keeps its own removed-API finding).
    await waitForProblems(page, (r) => !r.some((t) => t.startsWith('removed-api-version.yaml')) &&
      !r.some((t) => /OCIRepository is no longer served/.test(t)));
    await screenshot(page, join(resultsDir, 'b2-removed-api-quick-fix-after.png'));
  }));

  test('b3: migrating the v1beta2 Kustomization drops the field v1 no longer has', STEP, step('b3-migrate-kustomization', async (capture) => {
    const file = join(workspace!, 'mistakes', 'gitrepository-oci-url.yaml');
    const original = readFileSync(file, 'utf8');
    const lines = original.split('\n');
    const apiLine = lines.findIndex((l) => l.startsWith('apiVersion: kustomize.toolkit.fluxcd.io/v1beta2')) + 1;
    assert.ok(apiLine > 0, 'the example has a v1beta2 Kustomization');
    assert.ok(lines.some((l) => l.trim() === 'validation: client'));
    await openFile(page, 'mistakes/gitrepository-oci-url.yaml');
    const action = await openCodeAction(page, apiLine, 14, 'Migrate to kustomize.toolkit.fluxcd.io/v1');
    await capture();
    await action.click();
    await waitForEditorText(page, (t) => !t.includes('kustomize.toolkit.fluxcd.io/v1beta2'));
    await page.keyboard.press('Control+S');
    const saved = await waitForFile(file, (t) => t !== original && t.includes('kind: Kustomization') && !t.includes('kustomize.toolkit.fluxcd.io/v1beta2'));
    const docs = saved.split(/^---$/m).map((d) => parseYaml(d) as FluxDoc & { spec?: Record<string, unknown> });
    const kustomization = docs.find((d) => d.kind === 'Kustomization');
    assert.equal(kustomization?.apiVersion, 'kustomize.toolkit.fluxcd.io/v1');
    assert.equal(kustomization?.spec?.validation, undefined, 'spec.validation is gone');
    assert.equal(kustomization?.spec?.path, './deploy', 'the other fields stay');
    await showProblems(page);
    await waitForProblems(page, (r) => !r.some((t) => t.startsWith('gitrepository-oci-url.yaml')));
    await screenshot(page, join(resultsDir, 'b3-migrate-kustomization-after.png'));
  }));

  test('c: completion inside spec offers the fields of the kind', STEP, step('c-completion', async (capture) => {
    await openFile(page, 'scratch-completion.yaml');
    // Fields of OCIRepository's spec that appear nowhere in the document (so word completion
    // cannot be the one offering them).
    await triggerSuggest(page, 7, 3, ['layerSelector', 'provider', 'secretRef']);
    await capture();
    await page.keyboard.press('Escape');
  }));

  test('d: hover shows our text for a field', STEP, step('d-hover', async (capture) => {
    const docs = parseYaml(readFileSync(join(repoRoot, 'schemas', 'docs', 'kustomization.yaml'), 'utf8')) as { fields: Record<string, { description: string }> };
    const expected = docs.fields['spec.prune'].description.split(/[.:]/)[0];
    const text = readFileSync(join(workspace!, 'podinfo-oci.yaml'), 'utf8').split('\n');
    const pruneLine = text.findIndex((l) => l.trim().startsWith('prune:')) + 1;
    await openFile(page, 'podinfo-oci.yaml');
    // "Show or Focus Hover" is the keyboard way to hover at the cursor.
    await showHover(page, pruneLine, 4, expected);
    await capture();
    await activeEditor(page).click({ position: { x: 5, y: 5 } }).catch(() => undefined);
  }));

  test('d2: hover on apiVersion says whether current Flux serves it', STEP, step('d2-hover-api-version', async (capture) => {
    await openFile(page, 'podinfo-oci.yaml');
    const text = readFileSync(join(workspace!, 'podinfo-oci.yaml'), 'utf8').split('\n');
    const apiLine = text.findIndex((l) => l.startsWith('apiVersion: source.toolkit.fluxcd.io/v1')) + 1;
    const shown = await showHover(page, apiLine, 3, 'is served by current Flux');
    const hover = normaliseHover(await shown.innerText());
    assert.match(hover, /source\.toolkit\.fluxcd\.io\/v1.*is served by current Flux.*OCIRepository/s);
    await capture();
    await page.keyboard.press('Escape');
  }));

  test('g: go to definition jumps from sourceRef.name to the OCIRepository in another file', STEP, step('g-go-to-definition', async () => {
    const target = readFileSync(join(workspace!, 'podinfo-oci.yaml'), 'utf8').split('\n');
    const firstLine = target.findIndex((l) => l === 'kind: OCIRepository') + 1;
    const lastLine = target.findIndex((l) => l === '---') + 1;
    assert.ok(firstLine > 0 && lastLine > firstLine);
    const source = readFileSync(join(workspace!, 'podinfo-staging.yaml'), 'utf8').split('\n');
    const nameLine = source.findIndex((l) => l.trim() === 'name: podinfo-manifests') + 1;
    assert.ok(nameLine > 0);
    await openFile(page, 'podinfo-staging.yaml');
    await goToPosition(page, nameLine, source[nameLine - 1].indexOf('podinfo-manifests') + 4);
    await page.keyboard.press('F12');
    await page.locator('.tabs-container .tab.active[aria-label^="podinfo-oci.yaml"]').waitFor({ timeout: budget(30_000) });
    // The status bar follows the new editor's cursor a moment later.
    const line = await eventually('the cursor inside the OCIRepository', async () => {
      const at = (await cursorPosition(page)).line;
      return at >= firstLine - 1 && at < lastLine ? at : undefined;
    }, { timeoutMs: 15_000 }).catch(async () => (await cursorPosition(page)).line);
    assert.ok(line >= firstLine - 1 && line < lastLine, `cursor on line ${line}, expected within the OCIRepository (lines ${firstLine - 1}-${lastLine - 1})`);
    assert.equal(await activeTabName(page), 'podinfo-oci.yaml');
  }));

  test('h: completion of sourceRef.name offers the workspace sources of that kind', STEP, step('h-sourceref-completion', async (capture) => {
    await openFile(page, 'scratch-sourceref.yaml');
    // OCIRepositories of the examples, in flux-system ...
    const suggest = await triggerSuggest(page, 11, 11, ['podinfo-manifests', 'podinfo-chart']);
    const labels = (await suggest.locator('.monaco-list-row .label-name').allTextContents()).map((t) => t.trim());
    // ... and not the HelmRepository (another kind) nor the Kustomizations.
    assert.ok(!labels.includes('podinfo-charts'), `HelmRepository offered for an OCIRepository sourceRef: ${labels.join(', ')}`);
    assert.ok(!labels.includes('podinfo-staging'), `Kustomization offered for an OCIRepository sourceRef: ${labels.join(', ')}`);
    await capture();
    await suggest.locator('.monaco-list-row', { hasText: 'podinfo-manifests' }).first().click();
    await waitForEditorText(page, (t) => /name: podinfo-manifests/.test(t));
    assert.match(await editorText(page), /sourceRef:\s+kind: OCIRepository\s+name: podinfo-manifests/);
  }));

  test('i: the Outline lists the Flux objects of a file', STEP, step('i-outline', async (capture) => {
    await openFile(page, 'podinfo-oci.yaml');
    await runCommand(page, 'Explorer: Focus on Outline View');
    await page.getByRole('treeitem', { name: /OCIRepository flux-system\/podinfo-manifests/ }).first().waitFor({ timeout: budget(30_000) });
    await page.getByRole('treeitem', { name: /Kustomization flux-system\/podinfo\b/ }).first().waitFor({ timeout: budget(30_000) });
    await capture();
  }));

  test('e: fluxOci.validate.enable = false clears our diagnostics', STEP, step('e-settings', async (capture) => {
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

  test('f: the restart command is in the palette and restarts the server', STEP, step('f-restart', async () => {
    await runCommand(page, 'Flux OCI: Restart Language Server');
    await waitForNotification(page, 'Flux OCI language server restarted');
    await showProblems(page);
    await waitForProblems(page, (r) => r.some((t) => t.includes('missing required field "url"')));
    assert.ok((await problemRows(page)).length > 0);
  }));

  test('j: the CLI lists the tags of an artifact pushed to a local registry, in the integrated terminal', STEP, step('j-cli-tags', async (capture) => {
    registry = await startRegistry({ auth: 'none' });
    const ref = `oci://${registry.host}/demo/hello`;
    await run(process.execPath, [cli, 'push', `${ref}:v1`, '--path', join(repoRoot, 'examples', 'artifact')], { timeout: budget(60_000) });
    await run(process.execPath, [cli, 'tag', `${ref}:v1`, 'latest'], { timeout: budget(60_000) });
    await runCommand(page, 'Terminal: Create New Terminal');
    const terminal = page.locator('.terminal-wrapper.active .xterm');
    await terminal.waitFor({ timeout: budget(30_000) });
    await terminal.click();
    // Type once the shell has printed its prompt, so the command is echoed once, after it.
    await waitForTerminalText(page, (t) => /[$#]\s*$/.test(t.trimEnd() + ' '));
    await page.keyboard.type(`node ${cli} tags ${ref}; echo "exit=$?"`);
    await page.keyboard.press('Enter');
    const text = await waitForTerminalText(page, (t) => /exit=\d+/.test(t), 60_000);
    const after = text.slice(text.lastIndexOf('tags oci://'));
    assert.match(after, /exit=0/, `terminal:\n${text}`);
    assert.match(after, /^latest$/m);
    assert.match(after, /^v1$/m);
    await capture();
  }));
});

interface FluxDoc {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string };
  spec?: { url?: string; ref?: { tag?: string }; sourceRef?: { kind?: string } };
}

const normaliseHover = (t: string) => t.replace(/\u00a0/g, ' ');
