// LSP latency benchmark: our server and yaml-language-server through the same client, in one run.
// Measures open (didOpen → diagnostics, fresh server each time), change (one-line ranged edit →
// diagnostics), completion and hover, plus each server's peak memory, and the floor: a bare
// `yaml` parseAllDocuments of the same text in a fresh process.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { generateFluxFile } from './generate.mjs';
import { writeYlsSchema } from './yls-schema.mjs';

const require = createRequire(import.meta.url);
const rpc = require('vscode-jsonrpc/node');
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

function peakMemoryMb(pid) {
  try { return Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmHWM:\s+(\d+)/)[1]) / 1024; } catch { return NaN; }
}

/** Starts a language server over stdio and initialises it on `workspace`. */
export async function startServer(server, workspace) {
  const proc = spawn(process.execPath, server.args, { stdio: ['pipe', 'pipe', 'ignore'] });
  const conn = rpc.createMessageConnection(new rpc.StreamMessageReader(proc.stdout), new rpc.StreamMessageWriter(proc.stdin));
  const listeners = new Set();
  conn.onNotification('textDocument/publishDiagnostics', (p) => { for (const l of listeners) l(p); });
  conn.onRequest('workspace/configuration', (p) => p.items.map((it) => {
    let v = server.settings; for (const k of (it.section || '').split('.').filter(Boolean)) v = v?.[k]; return v ?? null;
  }));
  conn.onRequest('client/registerCapability', () => null);
  conn.onRequest('window/workDoneProgress/create', () => null);
  // Our server logs when its start-up work (compiling the schemas) is over; the bare parse it is
  // compared with does not include loading its module either.
  let startupDone;
  const startup = new Promise((r) => { startupDone = r; });
  conn.onNotification('window/logMessage', (p) => { if (/^Compiled \d+ schemas/.test(p.message)) startupDone(p.message); });
  conn.onNotification(() => undefined);
  conn.listen();
  const rootUri = pathToFileURL(workspace).href;
  const init = await conn.sendRequest('initialize', {
    processId: process.pid, rootUri, workspaceFolders: [{ uri: rootUri, name: 'bench' }],
    capabilities: { workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true } }, textDocument: { publishDiagnostics: {}, completion: { completionItem: { snippetSupport: true } }, hover: { contentFormat: ['markdown'] } } },
  });
  conn.sendNotification('initialized', {});
  conn.sendNotification('workspace/didChangeConfiguration', { settings: server.settings });
  await new Promise((r) => setTimeout(r, 300));
  if (server.name === 'flux-oci') await Promise.race([startup, new Promise((r) => setTimeout(r, 30000))]);
  const nextDiagnostics = (uri) => new Promise((res, rej) => {
    const timer = setTimeout(() => { listeners.delete(l); rej(new Error('no diagnostics within 60 s')); }, 60000);
    const l = (p) => { if (p.uri === uri && p.diagnostics.length) { clearTimeout(timer); listeners.delete(l); res(p.diagnostics); } };
    listeners.add(l);
  });
  const sync = init.capabilities.textDocumentSync;
  return { proc, conn, nextDiagnostics, incremental: (typeof sync === 'number' ? sync : sync?.change) === 2 };
}

/** Shuts a server down politely, then for sure. */
export async function stop({ proc, conn }) {
  proc.stdin.on('error', () => undefined);
  try { await Promise.race([conn.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 1000))]); conn.sendNotification('exit'); } catch { /* gone */ }
  setTimeout(() => proc.kill('SIGKILL'), 1000).unref();
  conn.dispose();
}

