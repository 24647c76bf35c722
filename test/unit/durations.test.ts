// Durations as people write them, read into Go durations for the schema/duration quick fix;
// and the fix itself through the language core.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readDuration } from '../../server/src/language/durations';
import { WorkspaceIndex } from '../../server/src/language/workspaceIndex';
import { defaultLintContext, lintFile } from '../../server/src/language/lint';
import { quickFixesFor } from '../../server/src/language/rules/fixes';

test('human durations read as Go durations', () => {
  const cases: [string, string | undefined][] = [
    ['5 minutes', '5m'], ['1 hour 30 minutes', '1h30m'], ['90 seconds', '90s'], ['2 hrs', '2h'], ['10min', '10m'],
    ['1h 30m', '1h30m'], ['1.5 hours', '1.5h'], ['1 hour, 30 minutes', '1h30m'], ['1 hour and 30 minutes', '1h30m'],
    ['500 milliseconds', '500ms'], ['1 day', '24h'], ['30 Sec', '30s'],
    ['5', undefined], ['soon', undefined], ['10m', undefined], ['PT5M', undefined], ['5 parsecs', undefined], ['', undefined],
  ];
  for (const [text, expected] of cases) assert.equal(readDuration(text), expected, text);
  // Fields without hours (OCIRepository timeout) get minutes.
  assert.equal(readDuration('1 hour 30 minutes', false), '90m');
  assert.equal(readDuration('2 mins', false), '2m');
});

test('schema/duration offers the Go duration whenever the text can be read as one', () => {
  const doc = (interval: string, timeout = '60s') => `apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: a\n  namespace: apps\nspec:\n  url: oci://ghcr.io/x/y\n  interval: ${interval}\n  timeout: ${timeout}\n`;
  const context = defaultLintContext();
  const fixes = (text: string) => {
    const index = new WorkspaceIndex();
    const file = index.setFile('file:///w/a.yaml', text);
    return lintFile(file, context).filter((f) => f.code === 'schema/duration').map((f) => quickFixesFor(f, file, index, context).map((x) => [x.title, x.edits['file:///w/a.yaml'][0].newText, x.edits['file:///w/a.yaml'][0].range.start.character]));
  };
  assert.deepEqual(fixes(doc('5 minutes')), [[['Write 5m', '5m', 12]]]);
  assert.deepEqual(fixes(doc('"1 hour 30 minutes"')), [[['Write 1h30m', '1h30m', 12]]]);
  assert.deepEqual(fixes(doc('5m', '1h')), [[['Write 60m', '60m', 11]]]);
  assert.deepEqual(fixes(doc('5m', '2 minutes')), [[['Write 2m', '2m', 11]]]);
  assert.deepEqual(fixes(doc('whenever')), [[]], 'no guess when the text is not a duration');
});
