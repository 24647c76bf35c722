// Completion and hover latency at several kinds of position in the 5,000-document file:
// flux-oci and yaml-language-server through the same client, in the same run.
// usage: node bench/completion.mjs [--docs 5000] [--runs 5]   (builds nothing: run `npm run build` first)
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generateFluxFile } from './generate.mjs';
import { writeYlsSchema } from './yls-schema.mjs';
import { startServer, stop, median, benchServers } from './lsp.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? Number(process.argv[i + 1]) : fallback; };
const docs = arg('docs', 5000);
const runs = arg('runs', 5);

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
  const session = await startServer(server, workspace);
  const { conn } = session;
  const opened = session.nextDiagnostics(uri);
  conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text } });
  await opened;
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
  await stop(session);
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
  const servers = benchServers(ylsSchema);
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
