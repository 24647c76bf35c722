// Apply graph benchmark: a 2,000-file fleet (flux-system, a parent Kustomization whose patches
// and postBuild reach every child, teams with nested kustomization.yaml and targetNamespace,
// services with ${VAR} values), measured side by side with the floor of reading the same files
// and parsing them with `yaml`:
// - building the index and the apply graph from disk (and the graph alone on top of the index);
// - a one-line edit of a value (index + graph brought up to date, the edited document's
//   Kustomizations, namespace and substitution asked again): the goal is under 1 ms;
// - an edit that moves a child Kustomization's path (the graph is rebuilt).
// usage: node bench/applygraph.mjs [--files 2000] [--runs 20]   (bundles the language core first)
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { arg, bundleCore, median, repo } from './core.mjs';

const require = createRequire(import.meta.url);
const fileCount = arg('files', 2000);
const runs = arg('runs', 20);
const ms = (x) => `${x.toFixed(3)} ms`;

const work = mkdtempSync(join(tmpdir(), 'flux-oci-bench-applygraph-'));
const core = await bundleCore('applygraph', work, [
  ['WorkspaceIndex', 'server/src/language/workspaceIndex'],
  ['applyGraphOf', 'server/src/language/applyGraph'],
  ['discoverRoot, diskFolderProbe', 'server/src/language/gitRoots'],
]);
const { parseAllDocuments } = require('yaml');

