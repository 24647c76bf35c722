// Shared machinery for running the extension in real VS Code (code-server) and driving it with
// Chromium: used by the end-to-end suite, the extension-host suite and the activation benchmark.
// Everything binds 127.0.0.1, lives in temporary folders, and is stopped by the caller.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { budget } from '../test/timing';

export const repoRoot = resolve(__dirname, '..');
export const extensionVsix = join(repoRoot, 'flux-oci.vsix');
export const extensionId = 'flux-oci.flux-oci';

export interface CodeServerInstall {
  /** Node 24 binary code-server runs on. */
  node: string;
  /** code-server's entry script. */
  entry: string;
}

/** Where scripts/install-code-server.sh puts things (honours FLUX_OCI_CACHE). */
export function findCodeServer(): CodeServerInstall | undefined {
  const cache = process.env.FLUX_OCI_CACHE ?? join(repoRoot, '.cache', 'code-server');
  const node = join(cache, 'node24', 'node_modules', 'node', 'bin', 'node');
  const entry = join(cache, 'cs', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  return existsSync(node) && existsSync(entry) ? { node, entry } : undefined;
}

/**
 * Why the real-VS-Code suites cannot run here (code-server or Chromium missing), or false when
 * they can. In CI (env CI set) a missing prerequisite is an error, not a reason to skip.
 */
export function whyRealVsCodeCannotRun(): string | false {
  const missing: string[] = [];
  if (!findCodeServer()) missing.push('code-server is not installed; run `bash scripts/install-code-server.sh` (or scripts/setup.sh)');
  if (!existsSync(chromiumPath)) missing.push(`Chromium is not at ${chromiumPath}; apt-get install chromium (or set FLUX_OCI_CHROMIUM)`);
  if (missing.length === 0) return false;
  const message = missing.join('; ');
  if (process.env.CI) throw new Error(`${message} — required when CI is set`);
  return message;
}

export const chromiumPath = process.env.FLUX_OCI_CHROMIUM ?? '/usr/bin/chromium';

function codeServerEnv(install: CodeServerInstall, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${dirname(install.node)}:${process.env.PATH ?? ''}`, ...extra };
}

export interface Profile {
  root: string;
  userDataDir: string;
  extensionsDir: string;
  configFile: string;
}

/** A fresh user-data-dir and extensions-dir with settings that keep the workbench quiet and trusted. */
export function createProfile(userSettings: Record<string, unknown> = {}, prefix = 'flux-oci-vscode-'): Profile {
  const root = mkdtempSync(join(tmpdir(), prefix));
  temporaryDirs.add(root);
  const profile: Profile = {
    root,
    userDataDir: join(root, 'user-data'),
    extensionsDir: join(root, 'extensions'),
    // code-server writes a default config to ~/.config unless it is given one of its own.
    configFile: join(root, 'config.yaml'),
  };
  mkdirSync(join(profile.userDataDir, 'User'), { recursive: true });
  mkdirSync(profile.extensionsDir, { recursive: true });
  writeFileSync(profile.configFile, 'auth: none\ncert: false\n');
  writeUserSettings(profile, userSettings);
  return profile;
}

export const baseUserSettings: Record<string, unknown> = {
  // Without this the folder opens in Restricted Mode and extensions stay disabled.
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'editor.minimap.enabled': false,
  'window.restoreWindows': 'none',
  'files.hotExit': 'off',
  // Keep our own diagnostics the only ones in the Problems panel.
  'yaml.validate': false,
  // Only language-server suggestions, so completion tests see what the server offers.
  'editor.wordBasedSuggestions': 'off',
  // The chat side bar takes a third of the window and is not part of this product.
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
};

export function writeUserSettings(profile: Pick<Profile, 'userDataDir'>, settings: Record<string, unknown>): void {
  writeFileSync(join(profile.userDataDir, 'User', 'settings.json'), JSON.stringify({ ...baseUserSettings, ...settings }, null, 2));
}

/** Installs VSIX files into the profile (one code-server invocation for all of them). */
export function installExtensions(install: CodeServerInstall, profile: Profile, vsixFiles: string[]): void {
  for (const f of vsixFiles) if (!existsSync(f)) throw new Error(`VSIX not found: ${f} (run node scripts/package-vsix.mjs)`);
  const args = [install.entry, '--config', profile.configFile, '--user-data-dir', profile.userDataDir,
    '--extensions-dir', profile.extensionsDir, ...vsixFiles.flatMap((f) => ['--install-extension', f])];
  const r = spawnSync(install.node, args, { env: codeServerEnv(install), encoding: 'utf8', timeout: budget(240_000) });
  if (r.status !== 0 || !/successfully installed/.test(r.stdout)) {
    throw new Error(`installing ${vsixFiles.join(', ')} failed (status ${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
}

export interface RunningCodeServer {
  url: string;
  port: number;
  process: ChildProcess;
  /** Everything code-server printed so far. */
  output(): string;
  /** URL that opens the workbench on a folder. */
  folderUrl(folder: string): string;
  stop(): Promise<void>;
}

/** Starts code-server on a free loopback port and resolves once it answers HTTP. */
export async function startCodeServer(install: CodeServerInstall, profile: Profile, options: {
  folder?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; signal?: AbortSignal;
} = {}): Promise<RunningCodeServer> {
  const args = [install.entry, '--config', profile.configFile, '--auth', 'none', '--bind-addr', '127.0.0.1:0',
    '--user-data-dir', profile.userDataDir, '--extensions-dir', profile.extensionsDir,
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override'];
  if (options.folder) args.push(options.folder);
  const child = spawn(install.node, args, { env: codeServerEnv(install, options.env), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  installExitHooks();
  if (child.pid) processGroups.add(child.pid);
  let output = '';
  child.stdout?.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { output += d.toString(); });

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) {
      if (child.pid) processGroups.delete(child.pid);
      return;
    }
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    // The extension host and language server are children of code-server: end the whole group.
    try { process.kill(-(child.pid ?? 0), 'SIGTERM'); } catch { child.kill('SIGTERM'); }
    const timer = setTimeout(() => { try { process.kill(-(child.pid ?? 0), 'SIGKILL'); } catch { /* gone */ } }, 5000);
    await exited;
    clearTimeout(timer);
    if (child.pid) processGroups.delete(child.pid);
  };

  const deadline = Date.now() + (options.timeoutMs ?? budget(90_000));
  let port = 0;
  while (Date.now() < deadline) {
    if (options.signal?.aborted) break;
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}:\n${output}`);
    const m = /HTTP server listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
    if (m) {
      port = Number(m[1]);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(budget(5000)) });
        if (res.ok) break;
      } catch { /* not ready yet */ }
    }
    await sleep(100);
  }
  if (!port) { await stop(); throw new Error(`code-server did not start in time:\n${output}`); }
  const url = `http://127.0.0.1:${port}/`;
  return {
    url, port, process: child, output: () => output, stop,
    folderUrl: (folder) => `${url}?folder=${encodeURIComponent(folder)}`,
  };
}

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/** Opens the workbench on a folder and waits until it is laid out. */
export async function openWorkbench(browser: Browser, server: RunningCodeServer, folder: string,
  options: { waitForExplorerRows?: boolean } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  // Every locator wait and action without its own budget gets a generous, scaled one.
  page.setDefaultTimeout(budget(30_000));
  page.setDefaultNavigationTimeout(budget(120_000));
  await page.goto(server.folderUrl(folder), { waitUntil: 'domcontentloaded' });
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: budget(120_000) });
  // The explorer shows the folder's files once the remote file system is connected.
  if (options.waitForExplorerRows !== false) await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: budget(120_000) });
  return page;
}

