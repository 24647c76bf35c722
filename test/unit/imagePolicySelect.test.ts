// The pure ImagePolicy evaluation: semver, alphabetical, numerical, filter + extract, no match.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectImageTag, expandTemplate } from '../../server/src/registry/imagePolicySelect';
import { goPatternMatcher } from '../../server/src/language/rules/re2';

const TAGS = ['1.0.0', '1.4.2', '1.4.10-rc.1', '1.5.0', '2.0.0', 'latest', 'v1.4.3', 'main-a1b2c3-100', 'main-ff0011-99', 'main-0c0c0c-1000'];

test('semver: highest version in range, pre-releases only when the range names one, non-versions ignored', () => {
  assert.deepEqual(selectImageTag(TAGS, { choice: { kind: 'semver', range: '>=1.0.0 <1.5.0' } }), { state: 'selected', tag: 'v1.4.3', value: 'v1.4.3', total: 10, matched: 10 });
  assert.equal((selectImageTag(TAGS, { choice: { kind: 'semver', range: '^1.0' } }) as { tag: string }).tag, '1.5.0');
  assert.equal((selectImageTag(TAGS, { choice: { kind: 'semver', range: '*' } }) as { tag: string }).tag, '2.0.0');
  assert.equal((selectImageTag(TAGS, { choice: { kind: 'semver', range: '~1.4.10-0' } }) as { tag: string }).tag, '1.4.10-rc.1');
});

test('alphabetical: asc (default) takes the last, desc the first, in byte order', () => {
  const tags = ['RELEASE.2024-01-02', 'RELEASE.2024-11-30', 'RELEASE.2023-12-31'];
  assert.equal((selectImageTag(tags, { choice: { kind: 'alphabetical' } }) as { tag: string }).tag, 'RELEASE.2024-11-30');
  assert.equal((selectImageTag(tags, { choice: { kind: 'alphabetical', order: 'asc' } }) as { tag: string }).tag, 'RELEASE.2024-11-30');
  assert.equal((selectImageTag(tags, { choice: { kind: 'alphabetical', order: 'desc' } }) as { tag: string }).tag, 'RELEASE.2023-12-31');
  assert.equal((selectImageTag(['a', 'B'], { choice: { kind: 'alphabetical' } }) as { tag: string }).tag, 'a', 'lower case sorts after upper case');
  assert.equal(selectImageTag(tags, { choice: { kind: 'alphabetical', order: 'up' } }).state, 'invalid');
});

test('numerical with filter + extract: the number, not the text, decides; desc takes the lowest', () => {
  const spec = { pattern: '^main-[a-f0-9]+-(?P<ts>[0-9]+)$', extract: '$ts' };
  assert.deepEqual(selectImageTag(TAGS, { ...spec, choice: { kind: 'numerical' } }), { state: 'selected', tag: 'main-0c0c0c-1000', value: '1000', total: 10, matched: 3 });
  assert.deepEqual(selectImageTag(TAGS, { ...spec, choice: { kind: 'numerical', order: 'desc' } }), { state: 'selected', tag: 'main-ff0011-99', value: '99', total: 10, matched: 3 });
  // Alphabetically the same values would pick "99".
  assert.equal((selectImageTag(TAGS, { ...spec, choice: { kind: 'alphabetical' } }) as { tag: string }).tag, 'main-ff0011-99');
  // A value that is not a number fails the policy, as the controller does.
  assert.equal(selectImageTag(TAGS, { choice: { kind: 'numerical' } }).state, 'invalid');
});

test('filter + extract into semver: the version is read from the extracted value, the tag is answered', () => {
  const tags = ['app-1.2.0-amd64', 'app-1.10.0-amd64', 'app-1.11.0-arm64', 'other-9.0.0-amd64'];
  const r = selectImageTag(tags, { pattern: '^app-(\\d+\\.\\d+\\.\\d+)-amd64$', extract: '$1', choice: { kind: 'semver', range: '>=1.0.0' } });
  assert.deepEqual(r, { state: 'selected', tag: 'app-1.10.0-amd64', value: '1.10.0', total: 4, matched: 2 });
  // Go-only syntax is translated: \A anchors, (?i) flags.
  const g = selectImageTag(tags, { pattern: '(?i)\\AAPP-(?P<v>[0-9.]+)-arm64\\z', extract: '${v}', choice: { kind: 'semver', range: '1.x' } });
  assert.equal((g as { tag: string }).tag, 'app-1.11.0-arm64');
});

test('no match: nothing passes the filter, nothing in range, an empty repository, an invalid pattern or range', () => {
  assert.deepEqual(selectImageTag(TAGS, { pattern: '^nightly-', choice: { kind: 'alphabetical' } }), { state: 'no-match', total: 10, matched: 0, reason: 'no tag matches filterTags.pattern' });
  const r = selectImageTag(TAGS, { choice: { kind: 'semver', range: '>=3.0.0' } });
  assert.equal(r.state, 'no-match');
  assert.equal((r as { matched: number }).matched, 10);
  assert.equal(selectImageTag([], { choice: { kind: 'semver', range: '*' } }).state, 'no-match');
  assert.equal(selectImageTag(TAGS, { pattern: '(?=x)', choice: { kind: 'alphabetical' } }).state, 'invalid');
  assert.equal(selectImageTag(TAGS, { choice: { kind: 'semver', range: '>>1' } }).state, 'invalid');
});

test('expandTemplate follows Go: $$ is a dollar, unknown groups are empty, $1x names group "1x"', () => {
  const m = goPatternMatcher('(?P<a>x)(y)')!('xy')!;
  assert.equal(expandTemplate('$a-$2-$$-${a}b-$1x-$nope-$9', m), 'x-y-$-xb---');
});

test('filterTags.pattern runs on RE2\'s linear engine: a pattern that backtracks for ever in JavaScript ends, and Go-only syntax extracts', () => {
  // `^(a+)+$` on 40 a's and a b is 2^40 steps for a backtracking engine: this test would hang.
  const evil = selectImageTag([`${'a'.repeat(40)}b`, 'aaa'], { pattern: '^(a+)+$', choice: { kind: 'alphabetical' } });
  assert.deepEqual(evil, { state: 'selected', tag: 'aaa', value: 'aaa', total: 2, matched: 1 });
  const goOnly = selectImageTag(['main-12-abc', 'MAIN-7-def', 'dev-99-x'], { pattern: '(?i)^main-(?P<n>[[:digit:]]+)-[a-z]+\\z', extract: '$n', choice: { kind: 'numerical', order: 'desc' } });
  // desc picks the lowest: the upper-case tag, matched only through (?i).
  assert.deepEqual(goOnly, { state: 'selected', tag: 'MAIN-7-def', value: '7', total: 3, matched: 2 });
});
