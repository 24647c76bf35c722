// Whole fleets for workspace-level fuzzing (test/unit/fuzz-fleet.test.ts): folders 1 to 4 deep,
// Flux Kustomizations whose spec.path points among them (or at "./", "../", "", folders that do
// not exist, each other's folders), kustomization.yaml files whose resources loop, parent patches
// nested inside patches, sources and plain objects; every field the apply graph reads sometimes
// holds a value of the wrong type (number, map, list, null, Go templates, ${VAR}).
//
// A fleet is generated as a small model (folders and files are referred to by index, so they
// shrink well) and rendered to files; a shrunk counterexample prints as the files themselves.
import fc from 'fast-check';

/** Inline YAML, written after `key: ` as is (already quoted where it needs to be). */
type Tok = string;

/** Values of the wrong type, as templates, typos and half-finished edits write them. */
export const WRONG: readonly Tok[] = [
  '7', '0', '1.5', 'true', 'null', '~', '""', "''", '{a: 1}', '{}', '[a, b]', '[]', '[{a: 1}]',
  '{{ .fluxns }}', '"{{ .fluxns }}"', '${NS}', '"${NS}"', '"${NS:=apps}"', '!!str 12', '*nope',
];

/** Mostly `good`, sometimes a value of the wrong type. */
const maybeWrong = (good: fc.Arbitrary<Tok>, wrongWeight = 1): fc.Arbitrary<Tok> =>
  fc.oneof({ weight: 4, arbitrary: good }, { weight: wrongWeight, arbitrary: fc.constantFrom(...WRONG) });
/** Present `present` times in `present + absent` (shrinks to absent). */
const optional = <T>(arb: fc.Arbitrary<T>, present = 1, absent = 1): fc.Arbitrary<T | undefined> =>
  fc.oneof({ withCrossShrink: true }, { weight: absent, arbitrary: fc.constant(undefined) }, { weight: present, arbitrary: arb });

/** Few names, so that references, selectors and sources meet each other often. */
const LONG_NAME = `${'a'.repeat(32)}-x`;
const nameTok = maybeWrong(fc.constantFrom('flux-system', 'apps', 'infra', 'fleet', 'child', 'k0', 'k1', LONG_NAME));
const namespaceTok = maybeWrong(fc.constantFrom('flux-system', 'apps', 'default', 'team-a', '"flux-system"'), 1);
const labelsTok = maybeWrong(fc.constantFrom('{tier: child}', '{tier: parent}', '{tier: child, app: x}', '{tier: 7}', '{"tier": child}'));
const intervalTok = maybeWrong(fc.constantFrom('10m', '1m0s', '"5m"', '1h'));
const sourceKindTok = maybeWrong(fc.constantFrom('GitRepository', 'GitRepository', 'OCIRepository', 'Bucket', 'gitrepository'));
const sourceNameTok = maybeWrong(fc.constantFrom('flux-system', 'flux-system', 'fleet', 'other', 'podinfo'));
const postBuildTok = maybeWrong(fc.constantFrom(
  '{substitute: {NS: apps}}', '{substitute: {}}', '{substituteFrom: [{kind: ConfigMap, name: vars}]}', '{substitute: {NS: 7}}', '{substitute: [a]}',
));
/**
 * Patch selectors: literal values and the anchored regular expressions kustomize allows, with
 * patterns that backtrack exponentially in JavaScript's engine (`(a+)+` against the long name:
 * they hung the apply graph, see fuzz-fleet-counterexamples.test.ts).
 */
const selectorValue = fc.constantFrom('Kustomization', 'ConfigMap', 'apps', 'child', '.*', 'app.*', '(apps|infra)', '"["', 'k[0-9]', 'a+', '(a+)+', '(a|aa)+');
const labelSelectorTok = maybeWrong(fc.constantFrom('tier=child', 'tier in (child, parent)', 'tier!=parent', '!tier', 'tier', '""', 'tier notin (child)'));

