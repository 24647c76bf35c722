// The Flux apply graph: which Flux Kustomization applies which document of the workspace.
// spec.sourceRef → source → spec.path (relative to the source's root: the workspace's root when
// the source is the repository being edited) → kustomization.yaml resources, recursively (or
// every manifest under the folder when it has none) → documents; with the Kustomization's
// spec.patches, targetNamespace and postBuild substitution, and each kustomization.yaml's
// namespace and patches on the way.
//
// Kept current from the workspace index: each file's graph facts are cached on its parsed
// documents, and the graph is rebuilt (lazily, on the next question) only when a file is added
// or removed or the facts of one change. An edit inside a value no fact reads costs a lookup.
import type { PlacedDocument } from './documents';
import type { WorkspaceIndex } from './workspaceIndex';
import {
  documentGraphFacts, graphFactsKey, isKustomizeFileUri, kustomizeFileFacts, stringMap, KUSTOMIZE_FILE_NAMES,
  type DocumentGraphFacts, type FluxKustomizationFacts, type KustomizeFileFacts, type PatchFacts, type SourceFacts,
} from './applyFacts';
import { patchApplies, patchSupplies, patchedValue, type PatchSubject } from './applyPatches';
import { findPair, scalarString } from './fluxObjects';
import { relativeTo } from './artifacts/paths';
import type { ArtifactMapEntry } from './artifacts/types';
import { applyGraphBudget, BudgetExhausted, WorkBudget, type WorkShortfall } from './workBudget';
import { anchorRoots, placeSource, type PlacementContext } from './sourcePlacement';
import {
  folderOf, joinKey, keyOf, normalizeSourcePath, parentFolder,
  type Applier, type FolderProbe, type FolderState, type WorkspaceRoot,
} from './graphModel';

// The graph's vocabulary lives in graphModel.ts; where sources are placed, in sourcePlacement.ts.
export { keyOf, normalizeSourcePath } from './graphModel';
export type { Applier, FolderProbe, FolderState, SourceRelation, WorkspaceRoot } from './graphModel';

/** One way a file is applied: by which Kustomization, through which kustomization.yaml files. */
export interface Application {
  by: Applier;
  /** The `namespace:` of the kustomization.yaml files on the way (the outermost wins). */
  kustomizeNamespace?: string;
  /** Patches of kustomization.yaml files on the way (they apply to this file's objects). */
  kustomizePatches: readonly ResolvedPatch[];
}

export interface ResolvedPatch {
  facts: PatchFacts;
  /** The parsed patch (the file's content for patches that name a file). */
  body: unknown;
}

interface FileEntry {
  /** The file's URI as the index knows it (map keys are decoded URIs, see keyOf). */
  uri: string;
  /** The graph facts of each document, by position. */
  facts: DocumentGraphFacts[];
  kustomizeKey: string;
  kustomizations: { documentIndex: number; facts: FluxKustomizationFacts }[];
  sources: SourceFacts[];
  kustomize?: KustomizeFileFacts;
}

const EMPTY: readonly Application[] = [];


const KUSTOMIZE_GROUP = 'kustomize.toolkit.fluxcd.io';

/** Kinds that have no namespace (targetNamespace and kustomize's namespace leave them alone). */
const CLUSTER_SCOPED = new Set([
  'Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PersistentVolume', 'StorageClass',
  'PriorityClass', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'APIService', 'IngressClass',
  'RuntimeClass', 'CSIDriver', 'ClusterIssuer', 'ClusterPolicy', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding',
  'VolumeSnapshotClass', 'Node', 'PodSecurityPolicy', 'ClusterSecretStore',
]);

export class ApplyGraph {
  private roots: WorkspaceRoot[] = [];
  private probe: FolderProbe | undefined;
  private readonly entries = new Map<string, FileEntry>();
  /** Folder URI → files directly in it. */
  private readonly filesIn = new Map<string, Set<string>>();
  /** Folder URI → its sub-folders that hold files (directly or below). */
  private readonly foldersIn = new Map<string, Set<string>>();
  private dirty = true;
  private applications = new Map<string, Application[]>();
  private appliers: Applier[] = [];
  private lastPatched = new Map<string, FluxKustomizationFacts>();
  private readonly probeCache = new Map<string, FolderState | undefined>();
  /** Incremented whenever the graph may have changed; results cached against it stay valid until then. */
  version = 0;
  private readonly unsubscribe: () => void;

