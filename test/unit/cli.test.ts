// The flux-oci CLI as a user runs it: `node dist/cli.js lint …` (built by scripts/test.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const CLI = resolve(__dirname, '..', '..', 'dist', 'cli.js');
const run = (cwd: string, ...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'flux-oci-cli-'));
  mkdirSync(join(dir, 'clusters'));
  mkdirSync(join(dir, 'ignored'));
  writeFileSync(join(dir, 'clusters', 'bad.yaml'), 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata: {name: a}\nspec:\n  url: oci://ghcr.io/x/y\n  interval: 10 minutes\n  extra: 1\n');
  writeFileSync(join(dir, 'clusters', 'good.yml'), 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata: {name: b}\nspec:\n  url: oci://ghcr.io/x/z\n  interval: 10m\n');
  writeFileSync(join(dir, 'ignored', 'bad.yaml'), 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata: {name: c}\nspec: {}\n');
  writeFileSync(join(dir, '.gitignore'), 'ignored/\n');
  return dir;
}

test('lint prints path:line:col severity code message and exits 1 on errors; .gitignore is honoured', () => {
  const dir = workspace();
  try {
    const r = run(dir, 'lint');
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stdout, [
      'clusters/bad.yaml:6:13 error schema/duration interval "10 minutes" is not a duration; use a Go duration such as 10m or 1h30m',
      'clusters/bad.yaml:7:3 warning schema/unknown-field unknown field "extra": the API server drops it',
      '',
    ].join('\n'));
    assert.match(r.stderr, /2 files checked: 1 error, 1 warning/);
    assert.equal(run(dir, 'lint', 'clusters/good.yml').status, 0);
    assert.equal(run(dir, 'lint', 'ignored/bad.yaml').status, 1, 'a file named explicitly is linted even if ignored');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('json and sarif output', () => {
  const dir = workspace();
  try {
    const json = JSON.parse(run(dir, 'lint', '--format', 'json').stdout);
    assert.deepEqual(json.map((f: { path: string }) => f.path), ['clusters/bad.yaml']);
    assert.deepEqual(json[0].findings[0], { line: 6, column: 13, endLine: 6, endColumn: 23, severity: 'error', code: 'schema/duration', message: 'interval "10 minutes" is not a duration; use a Go duration such as 10m or 1h30m' });
    const sarif = JSON.parse(run(dir, 'lint', '--format', 'sarif').stdout);
    assert.equal(sarif.version, '2.1.0');
    const results = sarif.runs[0].results;
    assert.deepEqual(results.map((r: { ruleId: string; level: string }) => [r.ruleId, r.level]), [['schema/duration', 'error'], ['schema/unknown-field', 'warning']]);
    assert.deepEqual(results[0].locations[0].physicalLocation.artifactLocation, { uri: 'clusters/bad.yaml' });
    assert.deepEqual(sarif.runs[0].tool.driver.rules.map((r: { id: string }) => r.id), ['schema/duration', 'schema/unknown-field']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('usage errors exit 2 with a clear message', () => {
  const r = run(tmpdir(), 'lint', '--format', 'xml');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--format takes text, json, sarif or codequality/);
  const missing = run(tmpdir(), 'lint', '/no/such/place');
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /no such file or folder: \/no\/such\/place/);
  assert.equal(run(tmpdir(), 'frobnicate').status, 2);
});