/** A folder by index: 0 is the fleet's root, others wrap around the fleet's folder list. */
export type FluxPath = { folder: number; style: number } | { own: number } | { lit: Tok };
const FLUX_PATH_LITERALS: readonly Tok[] = [
  './', '""', '.', '../', './..', '../..', '../../..', './nope', './apps/../..', '"${CLUSTER_PATH}"', './clusters/${CLUSTER}', '/',
];
const fluxPathArb: fc.Arbitrary<FluxPath> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ folder: fc.nat(8), style: fc.nat(4) }) },
  { weight: 2, arbitrary: fc.record({ own: fc.nat(4) }) },
  { weight: 3, arbitrary: fc.record({ lit: fc.constantFrom(...FLUX_PATH_LITERALS) }) },
  { weight: 1, arbitrary: fc.record({ lit: fc.constantFrom(...WRONG) }) },
);

/** A kustomization.yaml entry: a folder or a file of the fleet (written relative), or a literal. */
export type Entry = { folder: number; style: number } | { file: number; style: number } | { lit: Tok };
const ENTRY_LITERALS: readonly Tok[] = ['./', '.', '../', '""', 'nope', './nope.yaml', 'https://github.com/example/fleet//apps?ref=main', 'github.com/example/fleet/apps', '/abs'];
const entryArb: fc.Arbitrary<Entry> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ folder: fc.nat(8), style: fc.nat(2) }) },
  { weight: 3, arbitrary: fc.record({ file: fc.nat(12), style: fc.nat(1) }) },
  { weight: 2, arbitrary: fc.record({ lit: fc.constantFrom(...ENTRY_LITERALS) }) },
  { weight: 1, arbitrary: fc.record({ lit: fc.constantFrom(...WRONG) }) },
);

export interface SourceRefSpec { kind?: Tok; name?: Tok; namespace?: Tok }
export interface TargetSpec { group?: Tok; kind?: Tok; name?: Tok; namespace?: Tok; labelSelector?: Tok }
export type JsonOp = { op: Tok; path: Tok; value?: Tok };
export type Body =
  | { ks: KsSpec }
  | { ops: JsonOp[] }
  | { cm: { name?: Tok; namespace?: Tok } }
  | { text: string }
  | { notString: Tok };
export interface PatchSpec { target?: TargetSpec | { raw: Tok }; body: Body }

export interface KsSpec {
  apiVersion?: Tok;
  name?: Tok;
  namespace?: Tok;
  labels?: Tok;
  interval?: Tok;
  prune?: Tok;
  path?: FluxPath;
  sourceRef?: SourceRefSpec | { raw: Tok };
  targetNamespace?: Tok;
  postBuild?: Tok;
  patches?: PatchSpec[] | { raw: Tok };
}

export interface KzSpec {
  apiVersion?: Tok;
  namespace?: Tok;
  resources?: Entry[] | { raw: Tok };
  patches?: ({ path: Entry; target?: TargetSpec } | { inline: Body; target?: TargetSpec })[] | { raw: Tok };
  patchesStrategicMerge?: Entry[];
}

export type Doc =
  | { t: 'ks'; ks: KsSpec }
  | { t: 'source'; kind: 'GitRepository' | 'OCIRepository'; apiVersion: Tok; name?: Tok; namespace?: Tok; url?: Tok }
  | { t: 'cm'; name?: Tok; namespace?: Tok; value: Tok }
  | { t: 'namespace'; name: Tok }
  | { t: 'kz'; kz: KzSpec }
  | { t: 'junk'; text: string };

const JUNK: readonly string[] = [
  'metadata: {name: x\n', ': :\n', 'kind: Kustomization\nmetadata:\n  name: no-api-version\n', '', 'just a string\n', '- a\n- b\n',
  'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nspec: [1, 2]\n', 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: 7\nspec: ~\n',
  'a: &x [*x]\n', 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nspec:\n  path: ./\n  path: ../\n',
];

const targetArb: fc.Arbitrary<TargetSpec> = fc.record({
  group: optional(maybeWrong(fc.constantFrom('kustomize.toolkit.fluxcd.io', '""', 'kustomize.*')), 2),
  kind: optional(maybeWrong(selectorValue), 1, 3),
  name: optional(maybeWrong(selectorValue), 2),
  namespace: optional(maybeWrong(fc.constantFrom('flux-system', 'apps', '.*')), 2),
  labelSelector: optional(labelSelectorTok, 1),
});

const jsonOpArb: fc.Arbitrary<JsonOp> = fc.record({
  op: maybeWrong(fc.constantFrom('replace', 'add', 'remove', 'copy')),
  path: maybeWrong(fc.constantFrom('/spec/path', '/spec/targetNamespace', '/spec/sourceRef', '/spec/sourceRef/name', '/spec/postBuild', '/spec', '/metadata/namespace', '/spec/patches/-')),
  value: optional(fc.constantFrom('./apps', '""', 'apps', '{kind: GitRepository, name: other}', '{substitute: {NS: x}}', '{path: ./, targetNamespace: apps}', ...WRONG), 3),
});