  constructor(private readonly index: WorkspaceIndex) {
    for (const uri of index.knownUris()) this.update(uri);
    this.unsubscribe = index.onDidChangeFile((uri) => this.update(uri));
    // Reference resolution asks the index for the namespace a document lives in when applied:
    // answer with the graph's.
    index.setNamespaceResolver((uri, documentIndex) => this.effectiveNamespace(uri, documentIndex));
  }

  dispose(): void {
    this.unsubscribe();
    this.index.setNamespaceResolver(undefined);
  }

  /** The roots paths are relative to, the probe that tells whether folders exist on disk, and the artifact map. */
  configure(roots: readonly WorkspaceRoot[], probe?: FolderProbe, artifacts?: readonly ArtifactMapEntry[]): void {
    this.roots = roots.map((r) => ({ ...r, uri: keyOf(r.uri) })).sort((a, b) => b.uri.length - a.uri.length);
    this.probe = probe;
    if (artifacts) {
      this.artifacts = artifacts.map((a) => ({ ...a, folder: keyOf(a.folder) }));
      this.artifactsKey = JSON.stringify(artifacts);
    }
    this.invalidate();
  }

  private artifacts: readonly ArtifactMapEntry[] = [];
  private artifactsKey = '[]';

  /** Which folder each OCI artifact is built from (see artifacts/); the graph is rebuilt only when it changed. */
  setArtifacts(artifacts: readonly ArtifactMapEntry[]): void {
    const key = JSON.stringify(artifacts);
    if (key === this.artifactsKey) return;
    this.artifactsKey = key;
    this.artifacts = artifacts.map((a) => ({ ...a, folder: keyOf(a.folder) }));
    this.invalidate();
  }

  get artifactMap(): readonly ArtifactMapEntry[] {
    return this.artifacts;
  }

  get workspaceRoots(): readonly WorkspaceRoot[] {
    return this.roots;
  }

  private invalidate(): void {
    // A build under way (see settle) reads a workspace that no longer is: start again.
    if (!this.running) this.building = undefined;
    if (!this.dirty) {
      this.dirty = true;
      // Rules of other files read the graph: let the index's cross-file version say it changed.
      this.index.structureVersion++;
    }
    this.probeCache.clear();
    this.version++;
  }

  private update(uri: string): void {
    // A file another thread parsed (the CLI's workers) is known by the facts it exported: the
    // graph reads the same facts from it.
    const file = this.index.file(uri);
    const key = keyOf(uri);
    const before = this.entries.get(key);
    if (!file && !this.index.isImported(uri)) {
      if (!before) return;
      this.entries.delete(key);
      this.removeMembership(key);
      this.invalidate();
      return;
    }
    // Each document's facts are cached on its parse; comparing them position by position (by
    // identity first) costs a lookup per document, so typing in a long file stays cheap.
    const docs = this.index.documentsIn(uri);
    const facts = docs.map((doc) => documentGraphFacts(doc.parsed));
    const kustomize = isKustomizeFileUri(uri) ? kustomizeFileFacts(file ? file.documents[0]?.parsed : docs[0]?.parsed) : undefined;
    const kustomizeKey = kustomize ? JSON.stringify(kustomize) : '';
    if (before && before.kustomizeKey === kustomizeKey && sameFacts(before.facts, facts)) {
      before.facts = facts;
      return;
    }
    const entry: FileEntry = { uri, facts, kustomizeKey, kustomizations: [], sources: [] };
    facts.forEach((f, i) => {
      if (f.kustomization) entry.kustomizations.push({ documentIndex: docs[i].documentIndex, facts: f.kustomization });
      if (f.source) entry.sources.push(f.source);
    });
    if (kustomize) entry.kustomize = kustomize;
    this.entries.set(key, entry);
    if (!before) this.addMembership(key);
    this.invalidate();
  }

  /** A folder's files and sub-folders in path order, kept until the workspace's files change. */
  private sortedChildren(folder: string): { files: readonly string[]; folders: readonly string[] } {
    let children = this.childrenInOrder.get(folder);
    if (!children) {
      children = { files: [...(this.filesIn.get(folder) ?? [])].sort(), folders: [...(this.foldersIn.get(folder) ?? [])].sort() };
      this.childrenInOrder.set(folder, children);
    }
    return children;
  }

  private readonly childrenInOrder = new Map<string, { files: readonly string[]; folders: readonly string[] }>();

  private addMembership(uri: string): void {
    this.childrenInOrder.clear();
    let folder = folderOf(uri);
    const files = this.filesIn.get(folder);
    if (files) files.add(uri);
    else this.filesIn.set(folder, new Set([uri]));
    for (let parent = parentFolder(folder); parent; folder = parent, parent = parentFolder(folder)) {
      const children = this.foldersIn.get(parent);
      if (children?.has(folder)) break;
      if (children) children.add(folder);
      else this.foldersIn.set(parent, new Set([folder]));
    }
  }

