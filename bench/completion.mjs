// Completion and hover latency at several kinds of position in the 5,000-document file:
// flux-oci and yaml-language-server through the same client, in the same run.
// usage: node bench/completion.mjs [--docs 5000] [--runs 5]   (builds nothing: run `npm run build` first)
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { generateFluxFile } from './generate.mjs';
import { writeYlsSchema } from './yls-schema.mjs';

const require = createRequire(import.meta.url);
const rpc = require('vscode-jsonrpc/node');
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? Number(process.argv[i + 1]) : fallback; };
const docs = arg('docs', 5000);
const runs = arg('runs', 5);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

/** Positions in the middle of the file, found by text so the generator may change. */
function probes(lines) {
  const middle = Math.floor(lines.length / 2);
  const find = (predicate) => { const i = lines.findIndex((l, n) => n > middle && predicate(l, n)); if (i < 0) throw new Error('probe not found'); return i; };
  const ociSpec = find((l, n) => l === 'spec:' && lines[n - 4] === 'kind: OCIRepository');
  const kustomizationName = find((l) => /^    name: svc-\d+$/.test(l));
  const provider = find((l) => l === '  provider: generic');
  return [
    { name: 'completion: key inside spec', method: 'textDocument/completion', position: { line: ociSpec + 1, character: 2 } },
    { name: 'completion: enum value (provider)', method: 'textDocument/completion', position: { line: provider, character: '  provider: '.length } },
    { name: 'completion: sourceRef.name (2,500 candidates)', method: 'textDocument/completion', position: { line: kustomizationName, character: '    name: '.length } },
    { name: 'hover: field key (interval)', method: 'textDocument/hover', position: { line: ociSpec + 1, character: 4 } },
    { name: 'hover: sourceRef.name target', method: 'textDocument/hover', position: { line: kustomizationName, character: 12 } },
  ];
}

async function measure(server, uri, text, lines) {
  const workspace = mkdtempSync(join(tmpdir(), 'flux-bench-ws-'));
  const proc = spawn(process.execPath, server.args, { stdio: ['pipe', 'pipe', process.env.BENCH_STDERR ? 'inherit' : 'ignore'] });
  const conn = rpc.createMessageConnection(new rpc.StreamMessageReader(proc.stdout), new rpc.StreamMessageWriter(proc.stdin));
  let diagnosed;
  const firstDiagnostics = new Promise((r) => { diagnosed = r; });
  conn.onNotification('textDocument/publishDiagnostics', (p) => { if (p.uri === uri && p.diagnostics.length) diagnosed(); });
  conn.onRequest('workspace/configuration', (p) => p.items.map((it) => {
    let v = server.settings; for (const k of (it.section || '').split('.').filter(Boolean)) v = v?.[k]; return v ?? null;
  }));
  conn.onRequest('client/registerCapability', () => null);
  conn.onRequest('window/workDoneProgress/create', () => null);
  conn.onNotification(() => undefined);
  conn.listen();
  const rootUri = pathToFileURL(workspace).href;
  await conn.sendRequest('initialize', {
    processId: process.pid, rootUri, workspaceFolders: [{ uri: rootUri, name: 'bench' }],
    capabilities: { workspace: { configuration: true }, textDocument: { publishDiagnostics: {}, completion: { completionItem: { snippetSupport: true } }, hover: { contentFormat: ['markdown'] } } },
  });
  conn.sendNotification('initialized', {});
  conn.sendNotification('workspace/didChangeConfiguration', { settings: server.settings });
  conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text } });
  await firstDiagnostics;
  const results = {};
  for (const probe of probes(lines)) {
    const times = [];
    let size = 0;
    for (let i = 0; i < runs + 1; i++) {
      const t = performance.now();
      const r = await conn.sendRequest(probe.method, { textDocument: { uri }, position: probe.position });
      if (i > 0) times.push(performance.now() - t); // the first request warms up lazy loading
      size = probe.method === 'textDocument/hover' ? (r ? 1 : 0) : (Array.isArray(r) ? r.length : r?.items?.length ?? 0);
    }
    results[probe.name] = { ms: median(times), results: size };
  }
  // A server may close its pipes as soon as it has answered shutdown: ignore write errors from here on.
  proc.stdin.on('error', () => undefined);
  try {
    await Promise.race([conn.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 1000))]);
    await conn.sendNotification('exit').catch(() => undefined);
  } catch { /* gone */ }
  conn.dispose();
  proc.kill();
  rmSync(workspace, { recursive: true, force: true });
  return results;
}

const schemaDir = mkdtempSync(join(tmpdir(), 'flux-bench-schemas-'));
const fileDir = mkdtempSync(join(tmpdir(), 'flux-bench-file-'));
try {
  const ylsSchema = writeYlsSchema(repo, schemaDir);
  const text = generateFluxFile(docs);
  const file = join(fileDir, 'flux.yaml');
  writeFileSync(file, text);
  const uri = pathToFileURL(file).href;
  const lines = text.split('\n');
  const servers = [
    { name: 'flux-oci', args: [join(repo, 'dist', 'server.js'), '--stdio'], settings: {} },
    {
      name: 'yaml-language-server',
      args: [require.resolve('yaml-language-server/bin/yaml-language-server'), '--stdio'],
      settings: { yaml: { validate: true, hover: true, completion: true, schemas: { [pathToFileURL(ylsSchema).href]: '*.yaml' }, schemaStore: { enable: false }, maxItemsComputed: 5000 } },
    },
  ];
  const all = {};
  for (const server of servers) all[server.name] = await measure(server, uri, text, lines);
  console.log(`Completion and hover, ${docs} documents (${lines.length} lines), median of ${runs} (ms; items or hover found)`);
  console.log(`${'position'.padEnd(48)} ${'flux-oci'.padStart(16)} ${'yaml-ls'.padStart(16)}`);
  for (const name of Object.keys(all['flux-oci'])) {
    const cell = (r) => `${r.ms.toFixed(1)} (${r.results})`.padStart(16);
    console.log(`${name.padEnd(48)} ${cell(all['flux-oci'][name])} ${cell(all['yaml-language-server'][name])}`);
  }
} finally {
  rmSync(schemaDir, { recursive: true, force: true });
  rmSync(fileDir, { recursive: true, force: true });
}
process.exit(0);
