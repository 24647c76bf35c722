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

async function measureServer(server, text, runs) {
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
  let memory = 0;
  let diagnosticsCount = 0;
  for (let run = 0; run < runs; run++) {
    const s = await startServer(server, workspace);
    const opened = s.nextDiagnostics(uri);
    let t = performance.now();
    s.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text } });
    diagnosticsCount = (await opened).length;
    open.push(performance.now() - t);

    const lines = text.split('\n');
    const target = lines.findIndex((l, i) => i > lines.length / 2 && l === '  interval: 5m');
    let current = lines[target];
    for (let edit = 0; edit < 3; edit++) {
      const next = current === '  interval: 5m' ? '  interval: 6m' : '  interval: 5m';
      const changed = s.nextDiagnostics(uri);
      t = performance.now();
      const fullText = () => { lines[target] = next; return lines.join('\n'); };
      const contentChanges = s.incremental
        ? [{ range: { start: { line: target, character: 0 }, end: { line: target, character: current.length } }, text: next }]
        : [{ text: fullText() }];
      s.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 + edit }, contentChanges });
      await changed;
      change.push(performance.now() - t);
      lines[target] = next;
      current = next;
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
  return { open: median(open), change: median(change), completion: median(completion), hover: median(hover), memoryMb: memory, diagnostics: diagnosticsCount };
}

function bareParse(text, runs) {
  const dir = mkdtempSync(join(tmpdir(), 'flux-bench-bare-'));
  const file = join(dir, 'flux.yaml');
  writeFileSync(file, text);
  const script = `const { parseAllDocuments } = require(${JSON.stringify(require.resolve('yaml'))});
const text = require('fs').readFileSync(${JSON.stringify(file)}, 'utf8');
const t = performance.now(); parseAllDocuments(text); console.log(performance.now() - t);`;
  const times = [];
  for (let i = 0; i < runs; i++) times.push(Number(spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' }).stdout));
  rmSync(dir, { recursive: true, force: true });
  return median(times);
}

/** Both servers, configured to check the same schemas. */
export function benchServers(ylsSchema) {
  return [
    { name: 'flux-oci', args: [join(repo, 'dist', 'server.js'), '--stdio'], settings: { fluxOci: { validate: { enable: true } } } },
    {
      name: 'yaml-language-server',
      args: [require.resolve('yaml-language-server/bin/yaml-language-server'), '--stdio'],
      settings: { yaml: { validate: true, hover: true, completion: true, schemas: { [pathToFileURL(ylsSchema).href]: '*.yaml' }, schemaStore: { enable: false }, maxItemsComputed: 5000 } },
    },
  ];
}

export async function benchLsp({ sizes = [1000, 5000], runs = 5 } = {}) {
  const schemaDir = mkdtempSync(join(tmpdir(), 'flux-bench-schemas-'));
  const servers = benchServers(writeYlsSchema(repo, schemaDir));
  const results = [];
  for (const size of sizes) {
    const text = generateFluxFile(size);
    const row = { documents: size, lines: text.split('\n').length, bareParseMs: bareParse(text, runs) };
    for (const server of servers) row[server.name] = await measureServer(server, text, runs);
    results.push(row);
  }
  rmSync(schemaDir, { recursive: true, force: true });
  return results;
}

export function printLsp(results) {
  const f = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
  console.log('\nLSP latency (medians; ms) — flux-oci vs yaml-language-server, same client, same file');
  console.log('docs   lines  metric       flux-oci   yaml-ls    ratio (yaml-ls / flux-oci)');
  for (const r of results) {
    const ours = r['flux-oci'];
    const theirs = r['yaml-language-server'];
    for (const m of ['open', 'change', 'completion', 'hover']) {
      console.log(`${String(r.documents).padEnd(6)} ${String(r.lines).padEnd(6)} ${m.padEnd(12)} ${f(ours[m]).padStart(8)} ${f(theirs[m]).padStart(9)}    ${(theirs[m] / ours[m]).toFixed(1)}x`);
    }
    console.log(`${String(r.documents).padEnd(6)} ${String(r.lines).padEnd(6)} peak memory  ${f(ours.memoryMb).padStart(6)}MB ${f(theirs.memoryMb).padStart(7)}MB`);
    console.log(`${String(r.documents).padEnd(6)} ${String(r.lines).padEnd(6)} floor: bare yaml parseAllDocuments ${f(r.bareParseMs)} ms; flux-oci open / bare parse = ${(ours.open / r.bareParseMs).toFixed(2)}`);
    console.log(`${String(r.documents).padEnd(6)} ${String(r.lines).padEnd(6)} diagnostics: flux-oci ${ours.diagnostics}, yaml-ls ${theirs.diagnostics}`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 5;
  const results = await benchLsp({ runs });
  printLsp(results);
  process.exit(0);
}
