// `flux-oci lint` on every core: the files are shared out between this thread and worker
// threads, each file read and parsed once, by one thread. Rules that look across files need every file's objects
// and references, so the work runs in two phases:
//   1. each worker parses its files and sends back what they offer other files (plain facts);
//   2. each worker adds everyone else's facts to the index of its own parsed files and checks
//      its own files.
// The output is the same as `lintPaths` (a test compares them).
//
// Each worker builds the whole apply graph (which Flux Kustomization applies which file, with its
// patches, substitution and namespaces) from the exchanged facts: they carry what the graph reads
// from every Kustomization, source and kustomization.yaml. Only kustomize patch files are read
// whole, by every worker that needs one (they are few and small), because a patch's body is the
// file itself.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { WorkspaceIndex, type FileFacts } from '../language/workspaceIndex';
import { defaultLintContext } from '../language/lint';
import { lintAsApplied } from '../language/appliedFindings';
import { applyGraphOf, keyOf, patchFileKeys, type WorkspaceRoot } from '../language/applyGraph';
import { discoverRoot, diskFolderProbe } from '../language/gitRoots';
import type { YamlFile } from '../language/documents';
import { findYamlFiles } from './walk';
import { lintPaths, type FileFindings, type LintOptions } from './lint';

type Options = Partial<Pick<LintOptions, 'unknownFields' | 'unresolvedReferences'>>;

/** Below this many files per worker, starting workers costs more than it saves (tests lower it). */
const MIN_FILES_PER_WORKER = Number(process.env.FLUX_OCI_MIN_FILES_PER_WORKER) || 100;

const WORKER_ROLE = 'flux-oci-lint-worker';

interface WorkerInput {
  role: typeof WORKER_ROLE;
  own: string[];
  roots: WorkspaceRoot[];
  options: Options;
}

type WorkerMessage =
  | { type: 'facts'; facts: [string, FileFacts][] }
  | { type: 'results'; results: FileFindings[] }
  | { type: 'error'; message: string };

type MainMessage = { type: 'facts'; facts: [string, FileFacts][]; patchFiles: string[] };

/** How many workers `lint` uses by default: one per core. */
export function defaultJobs(): number {
  return availableParallelism();
}

/** Shares files out so that each worker gets about the same number of bytes. */
function shareOut(paths: readonly string[], jobs: number): string[][] {
  const shares = Array.from({ length: jobs }, () => ({ bytes: 0, paths: [] as string[] }));
  const sized = paths.map((path) => ({ path, bytes: statSync(path, { throwIfNoEntry: false })?.size ?? 0 }));
  sized.sort((a, b) => b.bytes - a.bytes);
  for (const file of sized) {
    const lightest = shares.reduce((a, b) => (b.bytes < a.bytes ? b : a));
    lightest.bytes += file.bytes;
    lightest.paths.push(file.path);
  }
  return shares.map((s) => s.paths).filter((p) => p.length > 0);
}

/**
 * `lintPaths` on `jobs` worker threads (default: one per core). Small trees are checked on
 * this thread. Same results, same order.
 */
