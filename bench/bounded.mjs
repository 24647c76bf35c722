// Bounded work: `flux-oci lint` on the shapes that once ran for hours (Kustomizations that apply
// their own folder, with namespaces that are not strings) and on a fleet past the apply graph's
// work budget, side by side with the floor: reading and parsing the same files with `yaml`.
// Every run is a fresh process timed from start to exit (the floor too).
// usage: node --import tsx bench/bounded.mjs [--runs 3]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { selfApplyingKustomization } from '../test/fixtures/pathological.ts';

const require = createRequire(import.meta.url);
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? Number(process.argv[i + 1]) : fallback; };
const runs = arg('runs', 3);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

const kustomization = selfApplyingKustomization;

/** name → files of the tree */
const cases = [];
for (const n of [3, 5, 8]) {
  for (const ns of ['{a: 1}', '[a]', '{{ .fluxns }}']) {
    cases.push([`${n} self-applying, namespace ${ns}`, { 'objects.yaml': Array.from({ length: n }, (_, i) => kustomization(`k${i}`, ns)).join('---\n') }]);
  }
}
for (const n of [400, 1600]) {
  const files = {};
  for (let i = 0; i < n; i++) files[`d${i % 40}/k${i}.yaml`] = kustomization(`k${i}`, 'flux-system');
  cases.push([`${n} files, each applying the root${n === 1600 ? ' (past the budget)' : ''}`, files]);
}

const time = (args, cwd) => {
  const times = [];
  let status = 0;
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    const p = spawnSync(process.execPath, args, { encoding: 'utf8', cwd, maxBuffer: 1 << 28 });
    times.push(performance.now() - t);
    status = p.status;
  }
  return { ms: median(times), status };
};

console.log(`\nBounded work: flux-oci lint on pathological trees; medians of ${runs} fresh processes`);
console.log(`  ${'tree'.padEnd(46)} ${'floor'.padStart(8)} ${'lint'.padStart(8)}  ratio  exit`);
const results = [];
for (const [name, files] of cases) {
  const root = mkdtempSync(join(tmpdir(), 'flux-oci-bench-bounded-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  const floorScript = `const { parseAllDocuments } = require(${JSON.stringify(require.resolve('yaml'))});
const fs = require('fs'); const path = require('path');
const walk = (d) => { for (const e of fs.readdirSync(d, { withFileTypes: true })) { const p = path.join(d, e.name); if (e.isDirectory()) walk(p); else if (/\\.ya?ml$/.test(e.name)) parseAllDocuments(fs.readFileSync(p, 'utf8')); } };
walk(${JSON.stringify(root)});`;
  const floor = time(['-e', floorScript], root);
  const lint = time([join(repo, 'dist', 'cli.js'), 'lint', '--jobs', '1', '.'], root);
  console.log(`  ${name.padEnd(46)} ${`${floor.ms.toFixed(0)} ms`.padStart(8)} ${`${lint.ms.toFixed(0)} ms`.padStart(8)}  ${(lint.ms / floor.ms).toFixed(2).padStart(5)}x  ${lint.status}`);
  results.push({ name, floorMs: floor.ms, lintMs: lint.ms, exit: lint.status });
  rmSync(root, { recursive: true, force: true });
}
mkdirSync(join(repo, 'bench', 'results'), { recursive: true });
writeFileSync(join(repo, 'bench', 'results', 'bounded.json'), JSON.stringify(results, null, 2));