/** A Flux Kustomization; inside a patch body (depth > 0) it may itself carry patches, to depth 2. */
function ksArb(depth: number): fc.Arbitrary<KsSpec> {
  const patches: fc.Arbitrary<KsSpec['patches']> = depth >= 2
    ? fc.constant(undefined)
    : optional(fc.oneof(
      { weight: 5, arbitrary: fc.array(patchArb(depth + 1), { minLength: 1, maxLength: 3 }) },
      { weight: 1, arbitrary: fc.record({ raw: fc.constantFrom(...WRONG) }) },
    ), depth === 0 ? 2 : 1);
  return fc.record({
    apiVersion: depth === 0
      ? fc.oneof({ weight: 8, arbitrary: fc.constant('kustomize.toolkit.fluxcd.io/v1') }, { weight: 1, arbitrary: fc.constantFrom('kustomize.toolkit.fluxcd.io/v1beta2', 'kustomize.toolkit.fluxcd.io/v9', '7') })
      : optional(fc.constantFrom('kustomize.toolkit.fluxcd.io/v1', 'kustomize.toolkit.fluxcd.io/v1beta2'), 1),
    name: depth === 0 ? optional(nameTok, 11) : optional(nameTok, 1),
    namespace: optional(namespaceTok, 2),
    labels: optional(labelsTok, 1),
    interval: depth === 0 ? optional(intervalTok, 5) : optional(intervalTok, 1),
    prune: depth === 0 ? optional(maybeWrong(fc.constant('true')), 5) : optional(fc.constant('true'), 1),
    path: depth === 0 ? optional(fluxPathArb, 7) : optional(fluxPathArb, 1),
    sourceRef: optional(fc.oneof(
      { weight: 6, arbitrary: fc.record({ kind: optional(sourceKindTok, 5), name: optional(sourceNameTok, 9), namespace: optional(maybeWrong(fc.constantFrom('flux-system', 'apps')), 1) }) },
      { weight: 1, arbitrary: fc.record({ raw: fc.constantFrom(...WRONG) }) },
    ), depth === 0 ? 10 : 2),
    targetNamespace: optional(maybeWrong(fc.constantFrom('apps', 'flux-system', 'team-a', '"${NS}"')), 1),
    postBuild: optional(postBuildTok, 1),
    patches,
  });
}

function patchArb(depth: number): fc.Arbitrary<PatchSpec> {
  return fc.record({
    target: optional(fc.oneof({ weight: 6, arbitrary: targetArb }, { weight: 1, arbitrary: fc.record({ raw: fc.constantFrom(...WRONG) }) }), 3),
    body: bodyArb(depth),
  });
}

function bodyArb(depth: number): fc.Arbitrary<Body> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.record({ ks: ksArb(depth) }) },
    { weight: 2, arbitrary: fc.record({ ops: fc.array(jsonOpArb, { minLength: 1, maxLength: 3 }) }) },
    { weight: 1, arbitrary: fc.record({ cm: fc.record({ name: optional(nameTok), namespace: optional(namespaceTok) }) }) },
    { weight: 1, arbitrary: fc.record({ text: fc.constantFrom(...JUNK) }) },
    { weight: 1, arbitrary: fc.record({ notString: fc.constantFrom('{a: 1}', '[a]', '7', 'null') }) },
  );
}

const kzArb: fc.Arbitrary<KzSpec> = fc.record({
  apiVersion: optional(fc.oneof({ weight: 6, arbitrary: fc.constant('kustomize.config.k8s.io/v1beta1') }, { weight: 1, arbitrary: fc.constantFrom('kustomize.config.k8s.io/v1alpha1', 'v1', '7') }), 3),
  namespace: optional(namespaceTok, 1, 3),
  resources: optional(fc.oneof(
    { weight: 8, arbitrary: fc.array(entryArb, { maxLength: 5 }) },
    { weight: 1, arbitrary: fc.record({ raw: fc.constantFrom(...WRONG) }) },
  ), 7),
  patches: optional(fc.oneof(
    {
      weight: 6,
      arbitrary: fc.array(fc.oneof(
        fc.record({ path: entryArb, target: optional(targetArb) }),
        fc.record({ inline: bodyArb(1), target: optional(targetArb) }),
      ), { minLength: 1, maxLength: 3 }),
    },
    { weight: 1, arbitrary: fc.record({ raw: fc.constantFrom(...WRONG) }) },
  ), 1, 3),
  patchesStrategicMerge: optional(fc.array(entryArb, { minLength: 1, maxLength: 2 }), 1, 3),
});

