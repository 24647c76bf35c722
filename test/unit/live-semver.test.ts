// Tag selection the way Flux does it (Masterminds/semver v3), including where it differs from
// node-semver; and the cache's single flight, stale-while-revalidate and cancellation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeSemver from 'semver';
import { parseRange, rangeMatches, parseVersion, selectTag } from '../../server/src/registry/semver';
import { nearestTags, sortTags } from '../../server/src/registry/resolve';
import { LiveError, SwrCache } from '../../server/src/registry/swrCache';

const matches = (range: string, version: string) => rangeMatches(parseRange(range)!, parseVersion(version)!);

test('Masterminds ranges: comma AND, ||, wildcards, tilde, caret, hyphen, operators with spaces', () => {
  const cases: Array<[string, string, boolean]> = [
    ['>= 1.0, < 2.0', '1.5.0', true],
    ['>= 1.0, < 2.0', '2.0.0', false],
    ['>=1.0.0 <2.0.0', '1.9.9', true],
    ['<1.0.0 || >=3.0.0', '3.1.0', true],
    ['<1.0.0 || >=3.0.0', '2.0.0', false],
    ['1.x', '1.9.0', true],
    ['1.x', '2.0.0', false],
    ['1.2', '1.2.7', true],
    ['1.2', '1.3.0', false],
    ['*', '0.0.1', true],
    ['~1.2', '1.2.9', true],
    ['~1.2', '1.3.0', false],
    ['~1.2.3', '1.2.2', false],
    ['~> 1.2', '1.2.5', true],
    ['~1', '1.9.0', true],
    ['^1.2', '1.9.0', true],
    ['^1.2', '2.0.0', false],
    ['^0.2.3', '0.2.9', true],
    ['^0.2.3', '0.3.0', false],
    ['^0.0.3', '0.0.4', false],
    ['1.2 - 1.4.5', '1.4.5', true],
    ['1.2 - 1.4.5', '1.4.6', false],
    ['>11', '11.1.0', false],
    ['>11', '12.0.0', true],
    ['>11.1', '11.1.5', false],
    ['>11.1', '11.2.0', true],
    ['<=11.1', '11.1.9', true],
    ['!=1.2.3', '1.2.3', false],
    ['>=1.0.0', '2.0.0-rc.1', false],
    ['>=2.0.0-0', '2.0.0-rc.1', true],
    ['v1.x', 'v1.4.0', true],
  ];
  for (const [range, version, expected] of cases) assert.equal(matches(range, version), expected, `${range} vs ${version}`);
  // Where node-semver reads it differently: comma AND is not node-semver syntax.
  assert.equal(nodeSemver.validRange('>= 1.0, < 2.0'), null);
  assert.equal(parseRange('>= 1.0, < 2.0') !== undefined, true);
  assert.equal(parseRange('>= nonsense'), undefined);
});

test('selectTag: the highest matching version after semverFilter; lenient tags; non-versions ignored', () => {
  const tags = ['latest', 'v1.0.0', '1.2', 'v1.10.0', 'v2.0.0-rc.1', 'v2.0.0', 'app-3.0.0', 'v1.9.9'];
  assert.equal(selectTag(tags, '>=1.0.0 <2.0.0').tag, 'v1.10.0');
  assert.equal(selectTag(tags, '*').tag, 'v2.0.0');
  assert.equal(selectTag(tags, '~1.2').tag, '1.2');
  assert.equal(selectTag(tags, '>=3.0.0').tag, undefined);
  assert.equal(selectTag(tags, '*', '^v1\\.9').tag, 'v1.9.9');
  assert.equal(selectTag(tags, 'not a range').valid, false);
});

test('tag order and nearest tags: versions newest first, then names; signature tags left out', () => {
  const sig = `sha256-${'a'.repeat(64)}.sig`;
  assert.deepEqual(sortTags(['main', 'v1.2.0', sig, 'v1.10.0', 'latest', 'v1.2.0-rc.1']), ['v1.10.0', 'v1.2.0', 'v1.2.0-rc.1', 'latest', 'main']);
  assert.deepEqual(nearestTags(['v1.4.2', 'v1.4.1', 'v2.0.0', 'latest'], 'v1.4.3', 2), ['v1.4.2', 'v1.4.1']);
});

test('SwrCache: one request per key, stale value served while revalidating, abandoned requests aborted', async () => {
  let now = 0;
  let calls = 0;
  const changes: string[] = [];
  const cache = new SwrCache<number>({ ttlMs: () => 1000, now: () => now, onChange: (k) => changes.push(k) });
  let release!: (v: number) => void;
  const fetcher = () => { calls++; return new Promise<number>((r) => { release = r; }); };
  const a = cache.get('k', fetcher);
  const b = cache.get('k', fetcher);
  release(1);
  assert.deepEqual(await Promise.all([a, b]), [1, 1]);
  assert.equal(calls, 1, 'single flight');
  now = 5000; // stale
  assert.equal(await cache.get('k', fetcher), 1, 'stale value at once');
  assert.equal(calls, 2, 'revalidating in the background');
  release(1);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(changes, ['k'], 'an equal value notifies nobody');

  let aborted = false;
  const slow = (signal: AbortSignal) => new Promise<number>((_, reject) => signal.addEventListener('abort', () => { aborted = true; reject(new Error('aborted')); }));
  const controller = new AbortController();
  const waiting = cache.get('other', slow, controller.signal);
  controller.abort();
  await assert.rejects(waiting, (e: unknown) => e instanceof LiveError);
  assert.equal(aborted, true, 'nobody waits any more: the request is aborted');
  assert.equal(cache.peek('other'), undefined, 'a cancelled request is not remembered as a failure');
});
