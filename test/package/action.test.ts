// The GitHub Action (action.yml) without a hosted runner: its steps are read from the file and
// their `run:` scripts executed in bash the way a runner does for a composite action (inputs
// substituted, GITHUB_OUTPUT / GITHUB_PATH files honoured between steps), installing the packed
// tarball (input `package`) where a user's run would fetch flux-oci@<version> from npm.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { parse } from 'yaml';
import { npmEnv, packTarball, REPO_ROOT, requireTool, run, stageCheckout, type RunResult } from './stage';
import { BROKEN_CODE, KUSTOMIZATION_FILE, kustomization, writeFleet } from './fleet';

interface ActionStep { name?: string; id?: string; shell?: string; env?: Record<string, string>; run?: string; uses?: string }
interface Action {
  inputs: Record<string, { default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: ActionStep[] };
}

const action = parse(readFileSync(join(REPO_ROOT, 'action.yml'), 'utf8')) as Action;
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
const cleanups: string[] = [];
after(() => { for (const dir of cleanups) rmSync(dir, { recursive: true, force: true }); });
const temp = (prefix: string) => { const dir = mkdtempSync(join(tmpdir(), prefix)); cleanups.push(dir); return dir; };

/** `${{ inputs.x }}` and `${{ steps.<id>.outputs.<name> }}` as the runner expands them. */
function expand(text: string, inputs: Record<string, string>, outputs: Record<string, Record<string, string>>): string {
  return text.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (whole, expr: string) => {
    const input = /^inputs\.([\w-]+)$/.exec(expr);
    if (input) {
      if (!(input[1] in action.inputs)) throw new Error(`action.yml uses undeclared input ${input[1]}`);
      return inputs[input[1]] ?? action.inputs[input[1]].default ?? '';
    }
    const output = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expr);
    if (output) return outputs[output[1]]?.[output[2]] ?? '';
    throw new Error(`unsupported expression ${whole}`);
  });
}

/** Runs the composite action's steps; stops at the first failing step, as a runner does. */
function runAction(workspace: string, given: Record<string, string>, extraPath: string[] = []): { steps: (RunResult & { name: string })[]; outputs: Record<string, string> } {
  const runnerTemp = temp('flux-oci-runner-temp-');
  const path: string[] = [...extraPath];
  const stepOutputs: Record<string, Record<string, string>> = {};
  const results: (RunResult & { name: string })[] = [];
  for (const step of action.runs.steps) {
    assert.ok(step.run, `step ${step.name} is a run step (a hosted runner would be needed for uses:)`);
    assert.equal(step.shell, 'bash');
    const githubOutput = join(runnerTemp, `output-${results.length}`);
    const githubPath = join(runnerTemp, `path-${results.length}`);
    writeFileSync(githubOutput, '');
    writeFileSync(githubPath, '');
    const env: NodeJS.ProcessEnv = {
      ...npmEnv(),
      PATH: [...path, process.env.PATH ?? ''].join(delimiter),
      RUNNER_TEMP: runnerTemp,
      GITHUB_OUTPUT: githubOutput,
      GITHUB_PATH: githubPath,
      GITHUB_WORKSPACE: workspace,
      ...Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, expand(String(v), given, stepOutputs)])),
    };
    const script = join(runnerTemp, `step-${results.length}.sh`);
    writeFileSync(script, expand(step.run, given, stepOutputs));
    // What a runner runs for `shell: bash`.
    const r = run('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], { cwd: workspace, env, allowFailure: true });
    results.push({ name: step.name ?? '', ...r });
    if (step.id) {
      stepOutputs[step.id] = Object.fromEntries(readFileSync(githubOutput, 'utf8').split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    }
    path.unshift(...readFileSync(githubPath, 'utf8').split('\n').filter(Boolean).reverse());
    if (r.status !== 0) break;
  }
  const outputs = Object.fromEntries(Object.entries(action.outputs).map(([name, o]) => [name, expand(o.value, given, stepOutputs)]));
  return { steps: results, outputs };
}

