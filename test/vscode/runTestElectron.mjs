// Runs the extension-host suite (test/vscode/suite) in desktop VS Code via @vscode/test-electron,
// for machines that can download VS Code (this one cannot: there the suite runs in code-server
// through test/vscode/extension-host.test.ts). The extension is loaded from the repository as a
// development extension, so run `npm run build` first.
//   node test/vscode/runTestElectron.mjs [--version stable|insiders|1.90.0]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { runTests } from '@vscode/test-electron';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');
const versionArg = process.argv.indexOf('--version');
const version = versionArg > 0 ? process.argv[versionArg + 1] : 'stable';

// The suite is TypeScript; bundle it (and mocha) the same way the code-server runner does.
const require = createRequire(import.meta.url);
require('tsx/cjs');
const { buildRunner, runnerDir } = require('./build-runner.ts');
await buildRunner();

// An empty folder: the suite checks that nothing activates the extension before a YAML file opens.
const workspace = mkdtempSync(join(tmpdir(), 'flux-oci-electron-ws-'));
try {
  await runTests({
    version,
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath: join(runnerDir, 'out', 'index.js'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
  });
} catch (error) {
  console.error(`extension-host suite failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  rmSync(workspace, { recursive: true, force: true });
}
