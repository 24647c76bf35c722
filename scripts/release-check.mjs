// Checks a release before anything is published, and writes its notes.
//   - package.json's version is the top versioned CHANGELOG section's ([X.Y.Z]);
//   - the VSIX (--vsix) and the npm tarball (--tarball) carry that version, and only what runs:
//     no tests, sources, benchmarks, source maps or examples;
//   - with --tag vX.Y.Z (a real release): the tag is that version and [Unreleased] above it, if
//     any, is empty (every change is in the notes).
// --notes <file> writes the section's body (the GitHub release notes).
// usage: node scripts/release-check.mjs [--tag vX.Y.Z] [--vsix file] [--tarball file] [--notes file]
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : undefined; };
const problems = [];
const fail = (message) => problems.push(message);

const version = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).version;

/** The CHANGELOG's sections: heading name ("Unreleased" or a version) and body. */
function sections(text) {
  const found = [];
  for (const part of text.split(/^## /m).slice(1)) {
    const m = /^\[([^\]]+)\][^\n]*\n/.exec(part);
    if (m) found.push({ name: m[1], body: part.slice(m[0].length).trim() });
  }
  return found;
}
const all = sections(readFileSync(join(repo, 'CHANGELOG.md'), 'utf8'));
const top = all.find((s) => /^\d+\.\d+\.\d+/.test(s.name));
if (!top) fail('CHANGELOG.md has no versioned section (## [X.Y.Z])');
else if (top.name !== version) fail(`CHANGELOG.md's top version is ${top.name}, package.json says ${version}`);
else if (!top.body) fail(`CHANGELOG.md's [${version}] section is empty`);

const tag = arg('--tag');
if (tag !== undefined) {
  if (tag !== `v${version}`) fail(`tag ${tag} is not v${version} (package.json)`);
  const unreleased = all.find((s) => s.name.toLowerCase() === 'unreleased');
  if (unreleased && /^\s*-/m.test(unreleased.body)) fail('CHANGELOG.md still has entries under [Unreleased]: move them into the release\'s section');
}

const FORBIDDEN = /(^|\/)(test|tests|bench|server\/src|client\/src|examples|scripts|node_modules)\/|\.map$|\.ts$|\.vsix$|\.tgz$/;

function checkPackage(kind, files, manifestVersion, required) {
  if (manifestVersion !== version) fail(`${kind} version ${manifestVersion} is not ${version}`);
  const bad = files.filter((f) => FORBIDDEN.test(f) && !f.endsWith('.d.ts'));
  if (bad.length) fail(`${kind} holds files that do not run: ${bad.slice(0, 10).join(', ')}${bad.length > 10 ? ', …' : ''}`);
  for (const file of required) if (!files.includes(file)) fail(`${kind} lacks ${file}`);
}

const vsix = arg('--vsix');
if (vsix) {
  const files = execFileSync('unzip', ['-Z1', vsix], { encoding: 'utf8' }).split('\n').filter(Boolean);
  const manifest = JSON.parse(execFileSync('unzip', ['-p', vsix, 'extension/package.json'], { encoding: 'utf8' }));
  const identity = /<Identity [^>]*Version="([^"]+)"/.exec(execFileSync('unzip', ['-p', vsix, 'extension.vsixmanifest'], { encoding: 'utf8' }))?.[1];
  if (identity !== version) fail(`VSIX manifest Identity Version ${identity} is not ${version}`);
  checkPackage('VSIX', files.map((f) => f.replace(/^extension\//, '')), manifest.version, ['dist/extension.js', 'dist/server.js', 'schemas/catalog.json', 'package.json', 'changelog.md', 'readme.md']);
}

const tarball = arg('--tarball');
if (tarball) {
  const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
  const manifest = JSON.parse(execFileSync('tar', ['-xOzf', tarball, 'package/package.json'], { encoding: 'utf8' }));
  if (manifest.name !== 'flux-oci') fail(`npm package is named ${manifest.name}, not flux-oci`);
  checkPackage('npm package', files, manifest.version, ['dist/cli.js', 'dist/server.js', 'schemas/catalog.json', 'package.json', 'README.md', 'LICENSE', 'CHANGELOG.md']);
}

const notes = arg('--notes');
if (notes && top) writeFileSync(notes, `${top.body}\n`);

if (problems.length) {
  for (const p of problems) console.error(`release-check: ${p}`);
  process.exit(1);
}
console.log(`release-check: ${version} ok${vsix ? `, VSIX ${vsix}` : ''}${tarball ? `, npm ${tarball}` : ''}`);
