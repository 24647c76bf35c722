// Rendering a Kustomization of 500 objects (`flux-oci build kustomization`) side by side with its
// floor: the bare kustomize engine (`kubectl kustomize`, or kustomize) on the same overlay with the
// same kustomize work (the Kustomization's targetNamespace, namePrefix, images and patch written
// into its kustomization file). Ours merges those fields itself, then substitutes variables and
// labels every object, as the controller does. Every run is a fresh process timed from start to exit; the
// two alternate, and the ratio is the median of the pairs. Also the library call alone (engine
// already detected, no process start), to show where the difference goes.
// usage: node --import tsx bench/render.mjs [--runs 7] [--objects 500]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeEngine, detectEngine } from '../server/src/render/engine.ts';
import { renderKustomization } from '../server/src/render/render.ts';
import { renderSpecOf } from '../server/src/render/spec.ts';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? Number(process.argv[i + 1]) : fallback; };
const runs = arg('runs', 7);
const objects = arg('objects', 500);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

const dir = mkdtempSync(join(tmpdir(), 'flux-oci-bench-render-'));
const base = join(dir, 'base');
const overlay = join(dir, 'overlay');
mkdirSync(base, { recursive: true });
mkdirSync(overlay, { recursive: true });
const files = [];
for (let i = 0; i < objects / 2; i++) {
  writeFileSync(join(base, `app${i}.yaml`), `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app${i}
  labels: {app: app${i}}
spec:
  replicas: \${REPLICAS:=1}
  selector: {matchLabels: {app: app${i}}}
  template:
    metadata: {labels: {app: app${i}}}
    spec:
      containers:
        - name: app
          image: nginx:1.25
          env:
            - {name: CLUSTER, value: "\${CLUSTER}"}
---
apiVersion: v1
kind: Service
metadata:
  name: app${i}
spec:
  selector: {app: app${i}}
  ports: [{port: 80}]
`);
  files.push(`app${i}.yaml`);
}
writeFileSync(join(base, 'kustomization.yaml'), `resources:\n${files.map((f) => `  - ${f}`).join('\n')}\n`);
writeFileSync(join(overlay, 'kustomization.yaml'), 'resources: [../base]\ncommonLabels: {tier: web}\n');
const flux = join(dir, 'flux.yaml');
writeFileSync(flux, `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec:
  interval: 10m
  path: ./overlay
  prune: true
  sourceRef: {kind: GitRepository, name: flux-system}
  targetNamespace: prod
  namePrefix: prod-
  images: [{name: nginx, newTag: "1.27"}]
  patches:
    - patch: |
        - {op: add, path: /metadata/annotations, value: {owner: platform}}
      target: {kind: Deployment}
  postBuild:
    substitute: {CLUSTER: prod-eu, REPLICAS: "2"}
`);

// The floor builds the same overlay with the same kustomize work: the Kustomization's fields
// written into a kustomization file as the controller merges them (namespace, prefix, image,
// patch). What is left to ours is the Flux part: substitution, labels, process start.
const floorOverlay = join(dir, 'overlay-floor');
mkdirSync(floorOverlay);
writeFileSync(join(floorOverlay, 'kustomization.yaml'), `resources: [../base]
commonLabels: {tier: web}
namespace: prod
namePrefix: prod-
images: [{name: nginx, newTag: "1.27"}]
patches:
  - patch: |
      - {op: add, path: /metadata/annotations, value: {owner: platform}}
    target: {kind: Deployment}
`);
const engine = await detectEngine();
const floorArgs = [...engine.verb, '--load-restrictor', 'LoadRestrictionsNone', floorOverlay];
const oursArgs = [join(repo, 'dist', 'cli.js'), 'build', 'kustomization', 'apps', '--path', overlay, '--kustomization-file', flux, '--source-root', dir, '--dry-run'];
const time = (command, args) => {
  const t = performance.now();
  const p = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = performance.now() - t;
  if (p.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${p.stderr}`);
  return { ms, out: p.stdout };
};

// One warm-up of each, and a check that both built the same number of objects.
const warmFloor = time(engine.command, floorArgs);
const warmOurs = time(process.execPath, oursArgs);
const count = (yaml) => (yaml.match(/^kind: /gm) ?? []).length;
if (count(warmFloor.out) !== objects || count(warmOurs.out) !== objects) throw new Error(`objects: floor ${count(warmFloor.out)}, ours ${count(warmOurs.out)}, wanted ${objects}`);

const floor = [];
const ours = [];
const ratios = [];
for (let r = 0; r < runs; r++) {
  // Alternate which goes first: a busy machine slows both alike.
  const pair = r % 2 === 0 ? [time(engine.command, floorArgs).ms, time(process.execPath, oursArgs).ms] : [time(process.execPath, oursArgs).ms, time(engine.command, floorArgs).ms].reverse();
  floor.push(pair[0]);
  ours.push(pair[1]);
  ratios.push(pair[1] / pair[0]);
}

// The library call alone: what rendering adds beyond the engine, without Node's start.
const spec = renderSpecOf((await import('yaml')).parse((await import('node:fs')).readFileSync(flux, 'utf8')));
const library = [];
for (let r = 0; r < runs; r++) {
  const t = performance.now();
  await renderKustomization({ spec, root: dir, folder: overlay, engine });
  library.push(performance.now() - t);
}

console.log(`render of a ${objects}-object Kustomization (${await describeEngine(engine)}), ${runs} alternating runs, fresh processes:`);
console.log(`  bare engine (the floor)            ${median(floor).toFixed(0)} ms`);
console.log(`  flux-oci build kustomization       ${median(ours).toFixed(0)} ms   ratio ${median(ratios).toFixed(2)}× (median of pairs; goal ≤ 1.3×)`);
console.log(`  the render as a library call       ${median(library).toFixed(0)} ms   ${(median(library) / median(floor)).toFixed(2)}× the floor (engine detected, no process start)`);
const results = { objects, engine: await describeEngine(engine), runs, floorMs: median(floor), oursMs: median(ours), ratio: median(ratios), libraryMs: median(library) };
mkdirSync(join(repo, 'bench', 'results'), { recursive: true });
writeFileSync(join(repo, 'bench', 'results', 'render.json'), JSON.stringify(results, null, 2));
if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true }); else console.log(dir);
