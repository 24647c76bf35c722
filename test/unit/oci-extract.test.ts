import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { extractArchive, UnsafeArchiveError, safeRelativePath } from '../../server/src/oci/artifact/extract';
import { listArtifactEntries, buildArtifactLayer, artifactAnnotations } from '../../server/src/oci/artifact/build';
import { gzipTar } from '../registry/hostileCorpus';

/** A gzip'd tar written block by block, so tests can make archives no honest tool would. */
const archive = gzipTar;

async function workspace() {
  const dir = await mkdtemp(join(tmpdir(), 'flux-oci-extract-'));
  return { dir, out: join(dir, 'out') };
}

test('a well-formed archive extracts with directories, files and executable bits', async () => {
  const { dir, out } = await workspace();
  const files = await extractArchive(
    Readable.from([archive([{ name: 'apps/', type: '5', mode: 0o755 }, { name: 'apps/a.yaml', body: Buffer.from('a: 1\n') }, { name: './run.sh', body: Buffer.from('#!/bin/sh\n'), mode: 0o755 }])]),
    out,
  );
  assert.deepEqual(files, ['apps/a.yaml', 'run.sh']);
  assert.equal(await readFile(join(out, 'apps', 'a.yaml'), 'utf8'), 'a: 1\n');
  assert.deepEqual((await readdir(dir)).sort(), ['out'], 'no staging folder left behind');
  await rm(dir, { recursive: true, force: true });
});

const refusals: Array<[string, Buffer, RegExp]> = [
  ['absolute path', archive([{ name: '/etc/passwd', body: Buffer.from('x') }]), /absolute path/],
  ['parent traversal', archive([{ name: 'apps/../../escape.yaml', body: Buffer.from('x') }]), /climbs out/],
  ['symbolic link', archive([{ name: 'link', type: '2', linkname: '/etc/passwd' }]), /symbolic link/],
  ['hard link', archive([{ name: 'hard', type: '1', linkname: 'other' }]), /hard link/],
  ['character device', archive([{ name: 'dev', type: '3' }]), /device file/],
  ['block device', archive([{ name: 'blk', type: '4' }]), /device file/],
  ['named pipe', archive([{ name: 'fifo', type: '6' }]), /named pipe/],
];
for (const [what, bytes, message] of refusals) {
  test(`refuses an archive with a ${what} and leaves nothing behind`, async () => {
    const { dir, out } = await workspace();
    await assert.rejects(extractArchive(Readable.from([bytes]), out), (e: unknown) => e instanceof UnsafeArchiveError && message.test(e.message));
    assert.deepEqual(await readdir(dir), [], 'neither the output nor a staging folder exists');
    await rm(dir, { recursive: true, force: true });
  });
}

test('size and entry-count limits stop bombs', async () => {
  const { dir, out } = await workspace();
  const zeros = archive([{ name: 'big', body: Buffer.alloc(4 * 1024 * 1024) }]);
  assert.ok(zeros.length < 64 * 1024, 'the bomb is small when compressed');
  await assert.rejects(extractArchive(Readable.from([zeros]), out, { maxTotalBytes: 1024 * 1024 }), /expands beyond|more than/);
  await assert.rejects(extractArchive(Readable.from([zeros]), out, { maxFileBytes: 1024 }), /more than the 1024 allowed per file/);
  const many = archive(Array.from({ length: 30 }, (_, i) => ({ name: `f${i}`, body: Buffer.from('x') })));
  await assert.rejects(extractArchive(Readable.from([many]), out, { maxEntries: 10 }), /more than 10 entries/);
  await assert.rejects(extractArchive(Readable.from([Buffer.from('not gzip at all')]), out), /not a valid gzip/);
  assert.deepEqual(await readdir(dir), []);
  await rm(dir, { recursive: true, force: true });
});

test('an existing output folder keeps unrelated files and receives only complete results', async () => {
  const { dir, out } = await workspace();
  await mkdir(out);
  await writeFile(join(out, 'keep.txt'), 'mine');
  await assert.rejects(extractArchive(Readable.from([archive([{ name: 'ok.yaml', body: Buffer.from('x') }, { name: '../bad', body: Buffer.from('y') }])]), out));
  assert.deepEqual(await readdir(out), ['keep.txt'], 'the failed archive wrote nothing into the output');
  await extractArchive(Readable.from([archive([{ name: 'ok.yaml', body: Buffer.from('x') }])]), out);
  assert.deepEqual((await readdir(out)).sort(), ['keep.txt', 'ok.yaml']);
  await rm(dir, { recursive: true, force: true });
});

test('safeRelativePath', () => {
  assert.deepEqual(safeRelativePath('./a/./b/'), ['a', 'b']);
  assert.throws(() => safeRelativePath('C:/x'), /absolute/);
  assert.throws(() => safeRelativePath('a\\..\\b'), /backslash/);
});

test('build: default ignore list, nested .sourceignore, extra patterns, sorted entries', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'flux-oci-build-'));
  await mkdir(join(dir, 'b', 'c'), { recursive: true });
  await mkdir(join(dir, '.git'));
  for (const f of ['z.yaml', 'a.yaml', 'pic.JPG', 'pic.jpg', 'bundle.tar.gz', 'b/c/d.yaml', 'b/skip.log', 'b/c/keep.log', '.gitmodules', '.git/config']) await writeFile(join(dir, f), f);
  await writeFile(join(dir, 'b', '.sourceignore'), 'skip.log\n');
  const entries = await listArtifactEntries(dir, ['z.yaml']);
  assert.deepEqual(entries, ['a.yaml', 'b', 'b/.sourceignore', 'b/c', 'b/c/d.yaml', 'b/c/keep.log', 'pic.JPG']);
  const layer = join(dir, '..', `layer-${Date.now()}.tar.gz`);
  await buildArtifactLayer(dir, layer);
  const again = join(dir, '..', `layer2-${Date.now()}.tar.gz`);
  await buildArtifactLayer(dir, again);
  assert.deepEqual(await readFile(layer), await readFile(again), 'the same tree packs to the same bytes');
  await rm(layer);
  await rm(again);
  await rm(dir, { recursive: true, force: true });
});

test('annotations: created (reproducible or now), source, revision, extras', () => {
  assert.deepEqual(artifactAnnotations({ reproducible: true, source: 's', revision: 'r', extra: { k: 'v' } }), {
    'org.opencontainers.image.created': '1970-01-01T00:00:00Z',
    'org.opencontainers.image.source': 's',
    'org.opencontainers.image.revision': 'r',
    k: 'v',
  });
  assert.equal(artifactAnnotations({ now: new Date('2025-02-03T04:05:06.789Z') })['org.opencontainers.image.created'], '2025-02-03T04:05:06Z');
});
