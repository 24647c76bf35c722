// Preview benchmark: opening an artifact for preview (manifest, streamed layer with its digest
// verified, safe extraction into temporary storage with every check) against the floor: plain
// `tar -xz` of the same blob already on disk, and `curl | tar -xz` fetching it from the same
// registry (no digest check, no safety checks). Sizes of 25 and 100 MB uncompressed show that
// memory stays flat as the artifact grows (the layer is streamed, never held in memory).
// Run: node --import tsx bench/preview.mjs   (not part of the tests)
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SIZES_MB = [25, 100];
const RUNS = 3;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const imp = (path) => import(pathToFileURL(join(repo, path)).href);

/** Our side in a fresh process: its peak RSS belongs to one preview. */
async function child(args) {
  const { RegistrySession } = await imp('server/src/registry/session.ts');
  const { ArtifactStore } = await imp('server/src/registry/artifacts.ts');
  const session = new RegistrySession({ fallbackCredentials: async () => undefined });
  session.configure({ liveChecks: true, cacheTtlSeconds: 60, insecureHosts: [], caFiles: {}, maxArtifactSize: 512 * 1024 * 1024 });
  const store = new ArtifactStore(session, args.storage);
  const started = performance.now();
  const artifact = await store.open(args.ref, AbortSignal.timeout(300_000));
  const ms = performance.now() - started;
  if (artifact.entries.filter((e) => e.type === 'file').length !== args.files) throw new Error('wrong number of files');
  session.dispose();
  process.stdout.write(JSON.stringify({ ms, maxRssKb: process.resourceUsage().maxRSS }));
}

function runOurs(args) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', JSON.stringify(args)], { cwd: repo, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`preview failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** A shell pipeline under GNU time: wall ms (measured here) and the peak RSS of its largest process. */
function runShell(script) {
  const started = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', 'sh', '-c', script], { encoding: 'utf8' });
  const ms = performance.now() - started;
  if (r.status !== 0) throw new Error(`${script} failed: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  return { ms, maxRssKb: Number(lines[lines.length - 1]) };
}

async function main() {
  const { startRegistry } = await imp('test/registry/rig.ts');
  const { RegistryClient } = await imp('server/src/oci/registry.ts');
  const { parseReference } = await imp('server/src/oci/reference.ts');
  const { pushDirectory } = await imp('server/src/oci/artifact/push.ts');
  const { readArtifactManifest, selectContentLayer } = await imp('server/src/oci/artifact/layer.ts');
  const rig = await startRegistry({ auth: 'none' });
  const work = await mkdtemp(join(tmpdir(), 'flux-oci-bench-preview-'));
  const client = new RegistryClient({ credentialSource: async () => undefined });
  const rows = [];
  try {
    for (const mb of SIZES_MB) {
      // 1 MiB files of base64 text: realistic for manifests (text) yet not trivially compressible.
      const folder = join(work, `src-${mb}`);
      await mkdir(folder, { recursive: true });
      for (let i = 0; i < mb; i++) await writeFile(join(folder, `file-${i}.yaml`), randomBytes(786432).toString('base64'));
      const ref = parseReference(`${rig.host}/bench/preview-${mb}:v1`);
      await pushDirectory(client, ref, folder, { signal: AbortSignal.timeout(300_000) });
      const manifest = await readArtifactManifest(client, ref, AbortSignal.timeout(60_000));
      const layer = selectContentLayer(manifest, ref.toString());
      const blobFile = join(work, `blob-${mb}.tar.gz`);
      await client.downloadBlob(ref, layer, blobFile, { signal: AbortSignal.timeout(300_000) });
      const ours = [];
      const tar = [];
      const curlTar = [];
      for (let run = 0; run < RUNS; run++) {
        const storage = join(work, `ours-${mb}-${run}`);
        ours.push(runOurs({ ref: `oci://${ref.toString()}`, storage, files: mb }));
        const out = join(work, `tar-${mb}-${run}`);
        await mkdir(out);
        tar.push(runShell(`tar -xzf ${blobFile} -C ${out}`));
        const out2 = join(work, `curl-${mb}-${run}`);
        await mkdir(out2);
        curlTar.push(runShell(`curl -sS ${rig.url}/v2/bench/preview-${mb}/blobs/${layer.digest} | tar -xz -C ${out2}`));
        await Promise.all([storage, out, out2].map((d) => rm(d, { recursive: true, force: true })));
      }
      rows.push({
        mb, layerMb: layer.size / 1e6,
        ours: { ms: median(ours.map((o) => o.ms)), rssMb: Math.max(...ours.map((o) => o.maxRssKb)) / 1024 },
        tar: { ms: median(tar.map((o) => o.ms)), rssMb: Math.max(...tar.map((o) => o.maxRssKb)) / 1024 },
        curlTar: { ms: median(curlTar.map((o) => o.ms)), rssMb: Math.max(...curlTar.map((o) => o.maxRssKb)) / 1024 },
      });
    }
  } finally {
    client.close();
    await rig.stop();
    await rm(work, { recursive: true, force: true });
  }
  console.log(`artifact preview (medians of ${RUNS}; ours = fresh process: manifest, streamed layer, sha256, safe extraction)`);
  console.log('size    | ours ms | tar -xz ms | curl|tar ms | vs tar | vs curl|tar | ours peak RSS | tar RSS');
  for (const r of rows) {
    console.log(`${String(r.mb).padStart(3)} MB  | ${r.ours.ms.toFixed(0).padStart(7)} | ${r.tar.ms.toFixed(0).padStart(10)} | ${r.curlTar.ms.toFixed(0).padStart(11)} | ${(r.ours.ms / r.tar.ms).toFixed(2).padStart(5)}× | ${(r.ours.ms / r.curlTar.ms).toFixed(2).padStart(10)}× | ${r.ours.rssMb.toFixed(0).padStart(10)} MB | ${r.tar.rssMb.toFixed(0)} MB`);
  }
  if (rows.length > 1) {
    const [a, b] = [rows[0], rows[rows.length - 1]];
    console.log(`memory as the artifact grows ${a.mb} → ${b.mb} MB (${(b.mb / a.mb).toFixed(0)}×): ours ${a.ours.rssMb.toFixed(0)} → ${b.ours.rssMb.toFixed(0)} MB (${(b.ours.rssMb / a.ours.rssMb).toFixed(2)}×)`);
  }
  const { writeFileSync, mkdirSync } = await import('node:fs');
  mkdirSync(join(repo, 'bench', 'results'), { recursive: true });
  writeFileSync(join(repo, 'bench', 'results', 'preview.json'), JSON.stringify(rows, null, 2));
}

const childIndex = process.argv.indexOf('--child');
if (childIndex > 0) await child(JSON.parse(process.argv[childIndex + 1]));
else await main();