async function measureServer(server, text, runs, beforeOpen) {
  // The file lives outside the workspace folder, so no server has indexed it before didOpen.
  const workspace = mkdtempSync(join(tmpdir(), 'flux-bench-ws-'));
  const fileDir = mkdtempSync(join(tmpdir(), 'flux-bench-file-'));
  const file = join(fileDir, 'flux.yaml');
  writeFileSync(file, text);
  const uri = pathToFileURL(file).href;
  const open = [];
  const change = [];
  const completion = [];
  const hover = [];
  const newline = [];
  let lastDiagnostics = [];
  let memory = 0;
  let diagnosticsCount = 0;
  for (let run = 0; run < runs; run++) {
    const s = await startServer(server, workspace);
    beforeOpen?.();
    const opened = s.nextDiagnostics(uri);
    let t = performance.now();
    s.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text } });
    diagnosticsCount = (await opened).length;
    open.push(performance.now() - t);

    const lines = text.split('\n');
    const target = lines.findIndex((l, i) => i > lines.length / 2 && l === '  interval: 5m');
    let current = lines[target];
    // Eight edits a run: the median is what typing costs once the server is warm, not the
    // first keystroke after opening (which also pays for compiling the code paths it runs).
    // yaml-language-server takes seconds an edit at these sizes: three tell enough.
    for (let edit = 0; edit < (server.name === 'flux-oci' ? 8 : 3); edit++) {
      const next = current === '  interval: 5m' ? '  interval: 6m' : '  interval: 5m';
      const changed = s.nextDiagnostics(uri);
      t = performance.now();
      const fullText = () => { lines[target] = next; return lines.join('\n'); };
      const contentChanges = s.incremental
        ? [{ range: { start: { line: target, character: 0 }, end: { line: target, character: current.length } }, text: next }]
        : [{ text: fullText() }];
      s.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 + edit }, contentChanges });
      lastDiagnostics = await changed;
      change.push(performance.now() - t);
      lines[target] = next;
      current = next;
    }
    // A new line typed and deleted again: every document below moves.
    for (let edit = 0; edit < (server.name === 'flux-oci' ? 4 : 2); edit++) {
      const changed = s.nextDiagnostics(uri);
      t = performance.now();
      const insert = edit % 2 === 0;
      const contentChanges = s.incremental
        ? [insert
          ? { range: { start: { line: target, character: current.length }, end: { line: target, character: current.length } }, text: '\n' }
          : { range: { start: { line: target, character: current.length }, end: { line: target + 1, character: 0 } }, text: '' }]
        : [{ text: insert ? [...lines.slice(0, target + 1), '', ...lines.slice(target + 1)].join('\n') : lines.join('\n') }];
      s.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: 10 + edit }, contentChanges });
      lastDiagnostics = await changed;
      newline.push(performance.now() - t);
    }
    // Completion at the start of a key inside spec:, hover on that key.
    for (let i = 0; i < 3; i++) {
      t = performance.now();
      await s.conn.sendRequest('textDocument/completion', { textDocument: { uri }, position: { line: target, character: 2 } });
      completion.push(performance.now() - t);
      t = performance.now();
      await s.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: target, character: 4 } });
      hover.push(performance.now() - t);
    }
    memory = Math.max(memory, peakMemoryMb(s.proc.pid));
    await stop(s);
  }
  rmSync(workspace, { recursive: true, force: true });
  rmSync(fileDir, { recursive: true, force: true });
  return { open: median(open), opens: open, change: median(change), newline: median(newline), completion: median(completion), hover: median(hover), memoryMb: memory, diagnostics: diagnosticsCount, lastDiagnostics };
}

/**
 * The publish floor: a process that does nothing but send a file's whole diagnostics list (the
 * list our server published for the same file) over the same JSON-RPC stdio transport, timed
 * the same way (request sent → diagnostics received).
 */
