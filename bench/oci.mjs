// OCI benchmark: our registry client against curl doing the same requests
// (the floor), on a real local registry. Push and pull of blobs of two sizes
// (to show memory stays flat: streaming, not buffering) and a 5,000-tag listing.
// Run: node --import tsx bench/oci.mjs   (not part of the tests)
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SIZES_MB = [25, 100];
const TAGS = 5000;
const RUNS = 3;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Our side runs in a fresh child process so its peak RSS belongs to one operation. */
async function child(op, args) {
  const { RegistryClient } = await import(pathToFileURL(join(repo, 'server/src/oci/registry.ts')).href);
  const { parseReference } = await import(pathToFileURL(join(repo, 'server/src/oci/reference.ts')).href);
  const { createReadStream } = await import('node:fs');
  const client = new RegistryClient({ credentialSource: async () => undefined });
  const signal = AbortSignal.timeout(300_000);
  // Twice: the first call includes connection setup and the HTTPS probe of a
  // loopback registry (then plain HTTP); the second is the steady state.
  const timings = [];
  for (let round = 0; round < 2; round++) {
    const ref = parseReference(round === 0 ? args.ref : args.ref2 ?? args.ref);
    const target = round === 0 ? args.file : `${args.file}.again`;
    const started = performance.now();
    if (op === 'push') {
      const source = { digest: args.digest, size: args.size, open: (start = 0, end = args.size) => createReadStream(args.file, { start, end: end - 1 }) };
      await client.pushBlob(ref, source, { signal });
    } else if (op === 'pull') {
      await client.downloadBlob(ref, { digest: args.digest, size: args.size }, target, { signal });
    } else if (op === 'tags') {
      const tags = await client.listTags(ref, { signal });
      if (tags.length < args.count) throw new Error(`expected ${args.count} tags, got ${tags.length}`);
    } else if (op !== 'baseline') throw new Error(`unknown op ${op}`);
    timings.push(performance.now() - started);
  }
  const ms = timings[1];
  const coldMs = timings[0];
  client.close();
  process.stdout.write(JSON.stringify({ ms, coldMs, maxRssKb: process.resourceUsage().maxRSS }));
}

