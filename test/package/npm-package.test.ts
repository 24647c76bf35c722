// The npm package as a user gets it: `npm pack` of a fresh copy of the checkout (prepare builds the
// bundles), installed into an empty folder with --omit=dev and globally into a prefix, then both
// binaries run from there, with no clone, no build and no devDependencies: the CLI lints a fleet
// and the language server answers an editor over stdio (schemas and hover docs found in the package).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { npmEnv, packTarball, REPO_ROOT, requireTool, run, stageCheckout, tarballFiles } from './stage';
import { BROKEN_CODE, KUSTOMIZATION_FILE, fleetFiles, kustomization, writeFleet } from './fleet';
import { startServer, positionOf } from '../lsp/lspClient';

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
const work = mkdtempSync(join(tmpdir(), 'flux-oci-npm-'));
const cleanups: string[] = [work];
after(() => { for (const dir of cleanups) rmSync(dir, { recursive: true, force: true }); });

/** Packed once for every test of this file. */
let packed: { tarball: string; stdout: string } | undefined;
function tarball(): { tarball: string; stdout: string } {
  if (!packed) {
    requireTool('npm', 'install Node.js with npm (Debian: nodejs npm)');
    const stage = stageCheckout({ linkNodeModules: true });
    cleanups.push(stage);
    assert.ok(!existsSync(join(stage, 'dist')), 'the staged checkout has no build output');
    packed = packTarball(stage, work);
  }
  return packed;
}

/** The package installed into an empty folder, without devDependencies. */
let installedDir: string | undefined;
function installed(): string {
  if (!installedDir) {
    installedDir = join(work, 'empty');
    run('mkdir', ['-p', installedDir]);
    run('npm', ['install', '--omit=dev', '--no-save', '--no-package-lock', tarball().tarball], { cwd: installedDir, env: npmEnv() });
  }
  return installedDir;
}

test('npm pack prints only the tarball name (pre-commit reads it) and the tarball holds only what runs', () => {
  const { tarball: file, stdout } = tarball();
  assert.equal(stdout.trim(), `flux-oci-${pkg.version}.tgz`, 'npm pack stdout is one line: the tarball name');
  const files = tarballFiles(file);
  for (const needed of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'dist/cli.js', 'dist/server.js', 'schemas/catalog.json', 'schemas/ocirepository-v1.json', 'schemas/docs/ocirepository.yaml']) {
    assert.ok(files.includes(needed), `${needed} is in the package`);
  }
  const unexpected = files.filter((f) => !/^(package\.json|README\.md|LICENSE|CHANGELOG\.md|dist\/(cli|server)\.js|schemas\/(legacy\/)?[a-z0-9-]+\.json|schemas\/docs\/[a-z]+\.yaml)$/.test(f));
  assert.deepEqual(unexpected, [], 'no tests, sources, benchmarks, source maps or extension bundle');
});

test('the tarball is small, and the README says how small', () => {
  const bytes = statSync(tarball().tarball).size;
  assert.ok(bytes < 1024 * 1024, `tarball is ${bytes} bytes, over 1 MiB`);
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const said = /npm package is a (\d+) kB tarball/.exec(readme);
  assert.ok(said, 'README states the tarball size as "npm package is a N kB tarball"');
  const kB = Math.round(bytes / 1000);
  assert.ok(Math.abs(Number(said[1]) - kB) <= kB * 0.1, `README says ${said[1]} kB, the tarball is ${kB} kB`);
});

test('installed with --omit=dev into an empty folder: no dependencies come along, both binaries answer', () => {
  const dir = installed();
  const modules = readdirSync(join(dir, 'node_modules')).filter((n) => !n.startsWith('.'));
  assert.deepEqual(modules, ['flux-oci'], 'the package needs nothing else at run time');
  const bin = join(dir, 'node_modules', '.bin');
  assert.equal(run(join(bin, 'flux-oci'), ['--version']).stdout, `${pkg.version}\n`);
  assert.match(run(join(bin, 'flux-oci'), ['--help']).stdout, /^usage: flux-oci <command>/);
  assert.equal(run(join(bin, 'flux-oci-ls'), ['--version']).stdout, `${pkg.version}\n`);
  assert.match(run(join(bin, 'flux-oci-ls'), ['--help']).stdout, /^usage: flux-oci-ls --stdio/);
});

