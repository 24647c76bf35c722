// Shared by the benchmarks that time the language core directly: the repository root, the
// command-line numbers, the median, and the core bundled with esbuild (its sources are TypeScript).
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The number after `--name` on the command line, else `fallback`. */
export const arg = (name, fallback) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? Number(process.argv[i + 1]) : fallback; };

export const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

/**
 * Bundles the modules that `exportLines` name (`export { X } from <repo-relative path>` pairs as
 * [names, path]) into one CommonJS file and loads it. `work` is a scratch folder for the entry.
 * The bundle is written inside the repository, so that the core finds schemas/ above it as it
 * does from dist/, and removed once loaded.
 */
export async function bundleCore(label, work, exportLines) {
  const entry = join(work, 'entry.ts');
  writeFileSync(entry, exportLines.map(([names, path]) => `export { ${names} } from ${JSON.stringify(join(repo, path))};`).join('\n'));
  const { build } = require('esbuild');
  mkdirSync(join(repo, 'bench', 'results'), { recursive: true });
  const bundle = join(repo, 'bench', 'results', `.${label}-core.cjs`);
  await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', outfile: bundle, logLevel: 'warning' });
  const core = require(bundle);
  rmSync(bundle, { force: true });
  return core;
}
