// The Masterminds constraint checker against both syntaxes: what Flux accepts and what the npm
// `semver` package would wrongly reject (comma AND, `~>`, spaces after operators) or accept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import semver from 'semver';
import { checkConstraint, isConstraintVersion } from '../../server/src/language/rules/semverRange';

const ACCEPTED_BY_BOTH = ['>=1.0.0 <2.0.0', '~1.2', '^1.2', '1.x', '*', '1.2.3', '>=1.0.0-rc.1', '1.2 - 1.4.5', '>=1.0.0 || ^3.0.0', '6.x', 'v1.2.3'];
const MASTERMINDS_ONLY = ['>= 1.0, < 2.0', '>=1.0.0,<2.0.0', '~> 1.2', '=> 1.0', '=< 2', '!= 1.2.3'];
const REJECTED = ['latest', '>=', '1.2.3.4', '', '1.0 ||', '>=1.0.0 <', 'main', '1.2.3-', 'x.y.z.w'];

test('constraints both syntaxes accept', () => {
  for (const c of ACCEPTED_BY_BOTH) {
    assert.deepEqual(checkConstraint(c), [], c);
    assert.notEqual(semver.validRange(c), null, `node-semver also accepts ${c}`);
  }
});

test('Masterminds-only syntax is accepted (node-semver rejects it)', () => {
  for (const c of MASTERMINDS_ONLY) assert.deepEqual(checkConstraint(c), [], c);
  assert.equal(semver.validRange('>= 1.0, < 2.0'), null, 'node-semver rejects the comma');
  for (const c of ['>=1.0.0,<2.0.0', '=> 1.0', '=< 2', '!= 1.2.3']) assert.equal(semver.validRange(c), null, `node-semver rejects ${c}`);
});

test('malformed constraints are rejected with a position', () => {
  for (const c of REJECTED) {
    const problems = checkConstraint(c);
    assert.ok(problems.length > 0, `rejects ${JSON.stringify(c)}`);
    assert.ok(problems[0].offset >= 0 && problems[0].offset <= c.length);
  }
  assert.equal(checkConstraint('>=1.0.0 <2.0.0 || latest')[0].offset, 18);
});

test('versions inside constraints', () => {
  for (const v of ['1', '1.2', '1.2.3', 'v1.2.3', '1.x', '1.2.*', '1.2.3-beta.1+build.5', 'X']) assert.ok(isConstraintVersion(v), v);
  for (const v of ['', 'a.b', '1..2', '1.2.3.4', '1.2.3-', '1.2.3+']) assert.ok(!isConstraintVersion(v), v);
});