export async function lintPathsParallel(paths: readonly string[], options: Options = {}, jobs = defaultJobs()): Promise<FileFindings[]> {
  const files = findYamlFiles(paths);
  const workers = Math.min(jobs, Math.floor(files.length / MIN_FILES_PER_WORKER));
  if (workers <= 1) return lintPaths(paths, options);
  // The roots spec.paths are read against, as lintPaths finds them.
  const roots = paths.map((p) => discoverRoot(statSync(p, { throwIfNoEntry: false })?.isDirectory() ? p : dirname(p)));
  // This thread takes the first share itself: one thread fewer to start.
  const [mine, ...shares] = shareOut(files, workers);
  const started = shares.map((own) => new Worker(__filename, { workerData: { role: WORKER_ROLE, own, roots, options } satisfies WorkerInput }));
  try {
    const next = (worker: Worker) => new Promise<WorkerMessage>((resolve, reject) => {
      const onMessage = (message: WorkerMessage) => { cleanup(); resolve(message); };
      const onError = (error: Error) => { cleanup(); reject(error); };
      const onExit = (code: number) => { cleanup(); reject(new Error(`lint worker stopped (exit code ${code})`)); };
      const cleanup = () => { worker.off('message', onMessage); worker.off('error', onError); worker.off('exit', onExit); };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    });
    const expect = async <T extends WorkerMessage['type']>(worker: Worker, type: T) => {
      const message = await next(worker);
      if (message.type === 'error') throw new Error(message.message);
      if (message.type !== type) throw new Error(`lint worker sent ${message.type}, expected ${type}`);
      return message as Extract<WorkerMessage, { type: T }>;
    };
    const theirFacts = started.map((w) => expect(w, 'facts'));
    const share = parseShare(mine);
    const facts = [...share.facts, ...(await Promise.all(theirFacts)).flatMap((m) => m.facts)];
    const patchFiles = patchFilesOf(facts);
    const results = started.map((w) => expect(w, 'results'));
    // Each worker gets the facts of the files it does not parse itself (copying is not free).
    started.forEach((worker, i) => {
      const own = new Set(shares[i].map((path) => pathToFileURL(path).href));
      worker.postMessage({ type: 'facts', facts: facts.filter(([uri]) => !own.has(uri)), patchFiles } satisfies MainMessage);
    });
    const own = checkShare(share.index, share.own, facts, patchFiles, roots, options);
    return [...own, ...(await Promise.all(results)).flatMap((m) => m.results)].sort((a, b) => a.path.localeCompare(b.path));
  } finally {
    await Promise.all(started.map((w) => w.terminate()));
  }
}

/** Phase 1: parses a share of the files; returns them with the facts they offer other files. */
function parseShare(paths: readonly string[]): { index: WorkspaceIndex; own: Map<string, YamlFile>; facts: [string, FileFacts][] } {
  const first = new WorkspaceIndex();
  const own = new Map<string, YamlFile>();
  for (const path of paths) {
    const uri = pathToFileURL(path).href;
    own.set(uri, first.setFile(uri, readText(path)));
  }
  return { index: first, own, facts: [...own.keys()].map((uri) => [uri, first.exportFacts(uri)]) };
}

/** Files named as kustomize patches by a kustomization.yaml of the tree (the apply graph reads their bodies). */
function patchFilesOf(facts: readonly [string, FileFacts][]): string[] {
  const byKey = new Map(facts.map(([uri]) => [keyOf(uri), uri]));
  const named = facts.flatMap(([uri, f]) => (f.kustomize ? patchFileKeys(uri, f.kustomize) : []));
  return [...new Set(named.map((key) => byKey.get(key)).filter((uri): uri is string => uri !== undefined))];
}

/**
 * Phase 2: the other files' facts join the share's index (patch files are read whole), the
 * apply graph is built from them, then the share's files are checked as lintPaths checks them.
 */
function checkShare(index: WorkspaceIndex, own: Map<string, YamlFile>, facts: readonly [string, FileFacts][], patchFiles: readonly string[],
  roots: readonly WorkspaceRoot[], options: Options): FileFindings[] {
  const whole = new Set(patchFiles);
  for (const [uri, known] of facts) {
    if (own.has(uri)) continue;
    if (whole.has(uri)) index.setFile(uri, readText(fileURLToPath(uri)));
    else index.importFacts(uri, known);
  }
  applyGraphOf(index).configure(roots, diskFolderProbe());
  const context = { ...defaultLintContext({ unknownFields: options.unknownFields ?? 'warning' }), unresolvedReferences: options.unresolvedReferences ?? 'off' };
  const results: FileFindings[] = [];
  for (const [uri, file] of own) {
    const findings = lintAsApplied(file, index, context)
      .sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
    results.push({ path: fileURLToPath(uri), findings });
  }
  return results;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as Error).message}`);
  }
}

function runWorker(input: WorkerInput): void {
  const port = parentPort!;
  const send = (message: WorkerMessage) => port.postMessage(message);
  try {
    const { index, own, facts } = parseShare(input.own);
    send({ type: 'facts', facts });
    port.once('message', (message: MainMessage) => {
      try {
        send({ type: 'results', results: checkShare(index, own, message.facts, message.patchFiles, input.roots, input.options) });
      } catch (error) {
        send({ type: 'error', message: (error as Error).message });
      }
    });
  } catch (error) {
    send({ type: 'error', message: (error as Error).message });
  }
}

if (!isMainThread && (workerData as Partial<WorkerInput> | undefined)?.role === WORKER_ROLE) runWorker(workerData as WorkerInput);
