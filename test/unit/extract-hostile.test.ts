// The hostile-artifact corpus against the safe extractor itself, and each of its two path
// guards on its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { extractArchive, safeRelativePath, containedPath, entryDestination, UnsafeArchiveError } from '../../server/src/oci/artifact/extract';
import { sha256Digest } from '../../server/src/oci/registry';
import { hostileCorpus, tampered, gzipTar, MIB } from '../registry/hostileCorpus';

test('guard 1 (the name) refuses ".." in a directory entry on its own', () => {
  for (const name of ['../escape-dir/', 'a/../../escape-dir/', '../', '..']) {
    assert.throws(() => safeRelativePath(name), (e: unknown) => e instanceof UnsafeArchiveError && /climbs out of the folder with "\.\."/.test(e.message), name);
  }
});

test('guard 2 (the resolved destination) refuses ".." components on its own', () => {
  const root = join(tmpdir(), 'flux-oci-guard-root');
  // Components guard 1 would have refused are handed to guard 2 directly.
  for (const parts of [['..', 'escape-dir'], ['a', '..', '..', 'escape-dir'], ['..'], ['.'], [], ['/etc/passwd']]) {
    assert.throws(() => containedPath(root, parts), (e: unknown) => e instanceof UnsafeArchiveError && /resolves outside the folder/.test(e.message), parts.join('/'));
  }
  assert.equal(containedPath(root, ['apps', 'a.yaml']), join(root, 'apps', 'a.yaml'));
});

test('every entry goes through both guards, the name first', () => {
  const root = join(tmpdir(), 'flux-oci-guard-root');
  assert.throws(() => entryDestination(root, '../escape-dir/'), /climbs out/);
  assert.throws(() => entryDestination(root, '/abs/dir/'), /absolute path/);
  assert.equal(entryDestination(root, './apps/base/'), join(root, 'apps', 'base'));
});

test('the hostile corpus: each layer refused with its cause, nothing written anywhere', async () => {
  const sandbox = await mkdtemp(join(tmpdir(), 'flux-oci-hostile-'));
  await writeFile(join(sandbox, 'victim.txt'), 'original');
  const limit = 8 * MIB;
  const corpus = await hostileCorpus(sandbox, limit);
  assert.equal(corpus.length, 9);
  for (const item of corpus) {
    const out = join(sandbox, 'work', 'out');
    const digest = sha256Digest(item.layer);
    const served = item.tamper ? tampered(item.layer) : item.layer;
    assert.ok(item.layer.length < 512 * 1024, `${item.name}: the layer is small (${item.layer.length} bytes)`);
    await assert.rejects(
      extractArchive(Readable.from([served]), out, { digest, size: item.layer.length, maxTotalBytes: limit, maxFileBytes: limit }),
      (e: unknown) => e instanceof Error && item.error.test(e.message),
      item.name,
    );
    for (const target of item.targets) assert.ok(!existsSync(target), `${item.name}: ${target} was not created`);
    assert.deepEqual(await readdir(join(sandbox, 'work')), [], `${item.name}: no output or staging folder is left`);
    assert.deepEqual((await readdir(sandbox)).sort(), ['victim.txt', 'work'], `${item.name}: nothing else appeared in the sandbox`);
  }
  await rm(sandbox, { recursive: true, force: true });
});

test('the digest is verified as the bytes stream: a mismatch leaves nothing, a match extracts', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'flux-oci-digest-'));
  const layer = gzipTar([{ name: 'a.yaml', body: Buffer.from('a: 1\n') }]);
  await assert.rejects(extractArchive(Readable.from([tampered(layer)]), join(dir, 'out'), { digest: sha256Digest(layer) }), /digest mismatch.*nothing was extracted/);
  await assert.rejects(extractArchive(Readable.from([layer.subarray(0, layer.length - 3)]), join(dir, 'out'), { digest: sha256Digest(layer), size: layer.length }), /ended after|not a valid gzip/);
  assert.deepEqual(await readdir(dir), []);
  assert.deepEqual(await extractArchive(Readable.from([layer]), join(dir, 'out'), { digest: sha256Digest(layer), size: layer.length }), ['a.yaml']);
  await rm(dir, { recursive: true, force: true });
});
