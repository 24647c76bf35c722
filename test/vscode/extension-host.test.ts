// Extension-host suite: installs flux-oci.vsix and the dev-only test-runner VSIX into code-server,
// opens the workbench once in Chromium (which starts the extension host), and waits for the
// runner's mocha JSON report. Every mocha test must pass; each is reported by title.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import {
  copyLogs, whyRealVsCodeCannotRun, createProfile, extensionVsix, findCodeServer, installExtensions, launchChromium,
  openWorkbench, removeDir, repoRoot, startCodeServer, type Profile, type RunningCodeServer,
} from '../../scripts/vscode-rig';
import { budget, eventually } from '../timing';
import { packageRunner } from './build-runner';

interface MochaTest { title: string; fullTitle: string; duration?: number; err: { message?: string; stack?: string } }
interface MochaReport {
  stats: { tests: number; passes: number; failures: number; pending: number; duration: number };
  tests: MochaTest[];
}

const install = findCodeServer();
const skip = whyRealVsCodeCannotRun();
const resultsDir = join(repoRoot, 'test-results', 'vscode');

describe('extension-host suite in code-server', { skip, timeout: budget(900_000) }, () => {
  let root: string | undefined;
  let profile: Profile | undefined;
  let server: RunningCodeServer | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  let report: MochaReport | undefined;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'flux-oci-exthost-'));
    const workspace = join(root, 'workspace');
    mkdirSync(workspace);
    const resultFile = join(root, 'mocha.json');
    const runnerVsix = await packageRunner(join(root, 'flux-oci-test-runner.vsix'));
    profile = createProfile();
    installExtensions(install!, profile, [extensionVsix, runnerVsix]);
    server = await startCodeServer(install!, profile, { env: { FLUX_OCI_RUNNER_RESULT: resultFile } });
    browser = await launchChromium();
    page = await openWorkbench(browser, server, workspace, { waitForExplorerRows: false });
    // The report is complete once it parses (the reporter may still be writing it when it appears).
    const parsed = await eventually('the test runner\'s report', () => {
      if (!existsSync(resultFile)) return undefined;
      return JSON.parse(readFileSync(resultFile, 'utf8')) as MochaReport | { runnerError: string };
    }, { timeoutMs: 600_000, intervalMs: 200 });
    if ('runnerError' in parsed) throw new Error(`the test runner failed: ${parsed.runnerError}`);
    report = parsed;
  }, { timeout: budget(850_000) });

  after(async () => {
    const failed = !report || report.stats.failures > 0;
    if (failed && profile) {
      mkdirSync(resultsDir, { recursive: true });
      await page?.screenshot({ path: join(resultsDir, 'workbench.png') }).catch(() => undefined);
      copyLogs(profile, join(resultsDir, 'logs'));
      if (server) writeFileSync(join(resultsDir, 'code-server.log'), server.output());
    }
    await browser?.close().catch(() => undefined);
    await server?.stop();
    removeDir(profile?.root);
    removeDir(root);
  });

  test('every mocha test in test/vscode/suite passed', () => {
    assert.ok(report, 'no report');
    for (const t of report.tests) {
      const ok = !t.err || Object.keys(t.err).length === 0;
      console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${t.fullTitle}${ok ? '' : `\n       ${t.err.message ?? ''}`}`);
    }
    assert.ok(report.stats.tests > 0, 'the suite ran no tests');
    const failures = report.tests.filter((t) => t.err && Object.keys(t.err).length > 0);
    assert.deepEqual(failures.map((t) => `${t.fullTitle}: ${t.err.message}`), []);
    assert.equal(report.stats.pending, 0, 'some tests were skipped');
  });
});