  private removeMembership(uri: string): void {
    this.childrenInOrder.clear();
    let folder = folderOf(uri);
    const files = this.filesIn.get(folder);
    files?.delete(uri);
    if (files && files.size === 0) this.filesIn.delete(folder);
    // Drop folders left with nothing in them, upwards.
    while (!this.filesIn.has(folder) && !this.foldersIn.get(folder)?.size) {
      this.foldersIn.delete(folder);
      const parent = parentFolder(folder);
      if (!parent) break;
      this.foldersIn.get(parent)?.delete(folder);
      folder = parent;
    }
  }

  /** Does the workspace hold files in this folder (directly or below)? Folders as keys (keyOf). */
  hasFolder(folder: string): boolean {
    return this.filesIn.has(folder) || (this.foldersIn.get(folder)?.size ?? 0) > 0;
  }

  /** Sub-folders of a folder that hold workspace files (directly or below). */
  subFolders(folder: string): readonly string[] {
    return [...(this.foldersIn.get(folder) ?? [])];
  }

  /** The root a file's paths are relative to: the configured root holding it. */
  rootFor(uri: string): WorkspaceRoot | undefined {
    const key = keyOf(uri);
    return this.roots.find((r) => key.startsWith(r.uri));
  }

  /** Whether a folder exists and holds manifests: the disk when a probe is configured, else the workspace files. */
  folderState(folder: string): FolderState | undefined {
    if (this.probeCache.has(folder)) return this.probeCache.get(folder);
    let state: FolderState | undefined;
    try {
      state = this.probe?.state(new URL(folder).href);
    } catch {
      state = undefined;
    }
    if (state === undefined && !this.probe) state = this.hasFolder(folder) ? 'manifests' : 'missing';
    this.probeCache.set(folder, state);
    return state;
  }

  /** The build in progress, a slice per step (see settle); undefined when none is. */
  private building: Generator<void, void, void> | undefined;
  /** True while a slice of the build runs: questions it asks itself read the round so far. */
  private running = false;
  /**
   * Set when the last build ran out of its work budget: the graph then holds what it had
   * reached, and no finding that depends on it can be trusted (see `judgesFully`).
   */
  shortfall: WorkShortfall | undefined;

  /** Runs one slice of the build (starting one if the graph is out of date); true when done. */
  private step(): boolean {
    if (!this.building) {
      if (!this.dirty) return true;
      this.dirty = false;
      this.building = this.rebuildSteps();
    }
    const building = this.building;
    this.running = true;
    let done = false;
    try {
      done = building.next().done === true;
    } catch (error) {
      this.building = undefined;
      throw error;
    } finally {
      this.running = false;
    }
    if (done && this.building === building) this.building = undefined;
    return done && !this.dirty;
  }

  private sync(): void {
    if (this.running) return;
    while (!this.step());
  }

  /**
   * Brings the graph up to date a slice at a time, calling `pause` between slices so a server
   * answers other requests meanwhile. The slices are counted in steps, so the graph built is the
   * same as `sync` would build; a question asked between two slices finishes the build at once.
   */
  async settle(pause: () => Promise<void>): Promise<void> {
    while (!this.running && !this.step()) await pause();
  }

  /** False when the graph stopped short of its work budget: what it says about files may be partial. */
  get judgesFully(): boolean {
    this.sync();
    return this.shortfall === undefined;
  }

  /** Every Flux Kustomization of the workspace with its source relation and folder. */
  allAppliers(): readonly Applier[] {
    this.sync();
    return this.appliers;
  }

  /** The Kustomization documents of a file, as appliers. */
  appliersIn(uri: string): readonly Applier[] {
    const all = this.allAppliers();
    // Grouped by file once per rebuild: asked for every file, a scan of all appliers each time
    // made checking a fleet quadratic.
    if (this.appliersByFile?.from !== all) {
      const byFile = new Map<string, Applier[]>();
      for (const a of all) {
        const key = keyOf(a.uri);
        const list = byFile.get(key);
        if (list) list.push(a);
        else byFile.set(key, [a]);
      }
      this.appliersByFile = { from: all, byFile };
    }
    return this.appliersByFile.byFile.get(keyOf(uri)) ?? [];
  }

  private appliersByFile: { from: readonly Applier[]; byFile: Map<string, Applier[]> } | undefined;

