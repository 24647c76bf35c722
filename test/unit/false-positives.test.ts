// Fixtures shaped like real fleets, one folder per class of false finding seen on real
// repositories (test/fixtures/false-positives/README.md): `flux-oci lint` reports nothing on them,
// with unresolved references on or off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { lintPaths } from '../../server/src/cli/lint';
import { spawnSync } from 'node:child_process';

const root = resolve(__dirname, '..', 'fixtures', 'false-positives');
const classes = readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);

test('there are fixtures', () => assert.ok(classes.length >= 1));

for (const name of classes) {
  for (const unresolvedReferences of ['warning', 'off'] as const) {
    test(`${name}: nothing reported (unresolved references ${unresolvedReferences})`, () => {
      const results = lintPaths([join(root, name)], { unresolvedReferences });
      assert.ok(results.length >= 2, 'the fixture has files');
      const reported = results.flatMap((r) => r.findings.map((f) => `${r.path.slice(root.length + 1)}:${f.range.start.line + 1} ${f.severity} ${f.code} ${f.message}`));
      assert.deepEqual(reported, []);
    });
  }
}

test('the flux-oci binary prints no finding on any fixture', () => {
  const cli = resolve(__dirname, '..', '..', 'dist', 'cli.js');
  for (const args of [[], ['--unresolved-references', 'warning']]) {
    const r = spawnSync(process.execPath, [cli, 'lint', ...args, root], { encoding: 'utf8' });
    assert.equal(r.stdout, '', args.join(' '));
    assert.equal(r.status, 0);
    assert.match(r.stderr, /^\d+ files checked: 0 errors, 0 warnings, 0 hints\n$/);
  }
});
