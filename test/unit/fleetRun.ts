// Fleets on disk, through the CLI and the language server: the halves of the fleet fuzzer
// (fuzz-fleet.test.ts) and of its recorded counterexamples (fuzz-fleet-counterexamples.test.ts)
// that spawn processes.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Diagnostic, Hover } from 'vscode-languageserver-protocol';
import { FLEET_REMOTE, type Fleet } from './fleetArbitrary';
import { startServer } from '../lsp/lspClient';
import { budget } from '../timing';

const CLI = join(resolve(__dirname, '..', '..'), 'dist', 'cli.js');

export type FleetFiles = Pick<Fleet, 'files' | 'folders' | 'git'>;

/** Writes a fleet to a fresh folder: its files, its empty folders and (maybe) a Git repository. */
export function writeFleet(fleet: FleetFiles, prefix = 'flux-oci-fleet-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const folder of fleet.folders) mkdirSync(join(dir, folder), { recursive: true });
  for (const [rel, text] of Object.entries(fleet.files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  if (fleet.git !== 'none') {
    mkdirSync(join(dir, '.git'));
    writeFileSync(join(dir, '.git', 'config'), fleet.git === 'remote' ? `[remote "origin"]\n\turl = ${FLEET_REMOTE}\n` : '[core]\n\tbare = false\n');
  }
  return dir;
}

export interface CliRun { status: number | null; signal: string | null; stdout: string; stderr: string }

/** Runs the CLI in a folder (asynchronously, so runs share the machine and a test's timeout holds). */
export function cli(cwd: string, args: readonly string[], timeoutMs = budget(60_000)): Promise<CliRun> {
  return new Promise((resolvePromise) => {
    execFile(process.execPath, [CLI, ...args], {
      cwd,
      encoding: 'utf8',
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
      // Small fleets would be linted on one thread whatever --jobs says: let two files make two threads.
      env: { ...process.env, FLUX_OCI_MIN_FILES_PER_WORKER: '1' },
    }, (error, stdout, stderr) => {
      const status = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolvePromise({ status, signal: error?.signal ?? null, stdout, stderr });
    });
  });
}

/**
 * Makes `lint --jobs 2` split the fleet between its two threads. The threads take files 16 at a
 * time, biggest first, from one list, and the main thread starts taking before the worker is up:
 * a tree as small as a fleet would be taken whole by the main thread. Here the first take is a
 * slow file (a ConfigMap of 3,000 keys, ~0.15 s to check), `14 - inFirst` padding files bigger
 * than any file of the fleet and the `inFirst + 1` biggest files of the fleet; the worker, up by
 * the time the slow file is checked, takes the rest of the fleet. (Checked against a build that
 * logged each thread's files: the worker got its share every time.)
 */
export function writeThreadSplitter(dir: string, fleet: FleetFiles, inFirst: number): void {
  const folder = join(dir, 'zz-thread-split');
  mkdirSync(folder, { recursive: true });
  const keys = Array.from({ length: 3000 }, (_, i) => `  k${i}: "value ${i}"\n`).join('');
  writeFileSync(join(folder, 'slow.yaml'), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: slow\ndata:\n${keys}`);
  const biggest = Math.max(0, ...Object.values(fleet.files).map((t) => Buffer.byteLength(t)));
  // At least one file of the fleet is left for the worker.
  const pads = 14 - Math.max(0, Math.min(inFirst, Object.keys(fleet.files).length - 2, 14));
  for (let i = 0; i < pads; i++) {
    writeFileSync(join(folder, `pad-${i}.yaml`), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pad-${i}\ndata:\n  x: "${'x'.repeat(biggest + 64)}"\n`);
  }
}

/** Property 2: `lint --jobs 1` and `lint --jobs 2` end, with a verdict, and print the same. */
export async function assertJobsAgree(dir: string, format: 'text' | 'json', unresolved: boolean, timeoutMs?: number): Promise<CliRun> {
  const args = (jobs: string) => ['lint', '--jobs', jobs, '--format', format, ...(unresolved ? ['--unresolved-references', 'warning'] : []), '.'];
  const [one, two] = await Promise.all([cli(dir, args('1'), timeoutMs), cli(dir, args('2'), timeoutMs)]);
  assert.equal(one.signal, null, `lint --jobs 1 did not end (stopped by ${one.signal})`);
  assert.equal(two.signal, null, `lint --jobs 2 did not end (stopped by ${two.signal})`);
  assert.ok(one.status === 0 || one.status === 1, `lint --jobs 1 exited ${one.status}:\n${one.stderr}`);
  // Node prints a library's warnings (`(node:1234) Warning: …`) on stderr: noise in every CI log.
  assert.doesNotMatch(one.stderr, /^\(node:\d+\) \w*Warning/m, 'lint printed a Node warning');
  assert.deepEqual({ status: two.status, stdout: two.stdout, stderr: two.stderr }, { status: one.status, stdout: one.stdout, stderr: one.stderr }, 'lint --jobs 2 differs from --jobs 1');
  return one;
}

interface CliFinding { line: number; column: number; endLine: number; endColumn: number; severity: string; code: string; message: string }
const SEVERITIES = ['', 'error', 'warning', 'info', 'hint'];
const comparable = (findings: readonly CliFinding[]) => [...findings]
  .map(({ line, column, endLine, endColumn, severity, code, message }) => ({ line, column, endLine, endColumn, severity, code, message }))
  .sort((a, b) => a.line - b.line || a.column - b.column || a.code.localeCompare(b.code) || a.message.localeCompare(b.message));
const fromDiagnostics = (diagnostics: readonly Diagnostic[]) => comparable(diagnostics.map((d) => ({
  line: d.range.start.line + 1, column: d.range.start.character + 1, endLine: d.range.end.line + 1, endColumn: d.range.end.character + 1,
  severity: SEVERITIES[d.severity ?? 0], code: String(d.code), message: d.message,
})));

/** Key positions to hover: the first `kind` and `interval` keys of the file. */
function hoverPositions(text: string): { line: number; character: number }[] {
  const lines = text.split('\n');
  const out: { line: number; character: number }[] = [];
  for (const key of [/^kind:/, /^\s+interval:/]) {
    const line = lines.findIndex((l) => key.test(l));
    if (line !== -1) out.push({ line, character: lines[line].search(/\S/) + 1 });
  }
  return out;
}

export const within = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> => Promise.race([
  promise,
  new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms).unref()),
]);