const docArb: fc.Arbitrary<Doc> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ t: fc.constant('ks' as const), ks: ksArb(0) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('source' as const),
      kind: fc.constantFrom('GitRepository' as const, 'GitRepository' as const, 'OCIRepository' as const),
      apiVersion: fc.constantFrom('source.toolkit.fluxcd.io/v1', 'source.toolkit.fluxcd.io/v1', 'source.toolkit.fluxcd.io/v1beta2'),
      name: optional(maybeWrong(fc.constantFrom('flux-system', 'flux-system', 'fleet', 'other', 'podinfo')), 9),
      namespace: optional(namespaceTok, 2),
      url: optional(maybeWrong(fc.constantFrom('https://github.com/example/fleet.git', 'ssh://git@github.com/example/fleet', 'https://github.com/example/other.git', 'oci://ghcr.io/example/manifests')), 7),
    }),
  },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('cm' as const), name: optional(nameTok, 7), namespace: optional(namespaceTok, 1), value: fc.constantFrom('x', '"${NS}"', '${NS}', '7', '{a: 1}') }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('namespace' as const), name: maybeWrong(fc.constantFrom('apps', 'team-a')) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('kz' as const), kz: kzArb }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('junk' as const), text: fc.constantFrom(...JUNK) }) },
);

const SEGMENTS = ['apps', 'base', 'clusters', 'prod', 'infra', 'a', 'b'] as const;
const folderArb = fc.array(fc.constantFrom(...SEGMENTS), { minLength: 1, maxLength: 4 }).map((s) => s.join('/'));
const MANIFEST_NAMES = ['ks.yaml', 'sync.yaml', 'apps.yaml', 'cm.yaml', 'source.yaml', 'patch.yaml', 'gotk-sync.yaml', 'release.yml'] as const;

export interface FileSpec { folder: number; name: string; docs: Doc[] }
export interface KustomizeFileSpec { folder: number; yml: boolean; kz: KzSpec; extra: Doc[] }

export interface FleetModel {
  folders: string[];
  manifests: FileSpec[];
  kustomizeFiles: KustomizeFileSpec[];
  /** No Git repository, a repository without remotes, or one whose origin is the fleet's URL. */
  git: 'none' | 'repository' | 'remote';
}

export const fleetModelArb: fc.Arbitrary<FleetModel> = fc.record({
  folders: fc.uniqueArray(folderArb, { minLength: 1, maxLength: 6 }),
  manifests: fc.array(fc.record({ folder: fc.nat(8), name: fc.constantFrom(...MANIFEST_NAMES), docs: fc.array(docArb, { minLength: 1, maxLength: 3 }) }), { minLength: 1, maxLength: 8 }),
  kustomizeFiles: fc.array(fc.record({ folder: fc.nat(8), yml: fc.boolean(), kz: kzArb, extra: fc.oneof({ weight: 8, arbitrary: fc.constant([] as Doc[]) }, { weight: 1, arbitrary: fc.array(docArb, { minLength: 1, maxLength: 1 }) }) }), { maxLength: 4 }),
  git: fc.constantFrom('none' as const, 'repository' as const, 'remote' as const),
});

/** A rendered fleet: its files (paths relative to its root, `/`-separated) and its Git setup. */
export interface Fleet {
  model: FleetModel;
  /** Every folder of the fleet ('' is the root), including those without files. */
  folders: string[];
  files: Record<string, string>;
  git: FleetModel['git'];
  /** The fleet as files, for counterexamples. */
  [fc.toStringMethod](): string;
  toString(): string;
}

export const FLEET_REMOTE = 'https://github.com/example/fleet.git';