  /** Per file's list of appliers (rebuilt with the graph), its appliers by document index. */
  private readonly appliersByIndex = new WeakMap<readonly Applier[], Map<number, Applier>>();

  /**
   * The applier of one Kustomization document of a file, if it is one. Indexed once per rebuild:
   * asked for each document of a file that holds thousands of Kustomizations (lenses, the render
   * check on every publish), a scan each time was quadratic.
   */
  applierAt(uri: string, documentIndex: number): Applier | undefined {
    const inFile = this.appliersIn(uri);
    if (inFile.length === 0) return undefined;
    let byIndex = this.appliersByIndex.get(inFile);
    if (!byIndex) {
      byIndex = new Map(inFile.map((a) => [a.documentIndex, a]));
      this.appliersByIndex.set(inFile, byIndex);
    }
    return byIndex.get(documentIndex);
  }

  /** The ways a file's documents are applied (empty when no Kustomization of the workspace applies it). */
  applicationsOf(uri: string): readonly Application[] {
    this.sync();
    return this.applications.get(keyOf(uri)) ?? EMPTY;
  }

  /** Files applied by one Kustomization (their URIs as the index knows them). */
  filesAppliedBy(applier: Applier): string[] {
    this.sync();
    const out: string[] = [];
    for (const [key, apps] of this.applications) if (apps.some((a) => a.by === applier)) out.push(this.entries.get(key)?.uri ?? key);
    return out.sort();
  }

  private *rebuildSteps(): Generator<void, void, void> {
    const budget = new WorkBudget('the apply graph', applyGraphBudget(this.entries.size));
    this.shortfall = undefined;
    try {
      yield* this.rebuild(budget);
    } catch (error) {
      if (!(error instanceof BudgetExhausted)) throw error;
      this.shortfall = error.shortfall;
    }
  }

  private *rebuild(budget: WorkBudget): Generator<void, void, void> {
    // A file a kustomization.yaml names as a patch is not applied: its partial Kustomization or
    // source is a patch body, not an object of the cluster.
    const objects = [...this.entries.values()].filter((entry) => !this.index.isPatchFile(entry.uri));
    const sources = new Map<string, SourceFacts[]>();
    for (const entry of objects) {
      for (const s of entry.sources) {
        const key = `${s.kind}/${s.name}`;
        const list = sources.get(key);
        if (list) list.push(s);
        else sources.set(key, [s]);
      }
    }
    // Kustomizations are judged as applied too: a parent's patch may give a child its sourceRef,
    // path, targetNamespace or postBuild. Rebuild with those until nothing changes (a few rounds:
    // one per level of nesting that patches the next).
    // Start from the last build's patched facts: after an edit they are usually still right, so
    // one round confirms them.
    let patched = this.lastPatched;
    for (let round = 0; round < 6; round++) {
      budget.spend(objects.length);
      const placement = this.placementContext();
      const kustomizations = objects.flatMap((entry) => entry.kustomizations.map((k) => ({ uri: entry.uri, facts: patched.get(`${entry.uri}#${k.documentIndex}`) ?? k.facts })));
      budget.spend(kustomizations.length);
      const anchors = anchorRoots(placement, kustomizations);
      const appliers: Applier[] = [];
      for (const entry of objects) {
        for (const k of entry.kustomizations) {
          budget.spend();
          const facts = patched.get(`${entry.uri}#${k.documentIndex}`) ?? k.facts;
          appliers.push(this.applierOf(placement, entry.uri, k.documentIndex, facts, sources, anchors));
        }
      }
      appliers.sort((a, b) => (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : a.documentIndex - b.documentIndex));
      const applications = new Map<string, Application[]>();
      for (const applier of appliers) {
        if (!applier.folder) continue;
        budget.at = applier.uri;
        yield* this.walk(applier, applications, budget);
      }
      this.appliers = appliers;
      this.applications = applications;
      const next = new Map<string, FluxKustomizationFacts>();
      for (const entry of objects) {
        for (const k of entry.kustomizations) {
          budget.at = entry.uri;
          budget.spend(1 + this.applicationsOf(entry.uri).length);
          if (budget.shouldYield()) yield;
          const facts = this.patchedFacts(entry.uri, k.facts);
          if (facts) next.set(`${entry.uri}#${k.documentIndex}`, facts);
        }
      }
      const before = patched;
      const same = next.size === before.size && [...next].every(([key, f]) => JSON.stringify(before.get(key)) === JSON.stringify(f));
      patched = next;
      if (same) break;
    }
    this.lastPatched = patched;
  }