/** Copies code-server's logs (extension host output, language server channel) somewhere kept. */
export function copyLogs(profile: Profile, dest: string): void {
  const logs = join(profile.userDataDir, 'logs');
  if (!existsSync(logs)) return;
  mkdirSync(dest, { recursive: true });
  cpSync(logs, dest, { recursive: true });
}

/** Copies a folder to a fresh temporary folder (so tests can edit files freely). */
export function copyToTemp(src: string, prefix = 'flux-oci-ws-'): string {
  const dest = mkdtempSync(join(tmpdir(), prefix));
  temporaryDirs.add(dest);
  cpSync(src, dest, { recursive: true });
  return dest;
}

export function removeDir(dir: string | undefined): void {
  if (!dir) return;
  rmSync(dir, { recursive: true, force: true });
  temporaryDirs.delete(dir);
}

/**
 * What a run leaves behind when it is interrupted (Ctrl-C, the test runner's timeout) before its
 * `after` hooks run: code-server lives in its own process group, so nothing else would stop it.
 * These run synchronously on exit and on INT/TERM/HUP, after which the signal takes its course.
 */
const temporaryDirs = new Set<string>();
const processGroups = new Set<number>();
let exitHooksInstalled = false;

function cleanUpLeftovers(): void {
  for (const group of processGroups) {
    try { process.kill(-group, 'SIGKILL'); } catch { /* already gone */ }
  }
  processGroups.clear();
  for (const dir of temporaryDirs) rmSync(dir, { recursive: true, force: true });
  temporaryDirs.clear();
}

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.once('exit', cleanUpLeftovers);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      cleanUpLeftovers();
      process.kill(process.pid, signal); // the one-off listener is gone: default action now
    });
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