async function publishFloor(diagnostics, runs) {
  const dir = mkdtempSync(join(tmpdir(), 'flux-bench-floor-'));
  const file = join(dir, 'diagnostics.json');
  writeFileSync(file, JSON.stringify(diagnostics));
  const script = `const rpc = require(${JSON.stringify(require.resolve('vscode-jsonrpc/node'))});
const diagnostics = JSON.parse(require('fs').readFileSync(${JSON.stringify(file)}, 'utf8'));
const conn = rpc.createMessageConnection(new rpc.StreamMessageReader(process.stdin), new rpc.StreamMessageWriter(process.stdout));
conn.onNotification('floor/publish', ({ uri, version }) => conn.sendNotification('textDocument/publishDiagnostics', { uri, version, diagnostics }));
conn.listen();`;
  const proc = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'ignore'] });
  const conn = rpc.createMessageConnection(new rpc.StreamMessageReader(proc.stdout), new rpc.StreamMessageWriter(proc.stdin));
  let waiting;
  conn.onNotification('textDocument/publishDiagnostics', (p) => waiting?.(p));
  conn.listen();
  const times = [];
  for (let i = 0; i < runs + 1; i++) {
    const t = performance.now();
    await new Promise((resolve) => { waiting = resolve; conn.sendNotification('floor/publish', { uri: 'file:///floor.yaml', version: i }); });
    if (i > 0) times.push(performance.now() - t);
  }
  proc.kill();
  conn.dispose();
  rmSync(dir, { recursive: true, force: true });
  return median(times);
}

/**
 * The floor, one fresh process at a time: `parse()` times one bare parse. Called right before each
 * of our opens, so a machine that speeds up or slows down during the run moves both alike.
 */