  /** What the source placement providers may ask of the graph (sourcePlacement.ts). */
  private placementContext(): PlacementContext {
    return {
      rootFor: (uri) => this.rootFor(uri),
      hasFolder: (folder) => this.hasFolder(folder),
      folderState: (folder) => this.folderState(folder),
      describeFolder: (folder) => this.describeFolder(folder),
      artifacts: this.artifacts,
    };
  }

  /** A Kustomization as an applier: where its source is (sourcePlacement.ts), and the folder its path names there. */
  private applierOf(placement: PlacementContext, uri: string, documentIndex: number, facts: FluxKustomizationFacts,
    sources: Map<string, SourceFacts[]>, anchors: Map<string, string | null>): Applier {
    const placed = placeSource(placement, { uri, facts }, sources, anchors);
    const applier: Applier = { uri, documentIndex, facts, relation: placed.relation, root: placed.root, sourceNote: placed.note };
    if (placed.artifact) {
      applier.artifact = placed.artifact;
      applier.artifactNote = placed.artifactNote;
      if (placed.sourceIgnore) applier.sourceIgnore = placed.sourceIgnore;
    }
    if (placed.relation !== 'other' && !facts.path.includes('${')) {
      const path = normalizeSourcePath(facts.path);
      applier.folder = path ? `${joinKey(placed.root.uri, path)}/` : placed.root.uri;
    }
    return applier;
  }

  /** A folder as a user reads it: relative to its workspace root (`./kubernetes`). */
  describeFolder(folder: string): string {
    const root = this.roots.find((r) => folder.startsWith(r.uri));
    return (root && relativeTo(root.uri, folder)) ?? folder;
  }

  private kustomizeFileIn(folder: string): { uri: string; facts: KustomizeFileFacts } | undefined {
    for (const name of KUSTOMIZE_FILE_NAMES) {
      const uri = folder + name;
      const facts = this.entries.get(uri)?.kustomize;
      if (facts) return { uri, facts };
    }
    return undefined;
  }

  private resolvePatches(kustomizeUri: string, patches: readonly PatchFacts[]): ResolvedPatch[] {
    const out: ResolvedPatch[] = [];
    for (const facts of patches) {
      if (facts.body !== undefined) out.push({ facts, body: facts.body });
      else if (facts.file !== undefined) {
        const target = resolveEntry(kustomizeUri, facts.file);
        const entry = target ? this.entries.get(target) : undefined;
        const doc = entry ? this.index.file(entry.uri)?.documents[0] : undefined;
        const plain = doc?.parsed.plainValue;
        if (plain?.ok) out.push({ facts, body: plain.value });
      }
    }
    return out;
  }

  /**
   * Records what an applier applies: its folder's kustomization.yaml resources, recursively (or
   * every file under the folder when it has none). Iterative, in the order kustomize lists them,
   * and each folder visited once, so folders that include each other end the walk.
   */
  private *walk(applier: Applier, out: Map<string, Application[]>, budget: WorkBudget): Generator<void, void, void> {
    type Item = { folder: string; file?: undefined; namespace: string | undefined; patches: readonly ResolvedPatch[] }
      | { file: string; folder?: undefined; namespace: string | undefined; patches: readonly ResolvedPatch[] };
    // The first way this applier reaches a file wins (a set, not a scan of the file's list:
    // with many appliers per file the scan made the walk cubic).
    const added = new Set<string>();
    const add = (uri: string, ns: string | undefined, ps: readonly ResolvedPatch[]) => {
      if (added.has(uri)) return;
      added.add(uri);
      const application: Application = { by: applier, kustomizePatches: ps };
      if (ns !== undefined) application.kustomizeNamespace = ns;
      const list = out.get(uri);
      if (!list) out.set(uri, [application]);
      else list.push(application);
    };
    const seen = new Set<string>();
    const stack: Item[] = [{ folder: applier.folder!, namespace: undefined, patches: [] }];
    while (stack.length) {
      const item = stack.pop()!;
      budget.spend();
      if (budget.shouldYield()) yield;
      if (item.file !== undefined) {
        add(item.file, item.namespace, item.patches);
        continue;
      }
      const { folder, namespace, patches } = item;
      if (seen.has(folder)) continue;
      seen.add(folder);
      const next: Item[] = [];
      const kustomize = this.kustomizeFileIn(folder);
      if (kustomize) {
        // Outer kustomizations transform what inner ones produce: the outermost namespace wins.
        const ns = namespace ?? kustomize.facts.namespace;
        const ps = kustomize.facts.patches.length ? [...patches, ...this.resolvePatches(kustomize.uri, kustomize.facts.patches)] : patches;
        for (const entry of kustomize.facts.resources) {
          const target = resolveEntry(kustomize.uri, entry);
          if (!target) continue;
          if (this.entries.has(target) && !isKustomizeFileUri(target)) next.push({ file: target, namespace: ns, patches: ps });
          else {
            const sub = target.endsWith('/') ? target : `${target}/`;
            if (this.hasFolder(sub)) next.push({ folder: sub, namespace: ns, patches: ps });
          }
        }
      } else {
        // No kustomization.yaml: Flux generates one with every manifest under the folder. In path
        // order: the first way that reaches a file wins, so the order files were added (the
        // CLI's sorted walk, the server's scan and later edits) must not decide it.
        const children = this.sortedChildren(folder);
        for (const uri of children.files) next.push({ file: uri, namespace, patches });
        for (const sub of children.folders) next.push({ folder: sub, namespace, patches });
      }
      for (let i = next.length - 1; i >= 0; i--) stack.push(next[i]);
    }
  }