/** The fleet printed as its files, one after another (what a counterexample shows). */
export function printFleet(fleet: Pick<Fleet, 'files' | 'git' | 'folders'>): string {
  const out = [`fleet (${Object.keys(fleet.files).length} files; git: ${fleet.git}; folders: ${fleet.folders.map((f) => f || '.').join(', ')})`];
  for (const [path, text] of Object.entries(fleet.files)) out.push(`=== ${path}`, text === '' ? '(empty file)' : text.endsWith('\n') ? text.slice(0, -1) : `${text}\n(no newline at end)`);
  return out.join('\n');
}

/**
 * Reads a fleet back from what printFleet wrote (a counterexample pasted into a fixture):
 * the header line, then `=== path` before each file's text.
 */
export function parseFleet(text: string): Pick<Fleet, 'files' | 'git' | 'folders'> {
  const lines = text.replace(/\n$/, '').split('\n');
  const header = lines[0].match(/^fleet \(\d+ files?; git: (none|repository|remote); folders: (.*)\)$/);
  if (!header) throw new Error(`not a printed fleet: ${lines[0]}`);
  const files: Record<string, string> = {};
  let current: string | undefined;
  let body: string[] = [];
  const flush = () => {
    if (current === undefined) return;
    const noNewline = body[body.length - 1] === '(no newline at end)';
    if (noNewline) body.pop();
    files[current] = body.length === 1 && body[0] === '(empty file)' ? '' : body.join('\n') + (noNewline ? '' : '\n');
  };
  for (const line of lines.slice(1)) {
    if (line.startsWith('=== ')) {
      flush();
      current = line.slice(4);
      body = [];
    } else body.push(line);
  }
  flush();
  return { git: header[1] as Fleet['git'], folders: header[2].split(', ').map((f) => (f === '.' ? '' : f)), files };
}

export const fleetArb: fc.Arbitrary<Fleet> = fleetModelArb.map(renderFleet);

/** Renders a model: files placed in their folders (a second file of the same name gets a suffix). */
export function renderFleet(model: FleetModel): Fleet {
  const folders = ['', ...model.folders];
  const folderAt = (i: number) => folders[i % folders.length];
  const join = (folder: string, name: string) => (folder ? `${folder}/${name}` : name);
  const taken = new Set<string>();
  const place = (folder: string, name: string) => {
    let path = join(folder, name);
    for (let n = 2; taken.has(path); n++) path = join(folder, name.replace(/(\.ya?ml)$/, `-${n}$1`));
    taken.add(path);
    return path;
  };
  // Paths first (entries refer to files by index), then texts.
  const manifestPaths = model.manifests.map((f) => place(folderAt(f.folder), f.name));
  const kustomizePaths = model.kustomizeFiles.map((f) => place(folderAt(f.folder), f.yml ? 'kustomization.yml' : 'kustomization.yaml'));
  const allPaths = [...manifestPaths, ...kustomizePaths];
  const files: Record<string, string> = {};
  const contextIn = (path: string): RenderContext => ({ folderAt, fileAt: (i) => allPaths[i % allPaths.length], own: folderOfPath(path) });
  model.manifests.forEach((f, i) => {
    const ctx = contextIn(manifestPaths[i]);
    files[manifestPaths[i]] = f.docs.map((d) => renderDoc(d, ctx)).join('---\n');
  });
  model.kustomizeFiles.forEach((f, i) => {
    const ctx = contextIn(kustomizePaths[i]);
    files[kustomizePaths[i]] = [renderKz(f.kz, ctx), ...f.extra.map((d) => renderDoc(d, ctx))].join('---\n');
  });
  const sorted: Record<string, string> = {};
  for (const path of Object.keys(files).sort()) sorted[path] = files[path];
  const fleet: Fleet = {
    model,
    folders,
    files: sorted,
    git: model.git,
    [fc.toStringMethod]() { return printFleet(fleet); },
    toString() { return printFleet(fleet); },
  };
  return fleet;
}

interface RenderContext {
  folderAt(i: number): string;
  fileAt(i: number): string;
  /** The folder of the file being written. */
  own: string;
}

const folderOfPath = (path: string) => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '');

/** `to` relative to the folder `from` (both relative to the fleet's root). */
function relativeTo(from: string, to: string): string {
  const a = from ? from.split('/') : [];
  const b = to ? to.split('/') : [];
  let common = 0;
  while (common < a.length && common < b.length && a[common] === b[common]) common++;
  return [...a.slice(common).map(() => '..'), ...b.slice(common)].join('/');
}