// The fleet: 40 teams; per service a folder with kustomization.yaml, release.yaml, source.yaml.
const root = join(work, 'fleet');
const files = new Map();
const put = (rel, text) => files.set(rel, text);
put('clusters/production/flux-system/gotk-sync.yaml', 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  interval: 1m\n  ref:\n    branch: main\n  url: ssh://git@github.com/example/fleet\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./clusters/production\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n');
put('clusters/production/flux-system/kustomization.yaml', 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - gotk-sync.yaml\n');
put('clusters/production/apps.yaml', 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  interval: 30m\n  path: ./apps\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n  postBuild:\n    substitute:\n      CLUSTER: production\n  patches:\n    - patch: |-\n        apiVersion: kustomize.toolkit.fluxcd.io/v1\n        kind: Kustomization\n        metadata:\n          name: any\n        spec:\n          interval: 30m\n          prune: true\n          sourceRef:\n            kind: GitRepository\n            name: flux-system\n            namespace: flux-system\n          postBuild:\n            substituteFrom:\n              - kind: ConfigMap\n                name: cluster-settings\n      target:\n        kind: Kustomization\n');
const teams = 40;
const services = Math.max(1, Math.floor((fileCount - 3 - teams * 2) / 3));
put('apps/kustomization.yaml', `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${Array.from({ length: teams }, (_, t) => `  - ./team-${t}\n`).join('')}`);
const byTeam = Array.from({ length: teams }, () => []);
for (let i = 0; i < services; i++) byTeam[i % teams].push(i);
for (let t = 0; t < teams; t++) {
  put(`apps/team-${t}/kustomization.yaml`, `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: team-${t}\nresources:\n  - ./ks.yaml\n`);
  put(`apps/team-${t}/ks.yaml`, byTeam[t].map((i) => `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: svc-${i}\nspec:\n  path: ./apps/team-${t}/svc-${i}\n  targetNamespace: team-${t}\n`).join('---\n'));
  for (const i of byTeam[t]) {
    put(`apps/team-${t}/svc-${i}/kustomization.yaml`, 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - source.yaml\n  - release.yaml\n');
    put(`apps/team-${t}/svc-${i}/source.yaml`, `apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: svc-${i}\nspec:\n  interval: 5m\n  url: oci://registry.example.com/team-${t}/svc-${i}\n  ref:\n    semver: ">=1.0.0"\n`);
    put(`apps/team-${t}/svc-${i}/release.yaml`, `apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: svc-${i}\nspec:\n  interval: \${RECONCILE_INTERVAL:=10m}\n  chartRef:\n    kind: OCIRepository\n    name: svc-${i}\n  values:\n    replicas: 2\n    host: svc-${i}.\${CLUSTER}.example.com\n`);
  }
}
for (const [rel, text] of files) {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), text);
}
mkdirSync(join(root, '.git'));
writeFileSync(join(root, '.git', 'config'), '[remote "origin"]\n\turl = git@github.com:example/fleet.git\n');
const paths = [...files.keys()].map((rel) => join(root, rel));
const readAll = () => paths.map((p) => readFileSync(p, 'utf8'));

// Floor: read every file and parse it.
const floorTimes = [];
for (let r = 0; r < 3; r++) {
  const t = performance.now();
  for (const text of readAll()) parseAllDocuments(text);
  floorTimes.push(performance.now() - t);
}

// Index + graph from disk; the graph's own share measured separately on the built index.
const buildTimes = [];
const graphTimes = [];
const factTimes = [];
let index;
let graph;
for (let r = 0; r < 3; r++) {
  index = new core.WorkspaceIndex();
  const t = performance.now();
  const texts = readAll();
  paths.forEach((p, i) => index.setFile(pathToFileURL(p).href, texts[i]));
  const t1 = performance.now();
  graph = core.applyGraphOf(index);
  const tf = performance.now();
  graph.configure([core.discoverRoot(root)], core.diskFolderProbe());
  graph.allAppliers();
  const t2 = performance.now();
  buildTimes.push(t2 - t);
  graphTimes.push(t2 - t1);
  factTimes.push(tf - t1);
}
const appliedFiles = paths.filter((p) => graph.applicationsOf(pathToFileURL(p).href).length > 0).length;

// A one-line edit of a value in a HelmRelease, then the questions rules ask about it.
const target = pathToFileURL(join(root, 'apps/team-7/svc-7/release.yaml')).href;
const original = index.file(target).text;
function ask(uri) {
  const file = index.file(uri);
  const doc = file.documents[0];
  graph.applicationsOf(uri);
  graph.effectiveNamespace(uri, 0);
  graph.substitutedBy(uri, doc);
  graph.fieldSuppliedByPatch(uri, doc, ['spec', 'interval']);
}
function measure(uri, base, edit) {
  const times = [];
  for (let r = 0; r < runs; r++) {
    const text = edit(base, r);
    const t = performance.now();
    index.setFile(uri, text);
    ask(target);
    times.push(performance.now() - t);
  }
  index.setFile(uri, base);
  ask(target);
  return median(times);
}
const indexOnly = (() => {
  const times = [];
  const bare = new core.WorkspaceIndex();
  paths.forEach((p, i) => bare.setFile(pathToFileURL(p).href, files.get([...files.keys()][i])));
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    bare.setFile(target, original.replace('replicas: 2', `replicas: ${r + 3}`));
    times.push(performance.now() - t);
  }
  return median(times);
})();
const oneLine = measure(target, original, (text, r) => text.replace('replicas: 2', `replicas: ${r + 3}`));
const ksUri = pathToFileURL(join(root, 'apps/team-7/ks.yaml')).href;
const ksText = index.file(ksUri).text;
const moved = measure(ksUri, ksText, (text, r) => text.replace('path: ./apps/team-7/svc-7\n', `path: ./apps/team-7/svc-${r % 2 ? 7 : 47}\n`));

const floor = median(floorTimes);
const rows = [
  ['read + parse all files (floor)', ms(floor), '1.00×'],
  ['build index + apply graph from disk', ms(median(buildTimes)), `${(median(buildTimes) / floor).toFixed(2)}×`],
  ['  of which the apply graph', ms(median(graphTimes)), `${(median(graphTimes) / floor).toFixed(2)}×`],
  ['    reading graph facts from the documents', ms(median(factTimes)), `${(median(factTimes) / floor).toFixed(2)}×`],
  ['    linking Kustomizations to documents', ms(median(graphTimes) - median(factTimes)), `${((median(graphTimes) - median(factTimes)) / floor).toFixed(2)}×`],
  ['one-line edit: index only (no graph)', ms(indexOnly), `${(indexOnly / floor).toFixed(5)}×`],
  ['one-line edit: index + graph + questions', ms(oneLine), `${(oneLine / floor).toFixed(5)}×`],
  ['child path moved: graph rebuilt + questions', ms(moved), `${(moved / floor).toFixed(4)}×`],
];
console.log(`\nApply graph, ${paths.length} files (${graph.allAppliers().length} Kustomizations, ${appliedFiles} files applied), medians; ratios against read + parse:`);
for (const [name, value, ratio] of rows) console.log(`  ${name.padEnd(46)} ${value.padStart(12)}  ${ratio}`);
console.log(`  one-line edit goal < 1 ms: ${oneLine < 1 ? 'met' : 'NOT met'}`);
writeFileSync(join(repo, 'bench', 'results', 'applygraph.json'), JSON.stringify({
  files: paths.length, runs, floorMs: floor, buildMs: median(buildTimes), graphMs: median(graphTimes), oneLineMs: oneLine, indexOnlyMs: indexOnly, pathMovedMs: moved,
}, null, 2));
rmSync(work, { recursive: true, force: true });