  /**
   * The patches (Flux `spec.patches` and kustomization.yaml patches on the way) that change a
   * document, with the Kustomization applying each.
   */
  patchesFor(uri: string, doc: PlacedDocument): { by: Applier; patch: ResolvedPatch }[] {
    return this.patchesMatching(uri, (app) => subjectOf(doc, app));
  }

  private patchesMatching(uri: string, subjectFor: (app: Application) => PatchSubject | undefined): { by: Applier; patch: ResolvedPatch }[] {
    const apps = this.applicationsOf(uri);
    if (apps.length === 0) return [];
    const out: { by: Applier; patch: ResolvedPatch }[] = [];
    for (const app of apps) {
      const subject = subjectFor(app);
      if (!subject) continue;
      const all = [...app.kustomizePatches, ...app.by.facts.patches.map((facts) => ({ facts, body: facts.body }))];
      for (const patch of all) if (patch.body !== undefined && patchApplies(patch.facts, patch.body, subject)) out.push({ by: app.by, patch });
    }
    return out;
  }

  /** A Kustomization's facts with what the patches of the Kustomizations applying it write; undefined when none do. */
  private patchedFacts(uri: string, facts: FluxKustomizationFacts): FluxKustomizationFacts | undefined {
    // The Kustomization as a patch subject, from its facts (not its parse: the CLI's workers know
    // other threads' files by facts only).
    const patches = this.patchesMatching(uri, (app) => ({
      group: KUSTOMIZE_GROUP,
      version: facts.version,
      kind: 'Kustomization',
      ...(facts.name !== undefined ? { name: facts.name } : {}),
      namespaces: [facts.namespace, app.kustomizeNamespace, app.by.facts.targetNamespace],
      labels: facts.labels ?? {},
      annotations: facts.annotations ?? {},
    }));
    if (patches.length === 0) return undefined;
    const out: FluxKustomizationFacts = { ...facts };
    let changed = false;
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    for (const { patch } of patches) {
      const ref = patchedValue(patch.body, ['spec', 'sourceRef']);
      if (ref && typeof ref === 'object' && !Array.isArray(ref)) {
        const r = ref as Record<string, unknown>;
        const merged = { ...out.sourceRef };
        if (str(r.kind)) merged.kind = str(r.kind)!;
        if (str(r.name)) merged.name = str(r.name)!;
        if (str(r.namespace)) merged.namespace = str(r.namespace)!;
        if (merged.name) {
          out.sourceRef = { kind: merged.kind ?? 'GitRepository', name: merged.name, ...(merged.namespace ? { namespace: merged.namespace } : {}) };
          changed = true;
        }
      }
      const path = str(patchedValue(patch.body, ['spec', 'path']));
      if (path !== undefined) {
        out.path = path;
        changed = true;
      }
      const target = str(patchedValue(patch.body, ['spec', 'targetNamespace']));
      if (target !== undefined) {
        out.targetNamespace = target;
        changed = true;
      }
      const postBuild = patchedValue(patch.body, ['spec', 'postBuild']);
      if (postBuild && typeof postBuild === 'object' && ['substitute', 'substituteFrom'].some((key) => {
        const v = (postBuild as Record<string, unknown>)[key];
        return Array.isArray(v) ? v.length > 0 : Boolean(v && typeof v === 'object' && Object.keys(v).length);
      })) {
        out.substitutes = true;
        changed = true;
      }
    }
    return changed ? out : undefined;
  }

