// OCIRepository url splitting and Go-compatible regular expression checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitOciUrl, regexpProblem } from '../../server/src/language/rules/ociRepository';

test('oci:// urls split into host, path, tag and digest', () => {
  assert.deepEqual(splitOciUrl('oci://ghcr.io/org/app'), { host: 'ghcr.io', path: 'org/app', tag: undefined, digest: undefined });
  assert.deepEqual(splitOciUrl('oci://localhost:5000/app:1.0'), { host: 'localhost:5000', path: 'app', tag: '1.0', digest: undefined });
  assert.deepEqual(splitOciUrl(`oci://ghcr.io/org/app@sha256:${'a'.repeat(64)}`), { host: 'ghcr.io', path: 'org/app', tag: undefined, digest: `sha256:${'a'.repeat(64)}` });
  assert.deepEqual(splitOciUrl('oci://stefanprodan/podinfo'), { host: undefined, path: 'stefanprodan/podinfo', tag: undefined, digest: undefined });
  assert.equal(splitOciUrl('https://ghcr.io/org/app'), undefined);
});

test('semverFilter patterns must compile as Go regular expressions', () => {
  assert.equal(regexpProblem('.*-rc.*'), undefined);
  assert.equal(regexpProblem('^[0-9]+\\.[0-9]+$'), undefined);
  assert.match(regexpProblem('(rc')!, /Unterminated group/);
  assert.match(regexpProblem('^v(?=1)')!, /look-ahead/);
  assert.match(regexpProblem('^v(?<!x)')!, /look-ahead and look-behind/);
  assert.match(regexpProblem('(a)\\1')!, /back-references/);
  assert.equal(regexpProblem('\\\\1'), undefined, 'an escaped backslash before a digit is no back-reference');
});