function runOurs(op, args) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', op, JSON.stringify(args)], { cwd: repo, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`our ${op} failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Run curl under GNU time; returns curl's own total time and its peak RSS. */
function runCurl(args) {
  const output = args.includes('-o') ? [] : ['-o', '/dev/null'];
  const r = spawnSync('/usr/bin/time', ['-f', '%M', 'curl', '-sS', ...output, '-w', '%{time_total} %{http_code}', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`curl failed: ${r.stderr}`);
  const [seconds, status] = r.stdout.trim().split(' ');
  return { ms: Number(seconds) * 1000, status: Number(status), maxRssKb: Number(r.stderr.trim().split('\n').pop()) };
}

function curlWithHeaders(args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%M', 'curl', '-sS', '-D', '-', '-o', '/dev/null', '-w', '\n%{time_total}', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`curl failed: ${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  return { headers: r.stdout, ms: Number(lines[lines.length - 1]) * 1000, maxRssKb: Number(r.stderr.trim().split('\n').pop()) };
}

async function makeBlob(dir, mb) {
  const file = join(dir, `blob-${mb}`);
  const hash = createHash('sha256');
  const out = createWriteStream(file);
  for (let i = 0; i < mb; i++) {
    const chunk = randomBytes(1024 * 1024);
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
  }
  await new Promise((r) => out.end(r));
  return { file, digest: `sha256:${hash.digest('hex')}`, size: mb * 1024 * 1024 };
}

/** 5,000 tags written straight into the registry's storage layout (fast, and what the registry reads). */
async function seedTags(dataDir, repository, digest) {
  const hex = digest.slice('sha256:'.length);
  const base = join(dataDir, 'docker/registry/v2/repositories', repository, '_manifests/tags');
  for (let i = 0; i < TAGS; i++) {
    const tag = `v1.0.${i}`;
    await mkdir(join(base, tag, 'current'), { recursive: true });
    await writeFile(join(base, tag, 'current', 'link'), digest);
    await mkdir(join(base, tag, 'index/sha256', hex), { recursive: true });
    await writeFile(join(base, tag, 'index/sha256', hex, 'link'), digest);
  }
}

export async function main() {
  const { startRegistry } = await import(pathToFileURL(join(repo, 'test/registry/rig.ts')).href);
  const rig = await startRegistry({ auth: 'none' });
  const work = await mkdtemp(join(tmpdir(), 'flux-oci-bench-'));
  const rows = [];
  try {
    const baseline = runOurs('baseline', { ref: `${rig.host}/bench/none` });
    let runId = 0;
    for (const mb of SIZES_MB) {
      const blob = await makeBlob(work, mb);
      const pushOurs = [];
      const pushCurl = [];
      for (let i = 0; i < RUNS; i++) {
        pushOurs.push(runOurs('push', { ref: `${rig.host}/bench/ours-${mb}-${runId++}`, ref2: `${rig.host}/bench/ours-${mb}-${runId++}`, file: blob.file, digest: blob.digest, size: blob.size }));
        // curl: POST for an upload location, then one PUT with the body.
        const start = curlWithHeaders(['-X', 'POST', `${rig.url}/v2/bench/curl-${mb}-${runId++}/blobs/uploads/`]);
        const location = /^location: (.+)$/im.exec(start.headers)[1].trim();
        const url = new URL(location, rig.url);
        url.searchParams.set('digest', blob.digest);
        // -T streams the file (--data-binary would read it all into memory first).
        const put = runCurl(['-X', 'PUT', '-H', 'content-type: application/octet-stream', '-T', blob.file, url.href]);
        if (put.status !== 201) throw new Error(`curl PUT answered ${put.status}`);
        pushCurl.push({ ms: start.ms + put.ms, maxRssKb: Math.max(start.maxRssKb, put.maxRssKb) });
      }
      rows.push(row(`push ${mb} MB blob`, pushOurs, pushCurl));
      const pullOurs = [];
      const pullCurl = [];
      const source = `bench/ours-${mb}-${runId - 2}`;
      for (let i = 0; i < RUNS; i++) {
        const target = join(work, `pulled-${mb}-${i}`);
        pullOurs.push(runOurs('pull', { ref: `${rig.host}/${source}`, file: target, digest: blob.digest, size: blob.size }));
        await rm(target, { force: true });
        await rm(`${target}.again`, { force: true });
        pullCurl.push(runCurl(['-L', '-o', target, `${rig.url}/v2/${source}/blobs/${blob.digest}`]));
        await rm(target, { force: true });
      }
      rows.push(row(`pull ${mb} MB blob`, pullOurs, pullCurl));
      await rm(blob.file, { force: true });
    }
    // A manifest for the tags to point at, then 5,000 tags.
    const config = Buffer.from('{}');
    const configDigest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
    spawnSync('curl', ['-sS', '-o', '/dev/null', '-X', 'POST', '-D', join(work, 'h'), `${rig.url}/v2/bench/tags/blobs/uploads/`]);
    const loc = new URL(/^location: (.+)$/im.exec(readFileSync(join(work, 'h'), 'utf8'))[1].trim(), rig.url);
    loc.searchParams.set('digest', configDigest);
    spawnSync('curl', ['-sS', '-o', '/dev/null', '-X', 'PUT', '--data-binary', '{}', loc.href]);
    const manifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.cncf.flux.config.v1+json', digest: configDigest, size: 2 }, layers: [] });
    spawnSync('curl', ['-sS', '-o', '/dev/null', '-X', 'PUT', '-H', 'content-type: application/vnd.oci.image.manifest.v1+json', '--data-binary', manifest, `${rig.url}/v2/bench/tags/manifests/seed`]);
    const manifestDigest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
    await seedTags(rig.dataDir, 'bench/tags', manifestDigest);
    const tagsOurs = [];
    const tagsCurl = [];
    for (let i = 0; i < RUNS; i++) {
      tagsOurs.push(runOurs('tags', { ref: `${rig.host}/bench/tags`, count: TAGS }));
      tagsCurl.push(runCurl([`${rig.url}/v2/bench/tags/tags/list?n=${TAGS + 1}`]));
    }
    rows.push(row(`list ${TAGS} tags`, tagsOurs, tagsCurl));
    print(rows, baseline);
    mkdirSync(join(repo, 'bench', 'results'), { recursive: true });
    writeFileSync(join(repo, 'bench', 'results', 'oci.json'), JSON.stringify({ baselineRssKb: baseline.maxRssKb, rows }, null, 2));
  } finally {
    await rig.stop();
    await rm(work, { recursive: true, force: true });
  }
}

function row(name, ours, curl) {
  return {
    name,
    oursMs: median(ours.map((r) => r.ms)),
    oursColdMs: median(ours.map((r) => r.coldMs)),
    curlMs: median(curl.map((r) => r.ms)),
    oursRssMb: Math.max(...ours.map((r) => r.maxRssKb)) / 1024,
    curlRssMb: Math.max(...curl.map((r) => r.maxRssKb)) / 1024,
  };
}

function print(rows, baseline) {
  const baseMb = baseline.maxRssKb / 1024;
  console.log(`OCI client vs curl (median of ${RUNS}; peak RSS of the whole process; our process idles at ${baseMb.toFixed(0)} MB after loading)`);
  console.log(['operation'.padEnd(20), 'ours ms'.padStart(9), 'cold ms'.padStart(9), 'curl ms'.padStart(9), 'ratio'.padStart(7), 'ours MB'.padStart(9), 'over idle'.padStart(10), 'curl MB'.padStart(9)].join(' '));
  for (const r of rows) {
    console.log(
      [
        r.name.padEnd(20),
        r.oursMs.toFixed(0).padStart(9),
        r.oursColdMs.toFixed(0).padStart(9),
        r.curlMs.toFixed(0).padStart(9),
        `${(r.oursMs / r.curlMs).toFixed(2)}x`.padStart(7),
        r.oursRssMb.toFixed(0).padStart(9),
        `+${(r.oursRssMb - baseMb).toFixed(0)}`.padStart(10),
        r.curlRssMb.toFixed(0).padStart(9),
      ].join(' '),
    );
  }
  console.log('ours ms: second call in the process (steady state); cold ms: first call (connection setup, HTTPS probe then HTTP)');
  console.log('ours writes and SHA-256-verifies pulled blobs; curl only writes them');
  console.log('memory is flat when "over idle" does not grow from the smaller to the larger blob');
}

if (process.argv[2] === '--child') {
  await child(process.argv[3], JSON.parse(process.argv[4]));
} else if (resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) {
  await main();
}
