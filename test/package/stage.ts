// Test helpers for the shipping tests: a copy of this checkout as a fresh clone would have it
// (the files git tracks or would track, no dist/), with the installed node_modules linked in, so
// packing builds its own bundles without touching the dist/ other test files are running.
import { spawn, spawnSync, type SpawnOptions, type SpawnSyncOptions } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, symlinkSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..');

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command; throws with its output when it fails (unless `allowFailure`). */
export function run(command: string, args: readonly string[], options: SpawnSyncOptions & { allowFailure?: boolean } = {}): RunResult {
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (r.error) throw new Error(`${command} could not be started: ${r.error.message}`);
  const result = { status: r.status, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
  if (r.status !== 0 && !options.allowFailure) {
    throw new Error(`${command} ${args.join(' ')} exited ${r.status}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`);
  }
  return result;
}

/** Runs a command without blocking the event loop (so several can run at once); never throws on exit status. */
export function runAsync(command: string, args: readonly string[], options: SpawnOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
    child.stderr!.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
    child.once('error', (error) => reject(new Error(`${command} could not be started: ${error.message}`)));
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Fails with a clear message when a tool the test needs is not installed. */
export function requireTool(command: string, hint: string): string {
  const r = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  const path = r.stdout.trim();
  if (r.status !== 0 || !path) throw new Error(`${command} is not installed: ${hint}`);
  return path;
}

/** Files a fresh clone would have: tracked plus untracked-but-not-ignored ones. */
export function checkoutFiles(): string[] {
  const r = run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT });
  return r.stdout.split('\0').filter((f) => f !== '' && existsSync(join(REPO_ROOT, f)) && statSync(join(REPO_ROOT, f)).isFile());
}

/** A temporary copy of the checkout (no dist/, no build output), node_modules linked when asked. */
export function stageCheckout(options: { linkNodeModules: boolean }): string {
  const dir = mkdtempSync(join(tmpdir(), 'flux-oci-stage-'));
  for (const file of checkoutFiles()) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    copyFileSync(join(REPO_ROOT, file), join(dir, file));
  }
  if (options.linkNodeModules) symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

/** npm's environment for tests: its cache first (packages the checkout installed already), quiet. */
export function npmEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', ...extra };
}

/** `npm pack` in a staged checkout: builds (prepare) and returns the tarball's path. */
export function packTarball(stage: string, destination: string): { tarball: string; stdout: string } {
  const r = run('npm', ['pack', '--pack-destination', destination], { cwd: stage, env: npmEnv() });
  const name = r.stdout.trim().split('\n').pop()!;
  return { tarball: join(destination, name), stdout: r.stdout };
}

/** The files in a .tgz (paths as stored, `package/` prefix removed). */
export function tarballFiles(tarball: string): string[] {
  return run('tar', ['-tzf', tarball]).stdout.split('\n').filter(Boolean).map((p) => p.replace(/^package\//, '')).sort();
}