/** spec.path as written: a folder of the fleet (from its root), the file's own folder (what bootstrap writes), or a literal. */
function fluxPathText(path: FluxPath, ctx: RenderContext): Tok {
  if ('lit' in path) return path.lit;
  const folder = 'own' in path ? ctx.own : ctx.folderAt(path.folder);
  const style = 'own' in path ? path.own : path.style;
  if (!folder) return ['./', '""', '.', '/', '"./"'][style % 5];
  return [`./${folder}`, folder, `/${folder}`, `./${folder}/`, `"./${folder}"`][style % 5];
}

function entryText(entry: Entry, ctx: RenderContext): Tok {
  const { own } = ctx;
  if ('lit' in entry) return entry.lit;
  if ('folder' in entry) {
    const rel = relativeTo(own, ctx.folderAt(entry.folder));
    if (!rel) return ['./', '.', '../' + own.split('/').pop()][entry.style % 3] || './';
    return [rel, rel.startsWith('..') ? rel : `./${rel}`, `${rel}/`][entry.style % 3];
  }
  const rel = relativeTo(own, ctx.fileAt(entry.file));
  return entry.style % 2 === 0 || rel.startsWith('..') ? rel : `./${rel}`;
}

const indent = (lines: readonly string[], by: number) => lines.map((l) => (l ? ' '.repeat(by) + l : l));
/** `key: value` when the value is given. */
const field = (key: string, value: Tok | undefined): string[] => (value === undefined ? [] : [`${key}: ${value}`]);

function targetLines(target: TargetSpec | { raw: Tok }): string[] {
  if ('raw' in target) return [`target: ${target.raw}`];
  const inner = [
    ...field('group', target.group), ...field('kind', target.kind), ...field('name', target.name),
    ...field('namespace', target.namespace), ...field('labelSelector', target.labelSelector),
  ];
  return inner.length ? ['target:', ...indent(inner, 2)] : ['target: {}'];
}

/** A patch body as text (what goes in a `patch: |` block). */
function bodyText(body: Body, ctx: RenderContext): string {
  if ('ks' in body) return ksLines(body.ks, ctx, true).join('\n') + '\n';
  if ('ops' in body) return body.ops.map((op) => ['- ' + `op: ${op.op}`, ...indent([...field('path', op.path), ...field('value', op.value)], 2)].join('\n')).join('\n') + '\n';
  if ('cm' in body) return ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', ...indent([...field('name', body.cm.name), ...field('namespace', body.cm.namespace)], 1), 'data:', '  key: patched'].join('\n') + '\n';
  if ('text' in body) return body.text;
  return '';
}

/** `patch: |` with the body indented under it (or a value that is not a string). */
function patchFieldLines(body: Body, ctx: RenderContext): string[] {
  if ('notString' in body) return [`patch: ${body.notString}`];
  const text = bodyText(body, ctx);
  const lines = text.replace(/\n$/, '').split('\n');
  // A block scalar whose first line is indented or empty needs an indentation indicator.
  if (text.trim() === '') return ['patch: ""'];
  return [lines[0].startsWith(' ') ? 'patch: |2' : 'patch: |', ...indent(lines, 2)];
}

function patchListLines(patches: KsSpec['patches'], ctx: RenderContext): string[] {
  if (patches === undefined) return [];
  if ('raw' in patches) return [`patches: ${patches.raw}`];
  const items = patches.map((p) => {
    const lines = [...patchFieldLines(p.body, ctx), ...(p.target ? targetLines(p.target) : [])];
    return ['- ' + lines[0], ...indent(lines.slice(1), 2)];
  });
  return ['patches:', ...indent(items.flat(), 2)];
}

