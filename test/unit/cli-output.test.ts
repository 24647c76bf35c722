// What `flux-oci lint` prints besides findings: the summary counts every severity it prints, and
// the yaml library's own warnings never reach stderr.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const CLI = resolve(__dirname, '..', '..', 'dist', 'cli.js');

test('collection keys produce findings, not library warnings on stderr; hints are counted', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flux-oci-cli-out-'));
  try {
    writeFileSync(join(dir, 'keys.yaml'), 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata: {name: a, namespace: apps}\nspec:\n  url: oci://stefanprodan/podinfo\n  interval: 10m\n  ? [a, b]\n  : c\n');
    const r = spawnSync(process.execPath, [CLI, 'lint', '.'], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /stringified|Warning:/);
    assert.match(r.stdout, /keys\.yaml:5:8 hint flux\/oci-url-docker-hub/);
    assert.equal(r.stderr, '1 file checked: 0 errors, 1 warning, 1 hint\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