  /** Does a patch of a Kustomization applying the document write this field (e.g. `spec.interval`)? */
  fieldSuppliedByPatch(uri: string, doc: PlacedDocument, field: readonly string[]): Applier | undefined {
    return this.patchesFor(uri, doc).find((p) => patchSupplies(p.patch.body, field))?.by;
  }

  /** A Kustomization with postBuild substitution applies the document (and the document allows it). */
  substitutedBy(uri: string, doc: PlacedDocument): Applier | undefined {
    const apps = this.applicationsOf(uri);
    if (apps.length === 0 || substitutionDisabled(doc)) return undefined;
    return apps.find((a) => this.substitutes(a.by))?.by;
  }

  /**
   * Does a Kustomization substitute variables: its own postBuild, or one a patch of the
   * Kustomization applying it supplies (fleets often give every child the same postBuild so;
   * the applier's facts are already patched).
   */
  substitutes(applier: Applier): boolean {
    return applier.facts.substitutes;
  }

  /**
   * The namespace a document ends up in, inferred as Flux does: targetNamespace, else the
   * kustomization.yaml `namespace:` (kustomize sets it on every object it builds), else the
   * document's own, else the namespace the Kustomization applying it lives in. Undefined where it
   * cannot be known: cluster-scoped kinds, a document without namespace that no Kustomization of
   * the workspace applies, or Kustomizations that apply it to different namespaces.
   */
  effectiveNamespace(uri: string, documentIndex: number): string | undefined {
    this.sync();
    // Answers hold while neither the graph nor any object's written namespace changes: both
    // move the index's structure version.
    if (this.namespaceCacheVersion !== this.index.structureVersion) {
      this.namespaceCache.clear();
      this.namespaceCacheVersion = this.index.structureVersion;
    }
    // By file, then by document index: no key string to build and hash for every lookup.
    let inFile = this.namespaceCache.get(uri);
    if (!inFile) {
      inFile = new Map();
      this.namespaceCache.set(uri, inFile);
    }
    if (inFile.has(documentIndex)) {
      const known = inFile.get(documentIndex);
      return known === PENDING ? undefined : known;
    }
    return this.computeNamespace(uri, documentIndex);
  }

  /** Cached namespaces by file and document; PENDING while being computed (met again: a cycle). */
  private readonly namespaceCache = new Map<string, Map<number, string | undefined | typeof PENDING>>();
  private namespaceCacheVersion = -1;

  private cachedNamespace(uri: string, documentIndex: number): { value: string | undefined | typeof PENDING } | undefined {
    const inFile = this.namespaceCache.get(uri);
    return inFile?.has(documentIndex) ? { value: inFile.get(documentIndex) } : undefined;
  }

  private cacheNamespace(uri: string, documentIndex: number, value: string | undefined | typeof PENDING): void {
    let inFile = this.namespaceCache.get(uri);
    if (!inFile) {
      inFile = new Map();
      this.namespaceCache.set(uri, inFile);
    }
    inFile.set(documentIndex, value);
  }

  /**
   * Depth first over "applied by", each document once (memoised), iteratively. A document whose
   * namespace depends on itself (Kustomizations that apply each other's folders, or their own)
   * cannot be known: undefined, and so is every namespace that depends on it, whichever document
   * was asked first (an unknown among the candidates makes the answer unknown).
   */
  private computeNamespace(uri: string, documentIndex: number): string | undefined {
    interface Frame { uri: string; documentIndex: number; written: string | undefined; apps: readonly Application[]; next: number; found: Set<string | undefined> }
    // `known` is an applier's namespace from its graph facts: a document another thread parsed
    // (the CLI's workers) has no identity here when it has no name, but its facts have the namespace.
    const open = (u: string, i: number, known?: string): Frame | string | undefined => {
      const doc = this.index.documentsIn(u)[i];
      const identity = doc?.object?.identity ?? doc?.parsed.identity;
      if (!doc || (identity && CLUSTER_SCOPED.has(identity.kind))) return undefined;
      const written = identity ? identity.namespace : known;
      const apps = this.applicationsOf(u);
      if (apps.length === 0) return written;
      this.cacheNamespace(u, i, PENDING);
      return { uri: u, documentIndex: i, written, apps, next: 0, found: new Set() };
    };
    const first = open(uri, documentIndex);
    if (typeof first !== 'object') {
      this.cacheNamespace(uri, documentIndex, first);
      return first;
    }
    const stack: Frame[] = [first];
    let result: string | undefined;
    while (stack.length) {
      const frame = stack[stack.length - 1];
      if (frame.next < frame.apps.length) {
        const app = frame.apps[frame.next];
        const direct = app.by.facts.targetNamespace ?? app.kustomizeNamespace ?? frame.written;
        if (direct !== undefined) {
          frame.found.add(direct);
          frame.next++;
          continue;
        }
        const known = this.cachedNamespace(app.by.uri, app.by.documentIndex);
        if (known) {
          frame.found.add(known.value === PENDING ? undefined : known.value);
          frame.next++;
          continue;
        }
        const child = open(app.by.uri, app.by.documentIndex, app.by.facts.namespace);
        if (typeof child === 'object') {
          stack.push(child);
          continue;
        }
        this.cacheNamespace(app.by.uri, app.by.documentIndex, child);
        frame.found.add(child);
        frame.next++;
        continue;
      }
      stack.pop();
      result = frame.found.size === 1 ? [...frame.found][0] : undefined;
      this.cacheNamespace(frame.uri, frame.documentIndex, result);
      const parent = stack[stack.length - 1];
      if (parent) {
        parent.found.add(result);
        parent.next++;
      }
    }
    return result;
  }
}

