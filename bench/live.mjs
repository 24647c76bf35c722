// Live registry intelligence, side by side in one run on a real local registry:
//  1. warm ref.tag completion (1,500 tags in the cache) in the 5,000-document file, against a plain
//     key completion at another place of the same file (goal: within 2 ms of it);
//  2. a cold listing of 1,500 tags (fresh registry session: connection, scheme probe, two pages of
//     1,000) against curl fetching the same two pages (goal: ≤ 1.2×).
// The fault proxy pages the tag list (distribution 2.8 ignores `n`) for both sides alike.
// Run: node --import tsx bench/live.mjs [--runs 9]   (after npm run build)
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generateFluxFile } from './generate.mjs';
import { startServer, stop, median } from './lsp.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? Number(process.argv[i + 1]) : fallback; };
const runs = arg('runs', 9);
const TAGS = 1500;
const load = (path) => import(pathToFileURL(join(repo, path)).href);

/** 1,500 tags written into the registry's storage layout, all pointing at one pushed manifest. */
async function seedTags(dataDir, repository, digest) {
  const hex = digest.slice('sha256:'.length);
  const base = join(dataDir, 'docker/registry/v2/repositories', repository, '_manifests/tags');
  for (let i = 0; i < TAGS; i++) {
    const tag = `v${1 + Math.floor(i / 500)}.${Math.floor(i / 20) % 25}.${i % 20}`;
    await mkdir(join(base, tag, 'current'), { recursive: true });
    await writeFile(join(base, tag, 'current', 'link'), digest);
    await mkdir(join(base, tag, 'index/sha256', hex), { recursive: true });
    await writeFile(join(base, tag, 'index/sha256', hex, 'link'), digest);
  }
}

// Asynchronous: the paging proxy runs in this process and must keep answering while curl runs.
const run = promisify(execFile);

async function curlPages(urls) {
  const { stdout } = await run('curl', ['-sS', ...urls.flatMap((u) => ['-o', '/dev/null', '-w', '%{time_total}\n', u])]);
  return stdout.trim().split('\n').map((s) => Number(s) * 1000).reduce((a, b) => a + b, 0);
}

async function coldListing(host) {
  const { RegistrySession } = await load('server/src/registry/session.ts');
  const { TagCache } = await load('server/src/registry/tagCache.ts');
  const ours = [];
  const curl = [];
  // Which pages the API serves (so curl asks for exactly what we ask for).
  const first = `http://${host}/v2/team/app/tags/list?n=1000`;
  const head = (await run('curl', ['-sS', '-D', '-', '-o', '/dev/null', first])).stdout;
  const link = /^link: <([^>]+)>/im.exec(head)?.[1];
  if (!link) throw new Error('the tag list is not paged');
  const pages = [first, new URL(link, `http://${host}`).href];
  for (let i = 0; i < runs + 1; i++) {
    const session = new RegistrySession({ fallbackCredentials: async () => undefined });
    const cache = TagCache.for(session);
    const t = performance.now();
    const tags = await cache.tags({ registry: host, repository: 'team/app' });
    const ms = performance.now() - t;
    if (tags.length < TAGS) throw new Error(`listed ${tags.length} tags`);
    session.dispose();
    const c = await curlPages(pages);
    if (i > 0) { ours.push(ms); curl.push(c); } // the first round warms up the JIT and the registry
  }
  return { ours: median(ours), curl: median(curl) };
}

async function completionLatency(host) {
  const lines = generateFluxFile(5000).split('\n');
  // The OCIRepository in the middle points at the local registry and has an empty ref.tag.
  const middle = Math.floor(lines.length / 2);
  const kind = lines.findIndex((l, n) => n > middle && l === 'kind: OCIRepository');
  const url = lines.findIndex((l, n) => n > kind && l.startsWith('  url: '));
  const semver = lines.findIndex((l, n) => n > kind && l.startsWith('    semver: '));
  lines[url] = `  url: oci://${host}/team/app`;
  lines[semver] = '    tag: ';
  const spec = lines.findIndex((l, n) => n > kind && l === 'spec:');
  const text = lines.join('\n');
  const workspace = mkdtempSync(join(tmpdir(), 'flux-bench-live-ws-'));
  const fileDir = mkdtempSync(join(tmpdir(), 'flux-bench-live-file-'));
  const uri = pathToFileURL(join(fileDir, 'flux.yaml')).href;
  const server = { name: 'flux-oci', args: [join(repo, 'dist', 'server.js'), '--stdio'], settings: { fluxOci: { registry: { cacheTtlSeconds: 3600 } } } };
  const session = await startServer(server, workspace);
  const opened = session.nextDiagnostics(uri);
  session.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text } });
  await opened;
  if (process.env.BENCH_DEBUG) console.error('opened');
  const probes = {
    key: { line: spec + 1, character: 2 },
    tag: { line: semver, character: '    tag: '.length },
  };
  const times = { key: [], tag: [] };
  let tagItems = 0;
  for (let i = 0; i < runs + 1; i++) {
    for (const name of ['key', 'tag']) {
      const t = performance.now();
      const r = await session.conn.sendRequest('textDocument/completion', { textDocument: { uri }, position: probes[name] });
      const ms = performance.now() - t;
      const items = Array.isArray(r) ? r : r?.items ?? [];
      if (name === 'tag') tagItems = items.length;
      if (process.env.BENCH_DEBUG) console.error(name, ms.toFixed(1), items.length);
      if (i > 0) times[name].push(ms); // the first tag completion lists the tags (cold); then warm
    }
  }
  await stop(session);
  rmSync(workspace, { recursive: true, force: true });
  rmSync(fileDir, { recursive: true, force: true });
  if (tagItems < 100) throw new Error(`tag completion returned ${tagItems} items`);
  return { key: median(times.key), tag: median(times.tag), tagItems };
}

export async function main() {
  const { startRegistry } = await load('test/registry/rig.ts');
  const { startFaultProxy } = await load('test/registry/faultProxy.ts');
  const { clientFor } = await load('test/registry/helpers.ts');
  const { pushFluxArtifact } = await load('test/registry/liveSeed.ts');
  const rig = await startRegistry({ auth: 'none' });
  let proxy;
  try {
    const client = clientFor(rig);
    const digest = await pushFluxArtifact(client, rig.host, 'team/app', ['v0.0.1']);
    client.close();
    await seedTags(rig.dataDir, 'team/app', digest);
    proxy = await startFaultProxy({ upstream: rig.url, dataDir: rig.dataDir });
    proxy.rules.push({ method: 'GET', path: /\/tags\/list$/, fault: { kind: 'paginate-tags' } });
    const listing = await coldListing(proxy.host);
    if (process.env.BENCH_DEBUG) console.error('listing', listing);
    const completion = await completionLatency(proxy.host);
    const f = (x) => x.toFixed(2);
    console.log(`\nLive registry intelligence (medians of ${runs}; ms) — same run, same registry`);
    console.log('metric                                              flux-oci   reference           ratio / difference');
    console.log(`warm ref.tag completion (5,000 docs, ${completion.tagItems} of 1,500 tags)   ${f(completion.tag).padStart(8)}   key completion ${f(completion.key).padStart(6)}   +${f(completion.tag - completion.key)} ms (goal ≤ +2 ms)`);
    console.log(`cold listing of 1,500 tags (2 pages)                 ${f(listing.ours).padStart(8)}   curl ${f(listing.curl).padStart(16)}   ${(listing.ours / listing.curl).toFixed(2)}x (goal ≤ 1.2x)`);
    return { completion, listing };
  } finally {
    await proxy?.stop();
    await rig.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await main();
  process.exit(0);
}
