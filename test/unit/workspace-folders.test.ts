// How the workspace's folder list changes: nested folders, a folder added twice, removal of a
// folder whose files another remaining folder still holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { foldersAfterChange } from '../../server/src/lsp/workspaceScan';

test('folders after a change: what to index and what to drop', () => {
  const c = foldersAfterChange(['/w/a', '/w/b'], ['/w/c', '/w/c', '/w/a/sub', '/w/b'], ['/w/b']);
  assert.deepEqual(c.folders, ['/w/a', '/w/c', '/w/a/sub', '/w/b']);
  // /w/a/sub is inside /w/a (already indexed); /w/b was removed and added back in one event.
  assert.deepEqual(c.added, ['/w/c', '/w/b']);
  assert.equal(c.dropped('/w/b/x.yaml'), false);

  const d = foldersAfterChange(['/w', '/w/inner', '/x'], [], ['/w', '/x']);
  assert.deepEqual(d.folders, ['/w/inner']);
  assert.equal(d.dropped('/w/top.yaml'), true);
  assert.equal(d.dropped('/w/inner/kept.yaml'), false, 'still under a remaining folder');
  assert.equal(d.dropped('/x/y.yaml'), true);
  assert.equal(d.dropped('/xy/z.yaml'), false, 'a sibling with the same prefix is not inside /x');
});
