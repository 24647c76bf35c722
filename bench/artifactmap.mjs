// Artifact map: what knowing which folder each OCI artifact is built from costs the server.
// - background indexing of a 10,000-file workspace (the server's own indexer) with the map kept
//   (read at start from the workspace's CI, build and declared files, then kept current as files
//   are indexed) against the same indexing without it: the goal is at most +5 %;
// - an edit to a CI file (a workflow's --path changed): the map updated, goal under 5 ms.
// usage: node --import tsx --expose-gc bench/artifactmap.mjs [--files 10000] [--runs 4]
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WorkspaceIndex } from '../server/src/language/workspaceIndex.ts';
import { indexFolders } from '../server/src/lsp/workspaceScan.ts';
import { ServerArtifactMap } from '../server/src/lsp/artifactMap.ts';
import { applyGraphOf } from '../server/src/language/applyGraph.ts';
import { discoverRoot } from '../server/src/language/gitRoots.ts';

const arg = (name, fallback) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? Number(process.argv[i + 1]) : fallback; };
const fileCount = arg('files', 10000);
const runs = arg('runs', 4);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

const root = join(mkdtempSync(join(tmpdir(), 'flux-oci-bench-map-')), 'fleet');
const write = (path, text) => { mkdirSync(dirname(join(root, path)), { recursive: true }); writeFileSync(join(root, path), text); };
for (let i = 0; i < fileCount; i++) {
  const team = `team-${i % 50}`;
  write(`kubernetes/apps/${team}/svc-${i}.yaml`, `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: svc-${i}\n  namespace: ${team}\nspec:\n  interval: 10m\n  path: ./apps/${team}/svc-${i}\n  prune: true\n  sourceRef:\n    kind: OCIRepository\n    name: fleet\n`);
}
write('kubernetes/clusters/prod/fleet.yaml', 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: fleet\n  namespace: flux-system\nspec:\n  interval: 5m\n  url: oci://ghcr.io/example-org/manifests/fleet\n  ref:\n    tag: latest\n');
const workflow = (path) => `name: publish
on:
  push:
    branches: [main]
env:
  REGISTRY: ghcr.io
jobs:
  publish:
    runs-on: ubuntu-latest
    env:
      REPO: \${{ env.REGISTRY }}/example-org/manifests/\${{ github.event.repository.name }}
    steps:
      - uses: actions/checkout@v4
      - name: push
        run: |
          flux push artifact oci://\${{ env.REPO }}:\${{ github.sha }} \\
            --path="${path}" \\
            --source="\${{ github.repositoryUrl }}" \\
            --revision="\${{ github.ref_name }}@sha1:\${{ github.sha }}"
          flux tag artifact oci://\${{ env.REPO }}:\${{ github.sha }} --tag latest
`;
write('.github/workflows/publish.yaml', workflow('./kubernetes'));
write('Makefile', 'REGISTRY ?= ghcr.io/example-org\npush:\n\tflux push artifact oci://$(REGISTRY)/infra:latest --path=./infra --source=x --revision=y\n');
write('scripts/push.sh', '#!/bin/sh\nset -e\nflux push artifact oci://ghcr.io/example-org/apps:latest --path=./apps --source=x --revision=y\n');
mkdirSync(join(root, '.git'));
writeFileSync(join(root, '.git', 'config'), '[remote "origin"]\n\turl = https://github.com/example-org/fleet\n');
const roots = [discoverRoot(root)];

async function indexOnce(withMap) {
  const index = new WorkspaceIndex();
  applyGraphOf(index).configure(roots);
  const started = performance.now();
  let map;
  if (withMap) {
    map = new ServerArtifactMap(index);
    map.setRoots(roots);
  }
  await indexFolders(index, [root]);
  const ms = performance.now() - started;
  return { ms, map, index };
}

// Alternate the two so drift on a shared machine falls on both.
const without = [];
const withMap = [];
let last;
for (let r = 0; r < runs; r++) {
  // Which goes first alternates too: the second of a pair runs with the first's garbage about.
  for (const mapped of r % 2 ? [true, false] : [false, true]) {
    globalThis.gc?.();
    const run = await indexOnce(mapped);
    (mapped ? withMap : without).push(run.ms);
    if (mapped) last = run;
  }
}
const entries = last.map.entries();
const uri = pathToFileURL(join(root, '.github/workflows/publish.yaml')).href;
const edits = [];
for (let i = 0; i < 50; i++) {
  const text = workflow(i % 2 ? './kubernetes' : './kubernetes/');
  const t = performance.now();
  last.map.setFile(uri, text + ' '.repeat(i));
  edits.push(performance.now() - t);
}
const a = median(without);
const b = median(withMap);
console.log(`\nArtifact map, ${fileCount + 1} YAML files and ${entries.length} map entries (workflow, Makefile, script); medians of ${runs}:`);
console.log(`  background indexing without the map   ${a.toFixed(0).padStart(7)} ms  1.00×`);
console.log(`  background indexing with the map      ${b.toFixed(0).padStart(7)} ms  ${(b / a).toFixed(3)}×  (goal ≤ 1.05×: ${b / a <= 1.05 ? 'met' : 'not met'})`);
console.log(`  a workflow edited: map updated        ${median(edits).toFixed(2).padStart(7)} ms  (median of 50; goal < 5 ms: ${median(edits) < 5 ? 'met' : 'not met'})`);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/artifactmap.json', import.meta.url), JSON.stringify({ files: fileCount, entries: entries.length, indexMs: a, indexWithMapMs: b, ratio: b / a, editMs: median(edits) }, null, 2));
rmSync(dirname(root), { recursive: true, force: true });
