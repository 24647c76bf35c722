// Runs the test suites with Node's test runner after one build.
// usage: node scripts/test.mjs [unit|lsp|registry|package|vscode|e2e ...]   (no argument: all of them)
import { spawnSync } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const ALL = ['unit', 'lsp', 'registry', 'package', 'vscode', 'e2e'];
const suites = process.argv.slice(2).length ? process.argv.slice(2) : ALL;
for (const s of suites) if (!ALL.includes(s)) { console.error(`unknown suite ${s}; one of ${ALL.join(', ')}`); process.exit(2); }

const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

run('npx', ['tsc', '-p', '.', '--noEmit']);
run('node', ['scripts/build.mjs']);
if (suites.includes('e2e') || suites.includes('vscode')) run('node', ['scripts/package-vsix.mjs']);

const files = suites.flatMap((s) => {
  const dir = join('test', s);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.test.ts')).sort().map((f) => join(dir, f));
});
if (files.length === 0) { console.error('no test files found'); process.exit(1); }
// test/exitWhenDone.mjs ends a file's process that its tests finished but an open handle keeps
// alive (not --test-force-exit, which can drop results: see that file).
run('node', ['--import', 'tsx', '--import', './test/exitWhenDone.mjs', '--test', '--test-reporter=spec', ...files]);
