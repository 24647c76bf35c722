// The pre-commit hook through Debian's pre-commit, as a user's repository runs it: `pre-commit
// try-repo` clones a committed copy of this checkout, installs the node hook with the system Node
// (npm install → prepare builds → npm pack → npm install -g), and runs it on the staged files of a
// fleet repository: it must fail on a real error and pass once the error is fixed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { npmEnv, REPO_ROOT, requireTool, run, runAsync, stageCheckout } from './stage';
import { BROKEN_CODE, KUSTOMIZATION_FILE, kustomization, writeFleet } from './fleet';

const cleanups: string[] = [];
after(() => { for (const dir of cleanups) rmSync(dir, { recursive: true, force: true }); });

const git = (cwd: string, ...args: string[]) => run('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', '-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false', ...args], { cwd });

test('.pre-commit-hooks.yaml declares flux-oci-lint: node, YAML files only, serial, repository as context', () => {
  const hooks = parse(readFileSync(join(REPO_ROOT, '.pre-commit-hooks.yaml'), 'utf8')) as Record<string, unknown>[];
  const hook = hooks.find((h) => h.id === 'flux-oci-lint');
  assert.ok(hook, 'a hook with id flux-oci-lint');
  assert.equal(hook.language, 'node');
  assert.deepEqual(hook.types, ['yaml']);
  assert.equal(hook.require_serial, true);
  assert.equal(hook.entry, 'flux-oci lint --context .');
});

test('pre-commit try-repo runs the hook on a fleet: fails on the error, passes when fixed', async () => {
  requireTool('pre-commit', 'install the Debian package pre-commit (scripts/setup.sh does)');
  requireTool('git', 'install the Debian package git');
  requireTool('npm', 'install Node.js with npm');

  // This checkout as a hook repository: committed, tagged, no node_modules and no dist/.
  const hookRepo = stageCheckout({ linkNodeModules: false });
  cleanups.push(hookRepo);
  git(hookRepo, 'init', '-q');
  git(hookRepo, 'add', '-A');
  git(hookRepo, 'commit', '-q', '-m', 'hook repository');
  const version = (JSON.parse(readFileSync(join(hookRepo, 'package.json'), 'utf8')) as { version: string }).version;
  git(hookRepo, 'tag', `v${version}`);

  // Two fleet repositories: one with the Kustomization's error staged, one with its fix staged.
  // Each `try-repo` installs the hook afresh (its store is a temporary folder), so the two run at
  // once rather than one after the other.
  const fleetWithChange = (before: string, after: string) => {
    const fleet = writeFleet({ broken: false });
    cleanups.push(fleet);
    writeFileSync(join(fleet, KUSTOMIZATION_FILE), kustomization(before));
    git(fleet, 'init', '-q');
    git(fleet, 'add', '-A');
    git(fleet, 'commit', '-q', '-m', 'fleet');
    writeFileSync(join(fleet, KUSTOMIZATION_FILE), kustomization(after));
    writeFileSync(join(fleet, 'notes.txt'), 'not YAML: the hook must not be given this file\n');
    git(fleet, 'add', '-A');
    return fleet;
  };
  const breaking = fleetWithChange('10m', '10 minutes');
  const fixing = fleetWithChange('10 minutes', '10m');

  const tryRepo = (fleet: string) => {
    const home = mkdtempSync(join(tmpdir(), 'flux-oci-pre-commit-home-'));
    cleanups.push(home);
    // PRE_COMMIT_HOME keeps pre-commit's own files out of the user's cache; npm prefers its cache.
    const env = npmEnv({ PRE_COMMIT_HOME: home, PRE_COMMIT_COLOR: 'never' });
    return runAsync('pre-commit', ['try-repo', hookRepo, 'flux-oci-lint', '--ref', `v${version}`, '--verbose'], { cwd: fleet, env });
  };
  const [failing, passing] = await Promise.all([tryRepo(breaking), tryRepo(fixing)]);

  const failingOutput = failing.stdout + failing.stderr;
  assert.equal(failing.status, 1, `the hook fails on the error:\n${failingOutput}`);
  assert.match(failingOutput, /flux-oci lint\.+Failed/);
  assert.match(failingOutput, new RegExp(`${KUSTOMIZATION_FILE}:7:13 error ${BROKEN_CODE} interval "10 minutes" is not a duration`));
  assert.match(failingOutput, /1 file checked: 1 error/, 'only the staged YAML file is reported');
  assert.doesNotMatch(failingOutput, /notes\.txt/);

  const passingOutput = passing.stdout + passing.stderr;
  assert.equal(passing.status, 0, `the hook passes once fixed:\n${passingOutput}`);
  assert.match(passingOutput, /flux-oci lint\.+Passed/);
});
