// Measures how long the Flux OCI extension takes to activate in a real extension host (code-server).
// The dev-only test runner (test/vscode/runner) runs in "bench" mode in an empty workspace, calls
// `vscode.extensions.getExtension('flux-oci.flux-oci').activate()` and times it (loading the
// bundle + activate(), which starts the language client), then times the first diagnostics of a
// broken document. Goal: activation under 100 ms.
//   node bench/activation.mjs [--runs 5] [--no-package] [--check]
//     --check   exit 1 when the median activation time is over the goal
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const GOAL_MS = 100;
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const runsArg = args.indexOf('--runs');
const runs = runsArg >= 0 ? Number(args[runsArg + 1]) : 5;

const require = createRequire(import.meta.url);
require('tsx/cjs');
const rig = require('../scripts/vscode-rig.ts');
const { packageRunner } = require('../test/vscode/build-runner.ts');

const install = rig.findCodeServer();
if (!install) {
  console.error('code-server is not installed; run bash scripts/install-code-server.sh');
  process.exit(2);
}
if (!args.includes('--no-package')) {
  const r = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'package-vsix.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const work = mkdtempSync(join(tmpdir(), 'flux-oci-bench-activation-'));
const runnerVsix = await packageRunner(join(work, 'runner.vsix'));
const browser = await rig.launchChromium();
const samples = [];
try {
  for (let i = 0; i < runs; i++) {
    const profile = rig.createProfile();
    const workspace = join(work, `workspace-${i}`);
    mkdirSync(workspace);
    const resultFile = join(work, `result-${i}.json`);
    rig.installExtensions(install, profile, [rig.extensionVsix, runnerVsix]);
    const server = await rig.startCodeServer(install, profile, {
      env: { FLUX_OCI_RUNNER_RESULT: resultFile, FLUX_OCI_RUNNER_MODE: 'bench' },
    });
    try {
      const page = await rig.openWorkbench(browser, server, workspace, { waitForExplorerRows: false });
      const deadline = Date.now() + 60_000;
      while (!existsSync(resultFile) && Date.now() < deadline) await rig.sleep(100);
      await page.context().close();
      if (!existsSync(resultFile)) throw new Error('the runner wrote no measurement within 60 s');
      await rig.sleep(100);
      const result = JSON.parse(readFileSync(resultFile, 'utf8'));
      if (result.runnerError) throw new Error(result.runnerError);
      if (result.alreadyActive) throw new Error('the extension was already active; the measurement is meaningless');
      samples.push(result);
      console.log(`run ${i + 1}: activation ${result.activationMs.toFixed(1)} ms, first diagnostics ${result.firstDiagnosticsMs === null ? 'none' : `${result.firstDiagnosticsMs.toFixed(1)} ms`}`);
    } finally {
      await server.stop();
      rig.removeDir(profile.root);
    }
  }
} finally {
  await browser.close();
  rig.removeDir(work);
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const activation = median(samples.map((s) => s.activationMs));
const diagnostics = samples.every((s) => s.firstDiagnosticsMs !== null) ? median(samples.map((s) => s.firstDiagnosticsMs)) : null;
console.log(`activation (median of ${samples.length}): ${activation.toFixed(1)} ms (goal < ${GOAL_MS} ms) ${activation < GOAL_MS ? 'OK' : 'OVER'}`);
console.log(`first diagnostics after activation start (median): ${diagnostics === null ? 'n/a' : `${diagnostics.toFixed(1)} ms`}`);
mkdirSync(join(repoRoot, 'bench', 'results'), { recursive: true });
writeFileSync(join(repoRoot, 'bench', 'results', 'activation.json'),
  JSON.stringify({ date: new Date().toISOString(), goalMs: GOAL_MS, medianActivationMs: activation, medianFirstDiagnosticsMs: diagnostics, samples }, null, 2));
if (args.includes('--check') && activation >= GOAL_MS) process.exit(1);