let tarball: string | undefined;
function packed(): string {
  if (!tarball) {
    requireTool('npm', 'install Node.js with npm');
    const stage = stageCheckout({ linkNodeModules: true });
    cleanups.push(stage);
    tarball = packTarball(stage, temp('flux-oci-action-pack-')).tarball;
  }
  return tarball;
}

test('action.yml is a composite action pinned by default to the package\'s own version', () => {
  assert.equal(action.runs.using, 'composite');
  assert.equal(action.inputs.version.default, pkg.version, 'the default version is package.json\'s');
  assert.equal(action.inputs['sarif-file'].default, 'flux-oci.sarif');
});

test('with default inputs the action installs flux-oci@<version> from npm', () => {
  requireTool('bash', 'install bash');
  // A stand-in npm records what would be fetched (the package is not on this machine's registry).
  const bin = temp('flux-oci-fake-npm-');
  const log = join(bin, 'npm.log');
  writeFileSync(join(bin, 'npm'), `#!/bin/sh\necho "$@" > '${log}'\nprefix="$3"\nmkdir -p "$prefix/node_modules/.bin"\nprintf '#!/bin/sh\\necho fake\\n' > "$prefix/node_modules/.bin/flux-oci"\nchmod +x "$prefix/node_modules/.bin/flux-oci"\n`);
  chmodSync(join(bin, 'npm'), 0o755);
  const workspace = writeFleet({ broken: false });
  cleanups.push(workspace);
  const { steps } = runAction(workspace, {}, [bin]);
  assert.equal(steps[0].status, 0, steps[0].stderr);
  assert.match(readFileSync(log, 'utf8'), new RegExp(`^install --prefix \\S+ --omit=dev .* flux-oci@${pkg.version.replace(/\./g, '\\.')}\\n$`));
});

test('the action\'s steps on a fleet with an error: the lint step fails, SARIF and annotations name the error', () => {
  const workspace = writeFleet({ broken: true });
  cleanups.push(workspace);
  const { steps, outputs } = runAction(workspace, { package: packed() });
  assert.deepEqual(steps.map((s) => s.status), [0, 1], steps.map((s) => `${s.name}:\n${s.stdout}${s.stderr}`).join('\n'));
  assert.equal(steps[0].stdout.trim().split('\n').pop(), pkg.version, 'the install step prints the installed version');
  assert.deepEqual(outputs, { 'sarif-file': 'flux-oci.sarif', 'exit-code': '1' });
  const sarif = JSON.parse(readFileSync(join(workspace, 'flux-oci.sarif'), 'utf8')) as { version: string; runs: { results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[] };
  assert.equal(sarif.version, '2.1.0');
  assert.deepEqual(sarif.runs[0].results.map((r) => [r.ruleId, r.locations[0].physicalLocation.artifactLocation.uri]), [[BROKEN_CODE, KUSTOMIZATION_FILE]]);
  assert.match(steps[1].stdout, new RegExp(`^::error file=${KUSTOMIZATION_FILE},line=7,col=13,title=${BROKEN_CODE}::interval "10 minutes" is not a duration`, 'm'));
});

test('fail-on-error false keeps the step green with the exit code as an output; a fixed fleet passes', () => {
  const workspace = writeFleet({ broken: true });
  cleanups.push(workspace);
  const again = runAction(workspace, { package: packed(), 'fail-on-error': 'false', 'sarif-file': 'out/report.sarif', paths: 'clusters' });
  assert.ok(readFileSync(join(workspace, 'out', 'report.sarif'), 'utf8').includes(BROKEN_CODE), 'the report\'s folder is made');
  assert.deepEqual(again.steps.map((s) => s.status), [0, 0]);
  assert.deepEqual(again.outputs, { 'sarif-file': 'out/report.sarif', 'exit-code': '1' });

  writeFileSync(join(workspace, KUSTOMIZATION_FILE), kustomization('10m'));
  const fixed = runAction(workspace, { package: packed() });
  assert.deepEqual(fixed.steps.map((s) => s.status), [0, 0]);
  assert.equal(fixed.outputs['exit-code'], '0');
  assert.deepEqual((JSON.parse(readFileSync(join(workspace, 'flux-oci.sarif'), 'utf8')) as { runs: { results: unknown[] }[] }).runs[0].results, []);
});
