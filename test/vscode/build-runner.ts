// Bundles and packages the dev-only test-runner extension (test/vscode/runner) as a VSIX:
// mocha is bundled in, so the VSIX needs no node_modules. Never shipped.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

export const runnerDir = join(__dirname, 'runner');
const suiteDir = join(__dirname, 'suite');
const repoRoot = join(__dirname, '..', '..');

/** Compiles runner and suite into test/vscode/runner/out. */
export async function buildRunner(): Promise<void> {
  const out = join(runnerDir, 'out');
  rmSync(out, { recursive: true, force: true });
  const common = { bundle: true, platform: 'node' as const, target: 'node20', format: 'cjs' as const, external: ['vscode'], logLevel: 'error' as const };
  await build({ ...common, entryPoints: [join(runnerDir, 'src', 'runner.ts'), join(runnerDir, 'src', 'index.ts')], outdir: out });
  const suites = readdirSync(suiteDir).filter((f) => f.endsWith('.test.ts')).map((f) => join(suiteDir, f));
  if (suites.length === 0) throw new Error(`no suite files in ${suiteDir}`);
  await build({ ...common, entryPoints: suites, outdir: join(out, 'suite'), sourcemap: 'inline' });
}

/** Builds and packages the runner; returns the VSIX path. */
export async function packageRunner(outFile: string): Promise<string> {
  await buildRunner();
  const vsce = join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce');
  const r = spawnSync(process.execPath, [vsce, 'package', '--no-dependencies', '--skip-license', '--out', outFile],
    { cwd: runnerDir, encoding: 'utf8' });
  if (r.status !== 0 || !existsSync(outFile)) throw new Error(`packaging the test runner failed:\n${r.stdout}\n${r.stderr}`);
  return outFile;
}