/** Marks a namespace being computed (see computeNamespace). */
const PENDING: unique symbol = Symbol('pending');

/** The same graph facts at the same positions (documents whose facts the graph ignores have an empty key). */
function sameFacts(a: readonly DocumentGraphFacts[], b: readonly DocumentGraphFacts[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && graphFactsKey(a[i]) !== graphFactsKey(b[i])) return false;
  return true;
}


function substitutionDisabled(doc: PlacedDocument): boolean {
  const annotations = findPair(findPair(doc.parsed.yaml.contents, 'metadata')?.value, 'annotations')?.value;
  return scalarString(findPair(annotations, 'kustomize.toolkit.fluxcd.io/substitute')?.value) === 'disabled';
}

function subjectOf(doc: PlacedDocument, app: Application): PatchSubject | undefined {
  const id = doc.parsed.identity;
  if (!id) return undefined;
  const plain = doc.parsed.plainValue;
  const metadata = plain.ok && plain.value && typeof plain.value === 'object' ? (plain.value as Record<string, unknown>).metadata : undefined;
  const meta = metadata && typeof metadata === 'object' ? metadata as Record<string, unknown> : {};
  return {
    group: id.group,
    version: id.version,
    kind: id.kind,
    ...(id.name !== undefined ? { name: id.name } : {}),
    namespaces: [id.namespace, app.kustomizeNamespace, app.by.facts.targetNamespace],
    labels: stringMap(meta.labels) ?? {},
    annotations: stringMap(meta.annotations) ?? {},
  };
}

/**
 * The files (as graph keys, see keyOf) whose whole body the graph reads as patches of a
 * kustomization file: its `patches[].path` and file entries of the older patch fields.
 */
export function patchFileKeys(kustomizeUri: string, facts: KustomizeFileFacts): string[] {
  const base = keyOf(kustomizeUri);
  return facts.patches.flatMap((p) => (p.file !== undefined ? [resolveEntry(base, p.file)] : [])).filter((k): k is string => k !== undefined);
}

/** Resolves a kustomize resource entry against its kustomization file; undefined for remote ones. */
function resolveEntry(baseKey: string, entry: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry) || entry.startsWith('/') || /^(?:github\.com|gitlab\.com|bitbucket\.org)\//.test(entry) || entry.includes('?ref=')) return undefined;
  return joinKey(folderOf(baseKey), entry);
}

const graphs = new WeakMap<WorkspaceIndex, ApplyGraph>();

/** The apply graph of an index (created on first use and kept current with it). */
export function applyGraphOf(index: WorkspaceIndex): ApplyGraph {
  let graph = graphs.get(index);
  if (!graph) {
    graph = new ApplyGraph(index);
    graphs.set(index, graph);
  }
  return graph;
}

/**
 * The namespace a document of the workspace ends up in when Flux applies it (see
 * `ApplyGraph.effectiveNamespace`); undefined where it cannot be known, so reference rules can
 * say so instead of guessing.
 */
export function effectiveNamespace(index: WorkspaceIndex, uri: string, documentIndex: number): string | undefined {
  return applyGraphOf(index).effectiveNamespace(uri, documentIndex);
}

/** The Flux Kustomizations that apply a file of the workspace. */
export function appliersOf(index: WorkspaceIndex, uri: string): Applier[] {
  return applyGraphOf(index).applicationsOf(uri).map((a) => a.by);
}
