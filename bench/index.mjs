// Workspace index benchmark: a 2,000-file workspace (OCIRepository + Kustomization per file,
// some Secrets and dependsOn chains), measured side by side with the floor of just reading the
// files and parsing them with `yaml`:
// - building the index from disk, and re-indexing + re-checking one changed file
//   (a one-line edit, an edit that renames an object, and a line inserted at the top);
// - the memory the index holds, next to the memory of the bare parse results.
// usage: node --expose-gc bench/index.mjs [--files 2000] [--runs 20]
// (re-runs itself with --expose-gc when needed; bundles the language core with esbuild first)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { arg, bundleCore, median, repo } from './core.mjs';

if (typeof globalThis.gc !== 'function') {
  const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const require = createRequire(import.meta.url);
const fileCount = arg('files', 2000);
const runs = arg('runs', 20);
const ms = (x) => `${x.toFixed(2)} ms`;
const mb = (x) => `${(x / 1024 / 1024).toFixed(1)} MB`;

// Bundle the language core once (the sources are TypeScript).
const work = mkdtempSync(join(tmpdir(), 'flux-oci-bench-index-'));
const core = await bundleCore('index', work, [
  ['WorkspaceIndex', 'server/src/language/workspaceIndex'],
  ['lintFile, defaultLintContext', 'server/src/language/lint'],
  ['workspaceFindings', 'server/src/language/rules'],
]);
const { parseAllDocuments } = require('yaml');

function fileText(i) {
  const team = `team-${i % 40}`;
  const docs = [
    `apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: svc-${i}\n  namespace: ${team}\nspec:\n  interval: 5m\n  url: oci://registry.example.com/${team}/svc-${i}\n  ref:\n    semver: ">=1.0.0 <2.0.0"\n${i % 5 === 0 ? `  secretRef:\n    name: pull-${i}\n` : ''}`,
    `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: svc-${i}\n  namespace: ${team}\nspec:\n  interval: 10m\n  path: ./deploy\n  prune: true\n  sourceRef:\n    kind: OCIRepository\n    name: svc-${i}\n${i >= 40 ? `  dependsOn:\n    - name: svc-${i - 40}\n` : ''}`,
  ];
  if (i % 5 === 0) docs.push(`apiVersion: v1\nkind: Secret\nmetadata:\n  name: pull-${i}\n  namespace: ${team}\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: ${Buffer.from('{"auths":{}}').toString('base64')}\n`);
  return docs.join('---\n');
}

const root = join(work, 'workspace');
const paths = [];
for (let i = 0; i < fileCount; i++) {
  const path = join(root, `team-${i % 40}`, `svc-${i}.yaml`);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, fileText(i));
  paths.push(path);
}
const readAll = () => paths.map((p) => readFileSync(p, 'utf8'));

function heap() {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}

// Floor: read every file and parse it.
const floorTimes = [];
for (let r = 0; r < 3; r++) {
  const t = performance.now();
  for (const text of readAll()) parseAllDocuments(text);
  floorTimes.push(performance.now() - t);
}
const heapBeforeParse = heap();
let retainedParses = readAll().map((text) => parseAllDocuments(text));
const parseMemory = heap() - heapBeforeParse;
retainedParses = undefined;

// The index: build from disk, then lint every file once (as `flux-oci lint` does).
const context = { ...core.defaultLintContext(), unresolvedReferences: 'warning' };
const heapBeforeIndex = heap();
const buildTimes = [];
let index;
for (let r = 0; r < 3; r++) {
  index = new core.WorkspaceIndex();
  const t = performance.now();
  const texts = readAll();
  paths.forEach((p, i) => index.setFile(pathToFileURL(p).href, texts[i]));
  buildTimes.push(performance.now() - t);
}
const lintAllStart = performance.now();
let findingCount = 0;
for (const uri of index.uris()) {
  const file = index.file(uri);
  findingCount += core.lintFile(file, context).length + core.workspaceFindings(file, index, context).length;
}
const lintAllTime = performance.now() - lintAllStart;
const indexMemory = heap() - heapBeforeIndex;

// One file changes: re-index it and re-check it (plus, for renames, a file that refers to it).
const target = pathToFileURL(paths[Math.floor(fileCount / 2)]).href;
const dependent = pathToFileURL(paths[Math.floor(fileCount / 2) + 40]).href;
const original = readFileSync(new URL(target), 'utf8');
function measure(edit) {
  const times = [];
  for (let r = 0; r < runs; r++) {
    const text = edit(original, r);
    const t = performance.now();
    const file = index.setFile(target, text);
    core.lintFile(file, context);
    core.workspaceFindings(file, index, context);
    const other = index.file(dependent);
    core.workspaceFindings(other, index, context);
    times.push(performance.now() - t);
  }
  index.setFile(target, original);
  return median(times);
}
const oneLine = measure((text, r) => text.replace('interval: 5m', `interval: ${r + 6}m`));
const rename = measure((text, r) => text.replace(/name: svc-(\d+)\n  namespace/, (_m, n) => `name: svc-${n}-r${r}\n  namespace`));
const insert = measure((text, r) => `# edited ${r}\n${text}`);

const floor = median(floorTimes);
const rows = [
  ['read + parse all files (floor)', ms(floor), '1.00×'],
  ['build the index from disk', ms(median(buildTimes)), `${(median(buildTimes) / floor).toFixed(2)}×`],
  ['lint every file once (after indexing)', ms(lintAllTime), `${(lintAllTime / floor).toFixed(2)}×`],
  ['one file changes: one-line edit', ms(oneLine), `${(oneLine / floor).toFixed(4)}×`],
  ['one file changes: object renamed', ms(rename), `${(rename / floor).toFixed(4)}×`],
  ['one file changes: line inserted at top', ms(insert), `${(insert / floor).toFixed(4)}×`],
];
console.log(`\nWorkspace index, ${fileCount} files (${fileCount * 2 + Math.ceil(fileCount / 5)} documents), medians of ${runs} runs; ratios against read + parse:`);
for (const [name, value, ratio] of rows) console.log(`  ${name.padEnd(50)} ${value.padStart(12)}  ${ratio}`);
console.log(`  ${'memory: bare parse results'.padEnd(50)} ${mb(parseMemory).padStart(12)}  1.00×`);
console.log(`  ${'memory: index (files, parses, lookups, findings)'.padEnd(50)} ${mb(indexMemory).padStart(12)}  ${(indexMemory / parseMemory).toFixed(2)}×`);
console.log(`  (${findingCount} findings over the workspace)`);

mkdirSync(join(repo, 'bench', 'results'), { recursive: true });
writeFileSync(join(repo, 'bench', 'results', 'index.json'), JSON.stringify({
  files: fileCount, runs, floorMs: floor, buildMs: median(buildTimes), lintAllMs: lintAllTime,
  changeMs: { oneLine, rename, insert }, memory: { parseBytes: parseMemory, indexBytes: indexMemory }, findings: findingCount,
}, null, 2));
rmSync(work, { recursive: true, force: true });
