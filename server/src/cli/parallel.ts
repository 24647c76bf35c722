// `flux-oci lint` on every core: this thread and worker threads take files from one shared list,
// a few at a time, each file read and parsed once, by one thread. Rules that look across files
// need every file's objects and references, so the work runs in two phases:
//   1. each worker parses and checks its files on their own and sends back what they offer
//      other files (plain facts);
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
import { statSync } from 'node:fs';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { WorkspaceIndex, type FileFacts } from '../language/workspaceIndex';
import { applyGraphOf, keyOf, patchFileKeys, type WorkspaceRoot } from '../language/applyGraph';
import { diskFolderProbe } from '../language/gitRoots';
import type { YamlFile } from '../language/documents';
import { findYamlFiles } from './walk';
import { addCheckedFile, appliedFileFindings, cliLintContext, lintArtifactMap, lintPaths, lintRoots, readText, type FileFindings, type LintOptions } from './lint';

type Options = Partial<Pick<LintOptions, 'unknownFields' | 'unresolvedReferences' | 'artifacts' | 'artifactMap'>>;

/** Below this many files per worker, starting workers costs more than it saves (tests lower it). */
const MIN_FILES_PER_WORKER = Number(process.env.FLUX_OCI_MIN_FILES_PER_WORKER) || 100;

const WORKER_ROLE = 'flux-oci-lint-worker';

interface WorkerInput {
  role: typeof WORKER_ROLE;
  /** Every file, biggest first; threads take the next few from `claimed` until none are left. */
  files: string[];
  claimed: SharedArrayBuffer;
  roots: WorkspaceRoot[];
  options: Options;
}

type WorkerMessage =
  | { type: 'facts'; facts: [string, FileFacts][] }
  | { type: 'results'; results: FileFindings[] }
  | { type: 'error'; message: string };

type MainMessage = { type: 'facts'; facts: [string, FileFacts][]; patchFiles: string[] };

/**
 * How many threads `lint` uses by default: one per core from three cores up, one on one or two.
 * On two cores a second thread loses: V8's own background threads (garbage collection,
 * compilation) already use the other core, and `bench/cli.mjs` measured even a bare yaml parse
 * split over two threads no faster than one (0.96x) and `--jobs 2` at 0.78x of `--jobs 1`.
 */
export function defaultJobs(cores = availableParallelism()): number {
  return cores > 2 ? cores : 1;
}

/** Files at a time a thread takes from the shared list: small enough to even out at the end. */
const CHUNK = 16;

/** The files biggest first, so the last ones taken are the small ones (threads finish together). */
function biggestFirst(paths: readonly string[]): string[] {
  return paths.map((path) => ({ path, bytes: statSync(path, { throwIfNoEntry: false })?.size ?? 0 }))
    .sort((a, b) => b.bytes - a.bytes).map((f) => f.path);
}

/**
 * The next files for this thread: each thread claims CHUNK at a time from a counter the threads
 * share, so a thread that started late or runs slower simply takes fewer (no thread waits idle
 * for another's fixed share).
 */
function* claimFiles(files: readonly string[], claimed: SharedArrayBuffer): Generator<string> {
  const counter = new Int32Array(claimed);
  for (let start = Atomics.add(counter, 0, CHUNK); start < files.length; start = Atomics.add(counter, 0, CHUNK)) {
    yield* files.slice(start, start + CHUNK);
  }
}

/**
 * `lintPaths` on `jobs` threads (default: `defaultJobs()`). Small trees are checked on
 * this thread. Same results, same order.
 */
export async function lintPathsParallel(paths: readonly string[], given: Options = {}, jobs = defaultJobs()): Promise<FileFindings[]> {
  const files = findYamlFiles(paths);
  // The artifact map is read once, here, and handed to every thread.
  const options: Options = { ...given, artifactMap: given.artifactMap ?? lintArtifactMap(paths, given.artifacts) };
  const workers = Math.min(jobs, Math.floor(files.length / MIN_FILES_PER_WORKER));
  if (workers <= 1) return lintPaths(paths, options);
  const roots = lintRoots(paths);
  // This thread takes files too: one thread fewer to start.
  const order = biggestFirst(files);
  const claimed = new SharedArrayBuffer(4);
  const started = Array.from({ length: workers - 1 }, () => new Worker(__filename, { workerData: { role: WORKER_ROLE, files: order, claimed, roots, options } satisfies WorkerInput }));
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
    const share = parseShare(claimFiles(order, claimed), options);
    const received = await Promise.all(theirFacts);
    const facts = [...share.facts, ...received.flatMap((m) => m.facts)];
    const patchFiles = patchFilesOf(facts);
    const results = started.map((w) => expect(w, 'results'));
    // Each worker gets the facts of the files it does not parse itself (copying is not free).
    started.forEach((worker, i) => {
      const own = new Set(received[i].facts.map(([uri]) => uri));
      worker.postMessage({ type: 'facts', facts: facts.filter(([uri]) => !own.has(uri)), patchFiles } satisfies MainMessage);
    });
    const own = checkShare(share.index, share.own, facts, patchFiles, roots, options);
    return [...own, ...(await Promise.all(results)).flatMap((m) => m.results)].sort((a, b) => a.path.localeCompare(b.path));
  } finally {
    await Promise.all(started.map((w) => w.terminate()));
  }
}

/** Phase 1: parses and checks a share of the files on their own; returns them with the facts they offer other files. */
function parseShare(paths: Iterable<string>, options: Options): { index: WorkspaceIndex; own: Map<string, YamlFile>; facts: [string, FileFacts][] } {
  const first = new WorkspaceIndex();
  const context = cliLintContext(options);
  const own = new Map<string, YamlFile>();
  for (const path of paths) {
    const uri = pathToFileURL(path).href;
    own.set(uri, addCheckedFile(first, uri, readText(path), context));
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
  applyGraphOf(index).configure(roots, diskFolderProbe(), options.artifactMap);
  const context = cliLintContext(options);
  return [...own.values()].map((file) => appliedFileFindings(file, index, context));
}

function runWorker(input: WorkerInput): void {
  const port = parentPort!;
  const send = (message: WorkerMessage) => port.postMessage(message);
  try {
    const { index, own, facts } = parseShare(claimFiles(input.files, input.claimed), input.options);
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