function ksLines(ks: KsSpec, ctx: RenderContext, asPatch = false): string[] {
  const metadata = [...field('name', ks.name), ...field('namespace', ks.namespace), ...field('labels', ks.labels)];
  const sourceRef = ks.sourceRef === undefined ? [] : 'raw' in ks.sourceRef ? [`sourceRef: ${ks.sourceRef.raw}`]
    : ['sourceRef:', ...indent([...field('kind', ks.sourceRef.kind), ...field('name', ks.sourceRef.name), ...field('namespace', ks.sourceRef.namespace)], 2)];
  const spec = [
    ...field('interval', ks.interval), ...field('prune', ks.prune),
    ...(ks.path ? [`path: ${fluxPathText(ks.path, ctx)}`] : []),
    ...(sourceRef.length === 1 && sourceRef[0] === 'sourceRef:' ? ['sourceRef: {}'] : sourceRef),
    ...field('targetNamespace', ks.targetNamespace), ...field('postBuild', ks.postBuild),
    ...patchListLines(ks.patches, ctx),
  ];
  return [
    ...(ks.apiVersion !== undefined ? [`apiVersion: ${ks.apiVersion}`] : []),
    ...(asPatch && ks.apiVersion === undefined ? [] : ['kind: Kustomization']),
    ...(metadata.length ? ['metadata:', ...indent(metadata, 2)] : asPatch ? [] : ['metadata: {}']),
    ...(spec.length ? ['spec:', ...indent(spec, 2)] : asPatch ? [] : ['spec: {}']),
  ];
}

function renderKz(kz: KzSpec, ctx: RenderContext): string {
  const list = (key: string, entries: Entry[] | { raw: Tok } | undefined): string[] => {
    if (entries === undefined) return [];
    if ('raw' in entries) return [`${key}: ${entries.raw}`];
    return entries.length ? [`${key}:`, ...entries.map((e) => `  - ${entryText(e, ctx)}`)] : [`${key}: []`];
  };
  const patches = kz.patches === undefined ? [] : 'raw' in kz.patches ? [`patches: ${kz.patches.raw}`] : ['patches:', ...indent(kz.patches.flatMap((p) => {
    const lines = 'path' in p ? [`path: ${entryText(p.path, ctx)}`] : patchFieldLines(p.inline, ctx);
    if (p.target) lines.push(...targetLines(p.target));
    return ['- ' + lines[0], ...indent(lines.slice(1), 2)];
  }), 2)];
  const lines = [
    ...field('apiVersion', kz.apiVersion), 'kind: Kustomization', ...field('namespace', kz.namespace),
    ...list('resources', kz.resources), ...patches, ...list('patchesStrategicMerge', kz.patchesStrategicMerge),
  ];
  return lines.join('\n') + '\n';
}

function renderDoc(doc: Doc, ctx: RenderContext): string {
  switch (doc.t) {
    case 'ks':
      return ksLines(doc.ks, ctx).join('\n') + '\n';
    case 'source': {
      const metadata = [...field('name', doc.name), ...field('namespace', doc.namespace)];
      const ref = doc.kind === 'OCIRepository' ? ['ref:', '  tag: latest'] : ['ref:', '  branch: main'];
      return [`apiVersion: ${doc.apiVersion}`, `kind: ${doc.kind}`, ...(metadata.length ? ['metadata:', ...indent(metadata, 2)] : []),
        'spec:', ...indent(['interval: 1m', ...field('url', doc.url), ...ref], 2)].join('\n') + '\n';
    }
    case 'cm': {
      const metadata = [...field('name', doc.name), ...field('namespace', doc.namespace)];
      return ['apiVersion: v1', 'kind: ConfigMap', ...(metadata.length ? ['metadata:', ...indent(metadata, 2)] : []), 'data:', `  value: ${doc.value}`].join('\n') + '\n';
    }
    case 'namespace':
      return ['apiVersion: v1', 'kind: Namespace', 'metadata:', `  name: ${doc.name}`].join('\n') + '\n';
    case 'kz':
      return renderKz(doc.kz, ctx);
    case 'junk':
      return doc.text;
  }
}

/** Counts for reports: files, YAML documents, Flux Kustomizations and kustomization.yaml resource entries. */
export function fleetSize(fleet: Fleet): { files: number; documents: number; kustomizations: number; entries: number; folders: number } {
  const docs = [...fleet.model.manifests.flatMap((f) => f.docs), ...fleet.model.kustomizeFiles.flatMap((f) => f.extra)];
  const kzs = [...fleet.model.kustomizeFiles.map((f) => f.kz), ...docs.flatMap((d) => (d.t === 'kz' ? [d.kz] : []))];
  const entries = kzs.reduce((n, kz) => n + (Array.isArray(kz.resources) ? kz.resources.length : 0), -1);
  return {
    files: Object.keys(fleet.files).length,
    documents: docs.length + fleet.model.kustomizeFiles.length,
    kustomizations: docs.filter((d) => d.t === 'ks').length,
    entries,
    folders: fleet.folders.length,
  };
}
