// `npm run bench`: every benchmark, each side by side with its incumbent or physical floor.
// Not a test: it prints numbers (and writes bench/results/*.json) for the README.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchLsp, printLsp } from './lsp.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const wanted = (name) => only.length === 0 || only.includes(name);

const build = spawnSync(process.execPath, [join(repo, 'scripts', 'build.mjs')], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
mkdirSync(join(repo, 'bench', 'results'), { recursive: true });

if (wanted('lsp')) {
  const results = await benchLsp({ sizes: [1000, 5000, 20000], runs: 5 });
  printLsp(results);
  writeFileSync(join(repo, 'bench', 'results', 'lsp.json'), JSON.stringify(results, null, 2));
  // The table above keeps our live registry checks off (yaml-language-server has none). The same
  // edits with them on, every OCIRepository naming a repository on a host that does not answer:
  // what typing costs a user whose registry is down or unreachable.
  process.env.BENCH_LIVE = '1';
  const live = await benchLsp({ sizes: [1000, 20000], runs: 3, oursOnly: true });
  delete process.env.BENCH_LIVE;
  const [small, big] = live.map((r) => r['flux-oci']);
  console.log(`\nWith live registry checks on (registry.example.com does not answer): change ${small.change.toFixed(1)} ms at 1,000 documents, ${big.change.toFixed(1)} ms at 20,000 (publish floor ${live[1].publishFloorMs.toFixed(1)} ms); open / bare parse ${live[0].openRatio.toFixed(2)} and ${live[1].openRatio.toFixed(2)}`);
  writeFileSync(join(repo, 'bench', 'results', 'lsp-live.json'), JSON.stringify(live, null, 2));
}

// The other benchmarks are separate scripts (each prints its own side-by-side table).
// One benchmark a line, so parallel work adds lines instead of editing one.
const SCRIPTS = [
  ['index', 'index.mjs'],
  ['workspace', 'workspace.mjs'],
  ['cli', 'cli.mjs'],
  ['bounded', 'bounded.mjs'],
  ['artifactmap', 'artifactmap.mjs'],
  ['applygraph', 'applygraph.mjs'],
  ['completion', 'completion.mjs'],
  ['oci', 'oci.mjs'],
  ['push', 'push.mjs'],
  ['preview', 'preview.mjs'],
  ['live', 'live.mjs'],
  ['activation', 'activation.mjs'],
  ['render', 'render.mjs'],
];
for (const [name, file] of SCRIPTS) {
  if (!wanted(name) || !existsSync(join(repo, 'bench', file))) continue;
  console.log(`\n== ${name} (bench/${file})`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', join(repo, 'bench', file)], { stdio: 'inherit', cwd: repo });
  if (r.status !== 0) console.log(`bench/${file} exited with ${r.status}`);
}
process.exit(0);
