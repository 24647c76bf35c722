// Push benchmark: `flux-oci push` of a folder (checks, pack, hash, upload, manifest) against the
// physical floor in the same run: `tar -cz` of the same files, `sha256sum` of the archive (a blob
// cannot be uploaded without its digest), and `curl` uploading the blob, the config and the
// manifest. Two folder sizes show whether peak memory stays flat as the folder grows.
// Run: node bench/push.mjs   (after node scripts/build.mjs; not part of the tests)
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(repo, 'dist', 'cli.js');
/** [files, MB]: the goal is 5,000 files and 100 MB; a quarter of it shows how memory scales. */
const FOLDERS = [[1250, 25], [5000, 100]];
const RUNS = 3;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/**
 * A folder like a large config repository: one file in ten is a small Kubernetes manifest
 * (linted and scanned), the rest are text data files (base64, which gzip shrinks by a quarter).
 */
function makeFolder(root, files, mb) {
  const dataFiles = files - Math.floor(files / 10);
  const dataSize = Math.floor((mb * 1024 * 1024) / dataFiles);
  for (let i = 0; i < files; i++) {
    const dir = join(root, `team-${i % 25}`, `app-${i % 200}`);
    mkdirSync(dir, { recursive: true });
    if (i % 10 === 0) {
      writeFileSync(join(dir, `cm-${i}.yaml`), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\n  namespace: apps\ndata:\n  key: "${randomBytes(24).toString('hex')}"\n`);
    } else {
      writeFileSync(join(dir, `data-${i}.txt`), randomBytes(Math.ceil((dataSize * 3) / 4)).toString('base64').slice(0, dataSize));
    }
  }
}

/** Runs a command under GNU time; returns wall ms (ours measured outside) and peak RSS. */
function timed(command, args, options = {}) {
  const started = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', command, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  const ms = performance.now() - started;
  if (r.status !== 0) throw new Error(`${command} ${args.slice(0, 3).join(' ')} failed (${r.status}): ${r.stderr}`);
  return { ms, maxRssKb: Number(r.stderr.trim().split('\n').pop()), stdout: r.stdout };
}

function pushOurs(rig, folder, repository, extra = []) {
  return timed(process.execPath, [CLI, 'push', `oci://${rig.host}/${repository}:v1`, '--path', folder, '-o', 'json', ...extra]);
}

/** The floor: tar -cz, sha256sum, then curl: POST + PUT the layer, the config, PUT the manifest. */
function pushFloor(rig, folder, repository, work) {
  const layer = join(work, `${repository.replace(/\//g, '-')}.tar.gz`);
  const started = performance.now();
  let maxRssKb = 0;
  const step = (command, args) => {
    const r = timed(command, args);
    maxRssKb = Math.max(maxRssKb, r.maxRssKb);
    return r.stdout;
  };
  step('tar', ['-cz', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '-f', layer, '-C', folder, '.']);
  const layerDigest = `sha256:${step('sha256sum', [layer]).split(' ')[0]}`;
  const layerSize = statSync(layer).size;
  const upload = (file, digest) => {
    const headers = step('curl', ['-sS', '-o', '/dev/null', '-D', '-', '-X', 'POST', `${rig.url}/v2/${repository}/blobs/uploads/`]);
    const location = new URL(/^location: (.+)$/im.exec(headers)[1].trim(), rig.url);
    location.searchParams.set('digest', digest);
    step('curl', ['-sS', '-f', '-o', '/dev/null', '-X', 'PUT', '-H', 'Content-Type: application/octet-stream', '-T', file, location.href]);
  };
  upload(layer, layerDigest);
  const config = join(work, 'config.json');
  writeFileSync(config, '{}');
  const configDigest = `sha256:${createHash('sha256').update('{}').digest('hex')}`;
  upload(config, configDigest);
  const manifest = join(work, 'manifest.json');
  writeFileSync(manifest, JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.cncf.flux.config.v1+json', digest: configDigest, size: 2 },
    layers: [{ mediaType: 'application/vnd.cncf.flux.content.v1.tar+gzip', digest: layerDigest, size: layerSize }],
    annotations: { 'org.opencontainers.image.created': new Date().toISOString() },
  }));
  step('curl', ['-sS', '-f', '-o', '/dev/null', '-X', 'PUT', '-H', 'Content-Type: application/vnd.oci.image.manifest.v1+json', '--data-binary', `@${manifest}`, `${rig.url}/v2/${repository}/manifests/v1`]);
  return { ms: performance.now() - started, maxRssKb };
}

const { startRegistry } = await import(pathToFileURL(join(repo, 'test/registry/rig.ts')).href);
const rig = await startRegistry({ auth: 'none' });
const work = await mkdtemp(join(tmpdir(), 'flux-oci-bench-push-'));
const results = [];
let runId = 0;
try {
  for (const [files, mb] of FOLDERS) {
    const folder = join(work, `folder-${files}`);
    makeFolder(folder, files, mb);
    const ours = [];
    const unverified = [];
    const floor = [];
    for (let run = 0; run < RUNS; run++) {
      // A fresh repository each time, so every run uploads the layer.
      floor.push(pushFloor(rig, folder, `bench/floor-${runId++}`, work));
      ours.push(pushOurs(rig, folder, `bench/ours-${runId++}`));
      unverified.push(pushOurs(rig, folder, `bench/raw-${runId++}`, ['--no-verify']));
    }
    const row = {
      files, mb,
      oursMs: median(ours.map((r) => r.ms)), noVerifyMs: median(unverified.map((r) => r.ms)), floorMs: median(floor.map((r) => r.ms)),
      oursRssMb: Math.max(...ours.map((r) => r.maxRssKb)) / 1024, floorRssMb: Math.max(...floor.map((r) => r.maxRssKb)) / 1024,
    };
    results.push(row);
    await rm(folder, { recursive: true, force: true });
  }
} finally {
  await rig.stop();
  await rm(work, { recursive: true, force: true });
}

console.log(`push a folder (median of ${RUNS}; ours = node dist/cli.js push, a fresh process; floor = tar -cz + sha256sum + curl)`);
console.log('| folder | flux-oci push | --no-verify | floor | ratio (goal ≤ 1.3×) | peak RSS ours | peak RSS floor (largest step) |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of results) {
  console.log(`| ${r.files.toLocaleString('en')} files, ${r.mb} MB | ${Math.round(r.oursMs)} ms | ${Math.round(r.noVerifyMs)} ms | ${Math.round(r.floorMs)} ms | ${(r.oursMs / r.floorMs).toFixed(2)}× (${(r.noVerifyMs / r.floorMs).toFixed(2)}× unverified) | ${r.oursRssMb.toFixed(0)} MB | ${r.floorRssMb.toFixed(0)} MB |`);
}
const [small, large] = results;
if (small && large) console.log(`peak memory from ${small.mb} MB to ${large.mb} MB: ${small.oursRssMb.toFixed(0)} → ${large.oursRssMb.toFixed(0)} MB (${(large.oursRssMb / small.oursRssMb).toFixed(2)}× for ${large.mb / small.mb}× the data)`);
mkdirSync(join(repo, 'bench', 'results'), { recursive: true });
writeFileSync(join(repo, 'bench', 'results', 'push.json'), JSON.stringify(results, null, 2));