test('the installed CLI lints a fleet: the error fails the run, the fixed fleet passes, SARIF parses', () => {
  const cli = join(installed(), 'node_modules', '.bin', 'flux-oci');
  const fleet = writeFleet({ broken: true });
  cleanups.push(fleet);
  const broken = run(cli, ['lint', '.'], { cwd: fleet, allowFailure: true });
  assert.equal(broken.status, 1, broken.stdout + broken.stderr);
  assert.match(broken.stdout, new RegExp(`^${KUSTOMIZATION_FILE}:7:13 error ${BROKEN_CODE} `, 'm'));
  const sarif = JSON.parse(run(cli, ['lint', '--format', 'sarif', '.'], { cwd: fleet, allowFailure: true }).stdout) as { runs: { results: { ruleId: string }[] }[] };
  assert.deepEqual(sarif.runs[0].results.map((r) => r.ruleId), [BROKEN_CODE]);
  writeFileSync(join(fleet, KUSTOMIZATION_FILE), kustomization('10m'));
  const fixed = run(cli, ['lint', '.'], { cwd: fleet, allowFailure: true });
  assert.equal(fixed.status, 0, fixed.stdout + fixed.stderr);
  assert.match(fixed.stderr, /2 files checked: 0 errors/);
});

test('npx runs the CLI from the tarball with no install: npx --package <tarball> flux-oci lint .', () => {
  const fleet = writeFleet({ broken: true });
  cleanups.push(fleet);
  const r = run('npx', ['--yes', '--package', tarball().tarball, 'flux-oci', 'lint', '.'], { cwd: fleet, env: npmEnv({ npm_config_cache: join(work, 'npx-cache') }), allowFailure: true });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`${KUSTOMIZATION_FILE}:7:13 error ${BROKEN_CODE} `));
});

test('npm install -g puts flux-oci and flux-oci-ls on the PATH of the prefix', () => {
  const prefix = join(work, 'global');
  run('npm', ['install', '-g', '--prefix', prefix, tarball().tarball], { env: npmEnv() });
  assert.equal(run(join(prefix, 'bin', 'flux-oci'), ['version']).stdout, `${pkg.version}\n`);
  assert.equal(run(join(prefix, 'bin', 'flux-oci-ls'), ['--version']).stdout, `${pkg.version}\n`);
});

test('the installed language server answers an editor: diagnostics, and hover text from the packaged docs', async () => {
  const server = join(installed(), 'node_modules', '.bin', 'flux-oci-ls');
  // The file on disk is the one opened: whether the first diagnostics come from indexing the
  // workspace or from the open document, they are about the same text.
  const files = fleetFiles({ broken: true });
  const session = await startServer({ command: [server], files });
  try {
    const text = files[KUSTOMIZATION_FILE];
    // Until the workspace is indexed the OCIRepository in the other file is unknown (a warning that
    // it is not defined): wait for the state with the workspace indexed, not for a time.
    const indexed = (d: { code?: unknown }[]) => !d.some((x) => x.code === 'flux/ref-not-found');
    const settled = session.nextDiagnostics(KUSTOMIZATION_FILE, indexed, 120_000);
    const first = await session.open(KUSTOMIZATION_FILE, text);
    const diagnostics = indexed(first) ? first : await settled;
    if (diagnostics === first) settled.catch(() => undefined);
    assert.deepEqual(diagnostics.map((d) => d.code), [BROKEN_CODE], JSON.stringify(diagnostics));
    const hover = await session.hover(KUSTOMIZATION_FILE, positionOf(text, 'prune'));
    const value = hover && typeof hover.contents === 'object' && 'value' in hover.contents ? hover.contents.value : JSON.stringify(hover?.contents);
    assert.match(value, /prune/i, JSON.stringify(hover));
    assert.match(value, /fluxcd\.io/, 'the hover links the Flux reference, from schemas/docs in the package');
  } finally {
    await session.close();
  }
});
