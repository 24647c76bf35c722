// Builds production bundles and packages the extension as flux-oci.vsix at the repository root.
// The end-to-end and extension-host suites install this file into code-server, so it must be the
// same artifact a user would install (same steps as `npm run package`).
// usage: node scripts/package-vsix.mjs [--out <file>]
import { spawnSync } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAX_BYTES = 2 * 1024 * 1024;
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outArg = process.argv.indexOf('--out');
const out = resolve(repo, outArg > 0 ? process.argv[outArg + 1] : 'flux-oci.vsix');

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: repo, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`package-vsix: ${cmd} ${args.join(' ')} failed`);
    process.exit(r.status ?? 1);
  }
}

// vsce refuses to package without a README; the real one is written by hand, this only keeps a
// fresh checkout packagable before it exists.
const readme = join(repo, 'README.md');
if (!existsSync(readme)) {
  writeFileSync(readme, '# Flux OCI\n\nValidation, completion and registry tools for Flux YAML that uses OCI artifacts.\n');
  console.warn('package-vsix: README.md was missing; wrote a minimal placeholder');
}

run(process.execPath, ['scripts/build.mjs', '--production']);
run(process.execPath, [join(repo, 'node_modules/@vscode/vsce/vsce'), 'package', '--no-dependencies', '--out', out]);

const size = statSync(out).size;
if (size > MAX_BYTES) {
  console.error(`package-vsix: ${out} is ${size} bytes, over the ${MAX_BYTES}-byte budget`);
  process.exit(1);
}
console.log(`package-vsix: ${out} (${(size / 1024).toFixed(0)} KiB)`);
