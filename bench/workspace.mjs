// Workspace benchmark: 10,000 YAML files indexed in the background, side by side with the floor
// of reading and parsing the same files with `yaml` on one core:
// - index time (the server's own background indexer, reads a few at a time, yielding) vs floor;
// - memory held by the index vs memory held by the bare parse results;
// - hover latency over real LSP stdio while the server indexes the workspace vs after.
// usage: node bench/workspace.mjs [--files 10000]   (re-runs itself with --expose-gc)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';

if (typeof globalThis.gc !== 'function') {
  const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const require = createRequire(import.meta.url);
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? Number(process.argv[i + 1]) : fallback; };
const fileCount = arg('files', 10000);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const mb = (x) => `${(x / 1024 / 1024).toFixed(0)} MB`;

const work = mkdtempSync(join(tmpdir(), 'flux-oci-bench-ws-'));
const entry = join(work, 'entry.ts');
writeFileSync(entry, [
  `export { WorkspaceIndex } from ${JSON.stringify(join(repo, 'server/src/language/workspaceIndex'))};`,
  `export { indexFolders } from ${JSON.stringify(join(repo, 'server/src/lsp/workspaceScan'))};`,
].join('\n'));
const { build } = require('esbuild');
mkdirSync(join(repo, 'bench', 'results'), { recursive: true });
const bundle = join(repo, 'bench', 'results', '.workspace-core.cjs');
await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', outfile: bundle, logLevel: 'warning' });
const core = require(bundle);
rmSync(bundle, { force: true });
const { parseAllDocuments } = require('yaml');
const { startServer, stop } = await import('./lsp.mjs');

function fileText(i) {
  const team = `team-${i % 50}`;
  return [
    `apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: svc-${i}\n  namespace: ${team}\nspec:\n  interval: 5m\n  url: oci://registry.example.com/${team}/svc-${i}\n  ref:\n    semver: ">=1.0.0 <2.0.0"\n`,
    `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: svc-${i}\n  namespace: ${team}\nspec:\n  interval: 10m\n  path: ./deploy\n  prune: true\n  sourceRef:\n    kind: OCIRepository\n    name: svc-${i}\n${i >= 50 ? `  dependsOn:\n    - name: svc-${i - 50}\n` : ''}`,
  ].join('---\n');
}

const root = join(work, 'workspace');
const paths = [];
for (let i = 0; i < fileCount; i++) {
  const path = join(root, `team-${i % 50}`, `svc-${i}.yaml`);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, fileText(i));
  paths.push(path);
}
const heap = () => { globalThis.gc(); globalThis.gc(); return process.memoryUsage().heapUsed; };

// Floor: read every file and parse it, on one core.
const floorTimes = [];
for (let r = 0; r < 3; r++) {
  const t = performance.now();
  for (const p of paths) parseAllDocuments(readFileSync(p, 'utf8'));
  floorTimes.push(performance.now() - t);
}
let base = heap();
let kept = paths.map((p) => parseAllDocuments(readFileSync(p, 'utf8')));
const parseMemory = heap() - base;
kept = undefined;

// The server's background indexer.
const indexTimes = [];
let index;
base = heap();
for (let r = 0; r < 3; r++) {
  index = undefined;
  if (r === 2) base = heap();
  index = new core.WorkspaceIndex();
  const t = performance.now();
  await core.indexFolders(index, [root]);
  indexTimes.push(performance.now() - t);
}
const indexMemory = heap() - base;
const objects = [...index.objects()].length;

// Over LSP: hover latency while the server indexes the workspace, and after.
const server = { name: 'flux-oci', args: [join(repo, 'dist', 'server.js'), '--stdio'], settings: { fluxOci: {} } };
const openDir = mkdtempSync(join(tmpdir(), 'flux-bench-open-'));
const openUri = pathToFileURL(join(openDir, 'app.yaml')).href;
const s = await startServer(server, root);
let indexedMessage;
s.conn.onNotification('window/logMessage', (p) => { if (/^Indexed/.test(p.message)) indexedMessage = p.message; });
s.conn.sendNotification('textDocument/didOpen', { textDocument: { uri: openUri, languageId: 'yaml', version: 1, text: fileText(fileCount + 1) } });
const during = [];
const afterIndexing = [];
while (!indexedMessage || afterIndexing.length < 20) {
  const t = performance.now();
  await s.conn.sendRequest('textDocument/hover', { textDocument: { uri: openUri }, position: { line: 6, character: 4 } });
  (indexedMessage ? afterIndexing : during).push(performance.now() - t);
}
await stop(s);

const floor = median(floorTimes);
const indexMs = median(indexTimes);
console.log(`\nWorkspace of ${fileCount} YAML files (${objects} objects); medians of 3 runs:`);
console.log(`  read + parse every file, one core (floor)          ${floor.toFixed(0).padStart(7)} ms   1.00x`);
console.log(`  background index (slices of 8 ms, yields)          ${indexMs.toFixed(0).padStart(7)} ms   ${(indexMs / floor).toFixed(2)}x`);
console.log(`  memory: bare parse results                         ${mb(parseMemory).padStart(10)}   1.00x`);
console.log(`  memory: index (models, parses, lookups)            ${mb(indexMemory).padStart(10)}   ${(indexMemory / parseMemory).toFixed(2)}x`);
console.log(`  LSP server: ${indexedMessage}`);
console.log(`  hover while indexing: ${during.length} answered, median ${median(during)?.toFixed(1)} ms, max ${Math.max(...during.slice(1)).toFixed(1)} ms after the first (${during[0]?.toFixed(0)} ms: hover text loaded on first use); after: median ${median(afterIndexing).toFixed(1)} ms`);
writeFileSync(join(repo, 'bench', 'results', 'workspace.json'), JSON.stringify({
  files: fileCount, objects, floorMs: floor, indexMs, memory: { parseBytes: parseMemory, indexBytes: indexMemory },
  server: indexedMessage, hoverDuring: { count: during.length, medianMs: median(during), firstMs: during[0], maxAfterFirstMs: Math.max(...during.slice(1)) }, hoverAfterMs: median(afterIndexing),
  hoverDuringAll: during,
}, null, 2));
rmSync(work, { recursive: true, force: true });
rmSync(openDir, { recursive: true, force: true });
process.exit(0);