function bareParser(text) {
  const dir = mkdtempSync(join(tmpdir(), 'flux-bench-bare-'));
  const file = join(dir, 'flux.yaml');
  writeFileSync(file, text);
  const script = `const { parseAllDocuments } = require(${JSON.stringify(require.resolve('yaml'))});
const text = require('fs').readFileSync(${JSON.stringify(file)}, 'utf8');
const t = performance.now(); parseAllDocuments(text); console.log(performance.now() - t);`;
  return {
    parse: () => Number(spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' }).stdout),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Both servers, configured to check the same schemas. */
// BENCH_NORENDER=1 turns off the background render check, to measure what it costs an edit.
export function benchServers(ylsSchema) {
  return [
    { name: 'flux-oci', args: [join(repo, 'dist', 'server.js'), '--stdio'], settings: { fluxOci: { validate: { enable: true }, registry: { liveChecks: process.env.BENCH_LIVE === '1' }, render: { checkVariables: process.env.BENCH_NORENDER !== '1' } } } },
    {
      name: 'yaml-language-server',
      args: [require.resolve('yaml-language-server/bin/yaml-language-server'), '--stdio'],
      settings: { yaml: { validate: true, hover: true, completion: true, schemas: { [pathToFileURL(ylsSchema).href]: '*.yaml' }, schemaStore: { enable: false }, maxItemsComputed: 5000 } },
    },
  ];
}

/** Runs for a size: fewer for the biggest files, whose runs take longest. */
const runsFor = (size, runs) => (size >= 20000 ? Math.min(runs, 3) : runs);

export async function benchLsp({ sizes = [1000, 5000, 20000], runs = 5, incumbentLimitMs = 60000, oursOnly = false } = {}) {
  const schemaDir = mkdtempSync(join(tmpdir(), 'flux-bench-schemas-'));
  const servers = benchServers(writeYlsSchema(repo, schemaDir)).filter((s) => !oursOnly || s.name === 'flux-oci');
  const results = [];
  let incumbentTooSlow = false;
  for (const size of sizes) {
    const text = generateFluxFile(size);
    const n = runsFor(size, runs);
    const row = { documents: size, lines: text.split('\n').length };
    const bare = bareParser(text);
    const floors = [];
    for (const server of servers) {
      if (server.name !== 'flux-oci' && incumbentTooSlow) { row[server.name] = undefined; continue; }
      try {
        const ours = server.name === 'flux-oci';
        row[server.name] = await measureServer(server, text, ours ? n : size >= 20000 ? 1 : Math.min(n, 3), ours ? () => floors.push(bare.parse()) : undefined);
      } catch (error) {
        row[server.name] = undefined;
        row[`${server.name}Error`] = error.message;
      }
      // The incumbent is skipped at bigger sizes once an open or an edit takes over the limit.
      const r = row[server.name];
      if (server.name !== 'flux-oci' && (!r || Math.max(r.open, r.change, r.newline) > incumbentLimitMs)) incumbentTooSlow = true;
    }
    bare.dispose();
    // The floor's runs alternate with our opens; the ratio is the median of each pair's.
    row.bareParseMs = median(floors);
    row.openRatio = median(row['flux-oci'].opens.map((o, i) => o / floors[i]));
    delete row['flux-oci'].opens;
    if (row['yaml-language-server']) delete row['yaml-language-server'].opens;
    row.publishFloorMs = await publishFloor(row['flux-oci'].lastDiagnostics, 9);
    delete row['flux-oci'].lastDiagnostics;
    if (row['yaml-language-server']) delete row['yaml-language-server'].lastDiagnostics;
    results.push(row);
  }
  rmSync(schemaDir, { recursive: true, force: true });
  return results;
}

export function printLsp(results) {
  const f = (x) => (x === undefined || Number.isNaN(x) ? '-' : x >= 100 ? x.toFixed(0) : x.toFixed(1));
  console.log('\nLSP latency (medians; ms) — flux-oci vs yaml-language-server, same client, same file');
  console.log('docs   lines   metric         flux-oci   yaml-ls    ratio (yaml-ls / flux-oci)');
  for (const r of results) {
    const ours = r['flux-oci'];
    const theirs = r['yaml-language-server'];
    const row = (label, a, b) => console.log(`${String(r.documents).padEnd(6)} ${String(r.lines).padEnd(7)} ${label.padEnd(14)} ${f(a).padStart(8)} ${f(b).padStart(9)}    ${b === undefined ? (theirs ? '' : 'yaml-ls skipped (over a minute per request at a smaller size)') : `${(b / a).toFixed(1)}x`}`);
    for (const m of ['open', 'change', 'newline', 'completion', 'hover']) row(m, ours[m], theirs?.[m]);
    console.log(`${String(r.documents).padEnd(6)} ${String(r.lines).padEnd(7)} peak memory    ${f(ours.memoryMb).padStart(6)}MB ${theirs ? `${f(theirs.memoryMb).padStart(7)}MB` : ''}`);
    console.log(`${String(r.documents).padEnd(6)} ${String(r.lines).padEnd(7)} publish floor (send ${ours.diagnostics} diagnostics, same transport): ${f(r.publishFloorMs)} ms; change minus floor ${f(ours.change - r.publishFloorMs)} ms`);
    console.log(`${String(r.documents).padEnd(6)} ${String(r.lines).padEnd(7)} floor: bare yaml parseAllDocuments ${f(r.bareParseMs)} ms; flux-oci open / bare parse = ${r.openRatio.toFixed(2)} (median of each open over the bare parse run just before it)`);
    console.log(`${String(r.documents).padEnd(6)} ${String(r.lines).padEnd(7)} diagnostics: flux-oci ${ours.diagnostics}, yaml-ls ${theirs ? theirs.diagnostics : '-'}`);
  }
  const first = results[0]?.['flux-oci'];
  const last = results[results.length - 1]?.['flux-oci'];
  if (first && last && results.length > 1) {
    console.log(`change at ${results[results.length - 1].documents} docs / change at ${results[0].documents} docs = ${(last.change / first.change).toFixed(2)} (goal <= 4); without the publish floor ${((last.change - results[results.length - 1].publishFloorMs) / Math.max(0.01, first.change - results[0].publishFloorMs)).toFixed(2)}`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 5;
  const sizes = process.argv.includes('--sizes') ? process.argv[process.argv.indexOf('--sizes') + 1].split(',').map(Number) : undefined;
  const results = await benchLsp({ runs, ...(sizes ? { sizes } : {}), oursOnly: process.argv.includes('--ours-only') });
  printLsp(results);
  process.exit(0);
}
