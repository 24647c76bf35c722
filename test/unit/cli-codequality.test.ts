// `flux-oci lint --format codequality`: GitLab's Code Quality report, checked field by field against
// what GitLab reads (description, check_name, fingerprint, severity, location.path/lines.begin).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../server/src/cli';
import { BROKEN_CODE, KUSTOMIZATION_FILE, kustomization, writeFleet } from '../package/fleet';
import type { CodeQualityIssue } from '../../server/src/cli/codequality';

async function report(cwd: string): Promise<{ code: number; issues: CodeQualityIssue[] }> {
  let stdout = '';
  const before = process.cwd();
  process.chdir(cwd);
  try {
    const code = await main(['lint', '--format', 'codequality', '--jobs', '1', '.'], { stdout: (s) => { stdout += s; }, stderr: () => undefined });
    return { code, issues: JSON.parse(stdout) as CodeQualityIssue[] };
  } finally {
    process.chdir(before);
  }
}

test('codequality: one issue per finding, GitLab severities, repository-relative paths, 1-based lines', async () => {
  const dir = writeFleet({ broken: true });
  try {
    const { code, issues } = await report(dir);
    assert.equal(code, 1);
    assert.equal(issues.length, 1);
    const [issue] = issues;
    assert.equal(issue.check_name, BROKEN_CODE);
    assert.equal(issue.severity, 'major');
    assert.match(issue.description, /^interval "10 minutes" is not a duration/);
    assert.deepEqual(issue.location, { path: KUSTOMIZATION_FILE, lines: { begin: 7, end: 7 } });
    assert.match(issue.fingerprint, /^[0-9a-f]{64}$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('codequality fingerprints survive moved lines and tell identical findings apart', async () => {
  const dir = writeFleet({ broken: true });
  try {
    const first = (await report(dir)).issues;
    writeFileSync(join(dir, KUSTOMIZATION_FILE), `# a comment moves every line down\n${kustomization('10 minutes')}`);
    const moved = (await report(dir)).issues;
    assert.equal(moved[0].location.lines.begin, 8);
    assert.equal(moved[0].fingerprint, first[0].fingerprint, 'same finding, same fingerprint');
    writeFileSync(join(dir, KUSTOMIZATION_FILE), `${kustomization('10 minutes')}---\n${kustomization('10 minutes').replace('name: podinfo\n  namespace', 'name: podinfo2\n  namespace')}`);
    const twice = (await report(dir)).issues.filter((i) => i.check_name === BROKEN_CODE);
    assert.equal(twice.length, 2);
    assert.notEqual(twice[0].fingerprint, twice[1].fingerprint);
    const clean = writeFleet({ broken: false });
    assert.deepEqual((await report(clean)).issues, []);
    rmSync(clean, { recursive: true, force: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
