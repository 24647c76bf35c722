// CLI throughput: `flux-oci lint` on a large tree with one worker and with one per core, side by
// side with the floor: reading and parsing the same files with `yaml` on one core. Every run is
// a fresh process timed from start to exit (the floor too).
// usage: node bench/cli.mjs [--files 4000] [--runs 3]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir, availableParallelism } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? Number(process.argv[i + 1]) : fallback; };
const fileCount = arg('files', 4000);
const runs = arg('runs', 3);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

const root = mkdtempSync(join(tmpdir(), 'flux-oci-bench-cli-'));
for (let i = 0; i < fileCount; i++) {
  const team = `team-${i % 40}`;
  const path = join(root, team, `svc-${i}.yaml`);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, [
    `apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: svc-${i}\n  namespace: ${team}\nspec:\n  interval: ${i % 10 === 0 ? '5 minutes' : '5m'}\n  url: oci://registry.example.com/${team}/svc-${i}\n  ref:\n    semver: ">=1.0.0 <2.0.0"\n`,
    `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: svc-${i}\n  namespace: ${team}\nspec:\n  interval: 10m\n  path: ./deploy\n  prune: true\n  sourceRef:\n    kind: OCIRepository\n    name: svc-${i}\n${i >= 40 ? `  dependsOn:\n    - name: svc-${i - 40}\n` : ''}`,
  ].join('---\n'));
}

const floorScript = `const { parseAllDocuments } = require(${JSON.stringify(require.resolve('yaml'))});
const fs = require('fs'); const path = require('path');
const walk = (d) => { for (const e of fs.readdirSync(d, { withFileTypes: true })) { const p = path.join(d, e.name); if (e.isDirectory()) walk(p); else if (/\\.ya?ml$/.test(e.name)) parseAllDocuments(fs.readFileSync(p, 'utf8')); } };
walk(${JSON.stringify(root)});`;
// The same bare parse split over one thread per core (files dealt out in turn): what this
// machine's cores give parsing alone, the ceiling for any speed-up of ours.
const parallelFloorFile = join(mkdtempSync(join(tmpdir(), 'flux-oci-bench-floor-')), 'floor.js');
writeFileSync(parallelFloorFile, `const { Worker, isMainThread, workerData } = require('worker_threads');
const { parseAllDocuments } = require(${JSON.stringify(require.resolve('yaml'))});
const fs = require('fs'); const path = require('path');
const threads = Number(process.argv[2]);
const files = []; const walk = (d) => { for (const e of fs.readdirSync(d, { withFileTypes: true })) { const p = path.join(d, e.name); if (e.isDirectory()) walk(p); else if (/\\.ya?ml$/.test(e.name)) files.push(p); } };
walk(${JSON.stringify(root)});
const parse = (k) => { for (let i = k; i < files.length; i += threads) parseAllDocuments(fs.readFileSync(files[i], 'utf8')); };
if (isMainThread) { for (let k = 1; k < threads; k++) new Worker(__filename, { workerData: k, argv: [String(threads)] }); parse(0); } else parse(workerData);
`);
const time = (args) => {
  const times = [];
  let output = '';
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    const p = spawnSync(process.execPath, args, { encoding: 'utf8', cwd: root, maxBuffer: 1 << 28 });
    times.push(performance.now() - t);
    output = p.stdout;
  }
  return { ms: median(times), output };
};
const cores = availableParallelism();
const floor = time(['-e', floorScript]);
const floorAll = time([parallelFloorFile, String(cores)]);
const one = time([join(repo, 'dist', 'cli.js'), 'lint', '--jobs', '1', '.']);
const all = time([join(repo, 'dist', 'cli.js'), 'lint', '--jobs', String(cores), '.']);
const rate = (ms) => (fileCount / (ms / 1000)).toFixed(0);
console.log(`\nCLI throughput, ${fileCount} files (${fileCount * 2} documents), ${cores} cores; medians of ${runs} fresh processes:`);
console.log(`  floor: read + parse with yaml, one core      ${floor.ms.toFixed(0).padStart(7)} ms  ${rate(floor.ms).padStart(6)} files/s`);
console.log(`  floor on ${cores} threads (same parse, split)   ${floorAll.ms.toFixed(0).padStart(7)} ms  ${rate(floorAll.ms).padStart(6)} files/s  ${(floor.ms / floorAll.ms).toFixed(2)}x one core: what ${cores} threads give parsing here`);
console.log(`  flux-oci lint --jobs 1                        ${one.ms.toFixed(0).padStart(7)} ms  ${rate(one.ms).padStart(6)} files/s  ${(one.ms / floor.ms).toFixed(2)}x the floor`);
console.log(`  flux-oci lint --jobs ${cores}                        ${all.ms.toFixed(0).padStart(7)} ms  ${rate(all.ms).padStart(6)} files/s  ${(all.ms / floor.ms).toFixed(2)}x the floor`);
console.log(`  speed-up with ${cores} workers: ${(one.ms / all.ms).toFixed(2)}x (${(one.ms / all.ms / cores).toFixed(2)} per core; the bare parse's ${(floor.ms / floorAll.ms).toFixed(2)}x); same output: ${one.output === all.output}`);
writeFileSync(join(repo, 'bench', 'results', 'cli.json'), JSON.stringify({ files: fileCount, cores, floorMs: floor.ms, floorAllCoresMs: floorAll.ms, jobs1Ms: one.ms, jobsAllMs: all.ms, sameOutput: one.output === all.output }, null, 2));
rmSync(root, { recursive: true, force: true });
rmSync(dirname(parallelFloorFile), { recursive: true, force: true });