/**
 * Property 3: with the fleet on disk as its workspace, the language server answers hovers and
 * publishes for every file (opened one after another) exactly the findings `lint --format json`
 * prints for it, with the same setting for unresolved references. Returns the files opened and
 * hovers answered.
 */
export async function assertServerAgrees(dir: string, fleet: FleetFiles, unresolved: 'off' | 'warning',
  options: { late?: readonly string[]; /** `lint --format json` already run with the same setting. */ cliJson?: CliRun } = {}): Promise<{ opened: number; hovers: number }> {
  const late = new Set(options.late ?? []);
  const run = options.cliJson ?? await cli(dir, ['lint', '--jobs', '1', '--format', 'json', ...(unresolved === 'warning' ? ['--unresolved-references', 'warning'] : []), '.']);
  assert.ok(run.status === 0 || run.status === 1, `the CLI exited ${run.status}:\n${run.stderr}`);
  const expected = new Map((JSON.parse(run.stdout) as { path: string; findings: CliFinding[] }[]).map((r) => [r.path, comparable(r.findings)]));
  // Files created after the server indexed the workspace (as a user adds them): off disk until then.
  for (const rel of late) rmSync(join(dir, rel));
  const session = await startServer({ root: dir, settings: { references: { unresolved } } });
  // A server that dies answers nothing: say so at once instead of waiting out each request.
  const gone = new Promise<never>((_, reject) => session.proc.once('exit', (code, signal) => reject(new Error(`the language server exited (code ${code}, signal ${signal})`))));
  gone.catch(() => undefined);
  const alive = <T>(promise: Promise<T>) => Promise.race([promise, gone]);
  let opened = 0;
  let hovers = 0;
  try {
    // Answered once the workspace is indexed: from then on every file is judged against all the others.
    await alive(within(session.conn.sendRequest('fluxOci/pushRepositories', {}), budget(30_000), 'indexing the workspace'));
    for (const rel of late) {
      session.write(rel, fleet.files[rel]);
      session.conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: session.uri(rel), type: 1 }] });
    }
    for (const [rel, text] of Object.entries(fleet.files)) {
      const diagnostics = await alive(session.open(rel, text));
      opened++;
      assert.deepEqual(fromDiagnostics(diagnostics), expected.get(rel) ?? [], `${rel}: the server's diagnostics differ from the CLI's findings`);
      for (const position of hoverPositions(text)) {
        await alive(within(session.hover(rel, position) as Promise<Hover | null>, budget(30_000), `hover on ${rel} at ${position.line + 1}:${position.character + 1}`));
        hovers++;
      }
    }
  } finally {
    await session.close();
  }
  return { opened, hovers };
}
