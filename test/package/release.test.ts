// The release workflow's dry run: its packaging steps run (from .github/workflows/release.yml) on a
// fresh copy of the checkout, then its check step (scripts/release-check.mjs); the publishing steps
// are only read. The VSIX and the npm tarball must hold only what runs and agree on the version
// with package.json and CHANGELOG's top section; the check must fail when they do not.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { npmEnv, REPO_ROOT, requireTool, run, stageCheckout, tarballFiles } from './stage';

interface Step { name?: string; run?: string; uses?: string; env?: Record<string, string> }
const workflow = parse(readFileSync(join(REPO_ROOT, '.github', 'workflows', 'release.yml'), 'utf8')) as { on: { push: { tags: string[] } }; jobs: { release: { steps: Step[] } } };
const steps = workflow.jobs.release.steps;
const step = (name: string) => { const s = steps.find((x) => x.name === name); assert.ok(s?.run, `release.yml has a run step "${name}"`); return s; };
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
const cleanups: string[] = [];
after(() => { for (const dir of cleanups) rmSync(dir, { recursive: true, force: true }); });

test('release.yml runs on version tags and publishes the VSIX to both marketplaces, npm, and a GitHub release with CHANGELOG notes', () => {
  assert.deepEqual(workflow.on.push.tags, ['v[0-9]+.[0-9]+.[0-9]+']);
  const runs = steps.map((s) => s.run ?? '').join('\n');
  assert.match(runs, /vsce publish .*--packagePath flux-oci\.vsix/);
  assert.match(runs, /ovsx publish flux-oci\.vsix/);
  assert.match(runs, /npm publish "\$TARBALL"/);
  assert.match(runs, /gh release create .*--notes-file release-notes\.md/);
  const check = steps.findIndex((s) => s.run?.includes('scripts/release-check.mjs --tag "$GITHUB_REF_NAME"'));
  const firstPublish = steps.findIndex((s) => /publish|release create/.test(s.run ?? ''));
  assert.ok(check >= 0 && check < firstPublish, 'the check runs before anything is published');
});

test('dry run: package both, contents hold only what runs, versions agree with package.json and CHANGELOG', () => {
  requireTool('npm', 'install Node.js with npm');
  requireTool('unzip', 'install the Debian package unzip (scripts/setup.sh does)');
  const stage = stageCheckout({ linkNodeModules: true });
  cleanups.push(stage);
  const githubEnv = join(mkdtempSync(join(tmpdir(), 'flux-oci-release-env-')), 'env');
  cleanups.push(join(githubEnv, '..'));
  writeFileSync(githubEnv, '');
  const env = npmEnv({ GITHUB_ENV: githubEnv, GITHUB_REF_NAME: `v${pkg.version}` });
  const bash = (script: string, extra: NodeJS.ProcessEnv = {}) => run('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], { cwd: stage, env: { ...env, ...extra }, allowFailure: true });

  for (const name of ['Package the VSIX', 'Pack the npm package']) {
    const r = bash(step(name).run!);
    assert.equal(r.status, 0, `${name}:\n${r.stdout}${r.stderr}`);
  }
  const tarball = /^TARBALL=(.+)$/m.exec(readFileSync(githubEnv, 'utf8'))?.[1];
  assert.equal(tarball, `flux-oci-${pkg.version}.tgz`);

  // The workflow's check, without --tag (a dry run between releases).
  const check = bash('node scripts/release-check.mjs --vsix flux-oci.vsix --tarball "$TARBALL" --notes release-notes.md', { TARBALL: tarball });
  assert.equal(check.status, 0, check.stdout + check.stderr);
  const changelog = readFileSync(join(stage, 'CHANGELOG.md'), 'utf8');
  const top = /^## \[(\d+\.\d+\.\d+)\][^\n]*\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(changelog);
  assert.ok(top, 'CHANGELOG has a versioned section');
  assert.equal(top[1], pkg.version, 'CHANGELOG\'s top version is package.json\'s');
  assert.equal(readFileSync(join(stage, 'release-notes.md'), 'utf8').trim(), top[2].trim(), 'the notes are that section');

  // Independently of the script: what is in each package, and its version.
  const vsixFiles = run('unzip', ['-Z1', join(stage, 'flux-oci.vsix')]).stdout.split('\n').filter(Boolean);
  const npmFiles = tarballFiles(join(stage, tarball!));
  for (const [kind, files] of [['VSIX', vsixFiles], ['npm', npmFiles]] as const) {
    const strays = files.filter((f) => /(^|\/)(test|bench|src|examples|scripts|node_modules)\/|\.map$|\.ts$/.test(f));
    assert.deepEqual(strays, [], `${kind} holds no tests, sources, benchmarks or maps`);
  }
  assert.ok(vsixFiles.includes('extension/dist/extension.js') && vsixFiles.includes('extension/dist/server.js'));
  const vsixVersion = (JSON.parse(run('unzip', ['-p', join(stage, 'flux-oci.vsix'), 'extension/package.json']).stdout) as { version: string }).version;
  const npmVersion = (JSON.parse(run('tar', ['-xOzf', join(stage, tarball!), 'package/package.json']).stdout) as { version: string }).version;
  assert.deepEqual([vsixVersion, npmVersion], [pkg.version, pkg.version]);
  assert.ok(statSync(join(stage, 'flux-oci.vsix')).size < 2 * 1024 * 1024, 'the VSIX stays under 2 MiB');

  // The check fails when the versions disagree …
  const manifest = readFileSync(join(stage, 'package.json'), 'utf8');
  writeFileSync(join(stage, 'package.json'), manifest.replace(`"version": "${pkg.version}"`, '"version": "9.9.9"'));
  const mismatch = bash('node scripts/release-check.mjs --vsix flux-oci.vsix --tarball "$TARBALL"', { TARBALL: tarball });
  assert.equal(mismatch.status, 1);
  assert.match(mismatch.stderr, /CHANGELOG\.md's top version is .+, package\.json says 9\.9\.9/);
  assert.match(mismatch.stderr, new RegExp(`VSIX version ${pkg.version.replace(/\./g, '\\.')} is not 9\\.9\\.9`));
  assert.match(mismatch.stderr, /npm package version .* is not 9\.9\.9/);
  writeFileSync(join(stage, 'package.json'), manifest);

  // … and, for a tag, when the tag is another version or [Unreleased] still holds entries.
  const released = `# Changelog\n\n## [Unreleased]\n\n## [${pkg.version}] - 2026-01-01\n\n### Added\n- Everything.\n`;
  writeFileSync(join(stage, 'CHANGELOG.md'), released);
  assert.equal(bash(`node scripts/release-check.mjs --tag v${pkg.version}`).status, 0);
  const wrongTag = bash('node scripts/release-check.mjs --tag v9.9.9');
  assert.equal(wrongTag.status, 1);
  assert.match(wrongTag.stderr, /tag v9\.9\.9 is not v/);
  writeFileSync(join(stage, 'CHANGELOG.md'), released.replace('## [Unreleased]\n', '## [Unreleased]\n\n- Something new.\n'));
  const pending = bash(`node scripts/release-check.mjs --tag v${pkg.version}`);
  assert.equal(pending.status, 1);
  assert.match(pending.stderr, /still has entries under \[Unreleased\]/);
});
