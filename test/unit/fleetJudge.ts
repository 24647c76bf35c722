// The in-process half of the fleet fuzzer (test/unit/fuzz-fleet.test.ts): a generated fleet is
// linted as the CLI lints it (every file, judged as applied), once with the files added in
// order and their parse trees released (the CLI's way), once in reverse order keeping the trees
// (the server's way), once split between two shares that exchange facts (the CLI's worker
// threads). All must end within the apply graph's work budget, take no more steps than a
// polynomial of the fleet's size, and say the same of every file.
//
// Runs in a worker thread started by the test, so that a fleet that never ends (a synchronous
// hang cannot be interrupted in-thread) is stopped by the test's watchdog and printed.
import assert from 'node:assert/strict';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import fc from 'fast-check';
import { WorkspaceIndex } from '../../server/src/language/workspaceIndex';
import { applyGraphOf, keyOf, patchFileKeys } from '../../server/src/language/applyGraph';
import { lintAsApplied, NOT_FULLY_JUDGED } from '../../server/src/language/appliedFindings';
import { addCheckedFile, cliLintContext } from '../../server/src/cli/lint';
import { normalizeGitUrl } from '../../server/src/language/gitRoots';
import { WorkBudget } from '../../server/src/language/workBudget';
import type { Finding } from '../../server/src/language/types';
import type { YamlFile } from '../../server/src/language/documents';
import type { FileFacts } from '../../server/src/language/workspaceIndex';
import { FLEET_REMOTE, fleetArb, fleetSize, printFleet, type Fleet } from './fleetArbitrary';

const ROOT = 'file:///fleet/';

/** The most steps any one build of the apply graph took since the last reset (see countSteps). */
let stepsThisFleet = 0;
let counting = false;

/** Counts the steps each apply-graph build spends (the budget object is private to the build). */
function countSteps(): void {
  if (counting) return;
  counting = true;
  const spend = WorkBudget.prototype.spend;
  WorkBudget.prototype.spend = function (this: WorkBudget, steps?: number) {
    try {
      spend.call(this, steps);
    } finally {
      if (this.spent > stepsThisFleet) stepsThisFleet = this.spent;
    }
  };
}

export interface FleetVerdict {
  /** The most steps one build of the apply graph took. */
  steps: number;
  /** The bound the steps were held to (polynomial in the fleet's size). */
  bound: number;
  /** Time both lints took, in ms. */
  ms: number;
  findings: number;
}

type Judged = Map<string, Pick<Finding, 'range' | 'severity' | 'code' | 'message'>[]>;

type FleetFiles = Pick<Fleet, 'files' | 'git' | 'folders'>;

const rootsOf = (fleet: FleetFiles) => [{ uri: ROOT, repository: fleet.git !== 'none', remotes: fleet.git === 'remote' ? [normalizeGitUrl(FLEET_REMOTE)] : [] }];

/** A file's findings, in a stable order and comparable form. */
const judgedFindings = (findings: readonly Finding[]) => [...findings]
  .sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character
    || a.code.localeCompare(b.code) || a.message.localeCompare(b.message))
  .map(({ range, severity, code, message }) => ({ range, severity, code, message }));

function assertJudgedFully(index: WorkspaceIndex, judged: Judged): void {
  const graph = applyGraphOf(index);
  assert.ok(graph.judgesFully, `the apply graph stopped at its work budget: ${JSON.stringify(graph.shortfall)}`);
  for (const [path, findings] of judged) {
    assert.ok(!findings.some((f) => f.code === NOT_FULLY_JUDGED), `${path} was not fully judged`);
  }
}

function lintFleet(fleet: FleetFiles, order: readonly string[], cliWay: boolean, unresolved: 'warning' | 'off'): { judged: Judged; appliers: number; entries: number } {
  const context = cliLintContext({ unresolvedReferences: unresolved });
  const index = new WorkspaceIndex();
  for (const path of order) {
    if (cliWay) addCheckedFile(index, ROOT + path, fleet.files[path], context);
    else index.setFile(ROOT + path, fleet.files[path]);
  }
  const graph = applyGraphOf(index);
  graph.configure(rootsOf(fleet));
  const judged: Judged = new Map();
  for (const path of order) judged.set(path, judgedFindings(lintAsApplied(index.file(ROOT + path)!, index, context)));
  assertJudgedFully(index, judged);
  let entries = 0;
  for (const path of order) entries += index.exportFacts(ROOT + path).kustomize?.resources.length ?? 0;
  return { judged, appliers: graph.allAppliers().length, entries };
}

/**
 * The fleet checked the way `lint --jobs 2` splits it (server/src/cli/parallel.ts), in one thread
 * and deterministically: each share parses and checks its own files, the shares exchange the
 * facts they export (structured-cloned, as postMessage does), each adds the other's facts (patch
 * files read whole) and judges its own files. Small trees never split across the CLI's threads
 * (they take files 16 at a time), so this is where the exchange is fuzzed.
 */
function lintFleetSplit(fleet: FleetFiles, paths: readonly string[], shareOf: (i: number) => number, unresolved: 'warning' | 'off'): Judged {
  const context = cliLintContext({ unresolvedReferences: unresolved });
  const shares = [0, 1].map(() => ({ index: new WorkspaceIndex(), own: new Map<string, YamlFile>() }));
  paths.forEach((path, i) => {
    const share = shares[shareOf(i)];
    share.own.set(ROOT + path, addCheckedFile(share.index, ROOT + path, fleet.files[path], context));
  });
  const facts: [string, FileFacts][] = shares.flatMap((s) => [...s.own.keys()].map((uri): [string, FileFacts] => [uri, structuredClone(s.index.exportFacts(uri))]));
  const byKey = new Map(facts.map(([uri]) => [keyOf(uri), uri]));
  const patchFiles = new Set(facts.flatMap(([uri, f]) => (f.kustomize ? patchFileKeys(uri, f.kustomize) : [])).map((key) => byKey.get(key)));
  const judged: Judged = new Map();
  for (const share of shares) {
    for (const [uri, known] of facts) {
      if (share.own.has(uri)) continue;
      if (patchFiles.has(uri)) share.index.setFile(uri, fleet.files[uri.slice(ROOT.length)]);
      else share.index.importFacts(uri, known);
    }
    applyGraphOf(share.index).configure(rootsOf(fleet));
    const own: Judged = new Map();
    for (const [uri, file] of share.own) own.set(uri.slice(ROOT.length), judgedFindings(lintAsApplied(file, share.index, context)));
    assertJudgedFully(share.index, own);
    for (const [path, findings] of own) judged.set(path, findings);
  }
  return judged;
}

/**
 * Lints a fleet three ways (in order, releasing trees; in reverse, keeping them; split in two
 * shares by `split`, a bit per file); throws (an assertion) when a property does not hold.
 */
export function judgeFleet(fleet: FleetFiles, unresolved: 'warning' | 'off' = 'warning', split = 0b0101010101): FleetVerdict {
  countSteps();
  stepsThisFleet = 0;
  const started = performance.now();
  const paths = Object.keys(fleet.files);
  const forward = lintFleet(fleet, paths, true, unresolved);
  const reverse = lintFleet(fleet, [...paths].reverse(), false, unresolved);
  const shared = lintFleetSplit(fleet, paths, (i) => (split >>> (i % 30)) & 1, unresolved);
  const ms = performance.now() - started;
  for (const path of paths) {
    assert.deepEqual(reverse.judged.get(path), forward.judged.get(path), `${path}: the findings depend on the order files were added (or on released parse trees)`);
    assert.deepEqual(shared.get(path), forward.judged.get(path), `${path}: the findings differ when the files are split between two threads (shares: ${paths.map((p, i) => `${p}:${(split >>> (i % 30)) & 1}`).join(' ')})`);
  }
  // Each round of the build (at most 6) reads every file, walks each Kustomization's folder once
  // (each folder once, each entry or file pushed once per visit) and weighs the applications of
  // each Kustomization: a bound polynomial in the fleet's size, far below the budget.
  const files = paths.length;
  // Folders the graph knows: the root and every folder above a file.
  const folders = new Set(['']);
  for (const path of paths) for (let at = path.indexOf('/'); at !== -1; at = path.indexOf('/', at + 1)) folders.add(path.slice(0, at));
  const k = forward.appliers;
  const bound = 6 * (files + k + k * (1 + forward.entries + files + folders.size) + k * (1 + k)) + 1;
  assert.ok(stepsThisFleet <= bound, `the apply graph took ${stepsThisFleet} steps, more than ${bound} for ${files} files, ${k} Kustomizations, ${forward.entries} resource entries`);
  let findings = 0;
  for (const list of forward.judged.values()) findings += list.length;
  return { steps: stepsThisFleet, bound, ms, findings };
}

// ---------------------------------------------------------------------------------------------
// The worker: runs the property over `runs` fleets and reports to the test.

export interface WorkerInput {
  role: 'fleet-fuzz';
  runs: number;
  seed?: number;
  path?: string;
  /** Fails a fleet that takes longer than this (ms): a slow fleet shrinks like any failure. */
  slowMs: number;
  /** Stops after this long (ms), keeping a failure found so far (see fast-check's interruptAfterTimeLimit). */
  stopAfter: number;
}

export type WorkerMessage =
  | ({ type: 'fleet'; run: number } & FleetFiles)
  | { type: 'done'; failure?: string; counterexample?: FleetFiles; stats: FuzzStats };

export interface FuzzStats {
  fleets: number;
  files: number;
  documents: number;
  kustomizations: number;
  findings: number;
  maxSteps: number;
  maxBound: number;
  slowestMs: number;
  seed: number;
  ms: number;
  /** The time limit stopped the run before all its fleets were checked. */
  interrupted?: boolean;
}

function runWorker(input: WorkerInput): void {
  const port = parentPort!;
  const started = performance.now();
  // A warning the product makes Node print reaches the CLI's stderr: each fleet must make none.
  let warning: string | undefined;
  process.emitWarning = ((w: string | Error) => {
    warning ??= String(w instanceof Error ? w.message : w);
  }) as typeof process.emitWarning;
  // Schemas compile on first use: not part of any fleet's time.
  judgeFleet(fc.sample(fleetArb, { numRuns: 1, seed: 1 })[0]);
  const stats: FuzzStats = { fleets: 0, files: 0, documents: 0, kustomizations: 0, findings: 0, maxSteps: 0, maxBound: 0, slowestMs: 0, seed: 0, ms: 0 };
  let run = 0;
  const property = fc.property(fleetArb, fc.constantFrom<'warning' | 'off'>('warning', 'off'), fc.nat({ max: 2 ** 30 - 1 }), (fleet, unresolved, split) => {
    port.postMessage({ type: 'fleet', run: run++, files: fleet.files, git: fleet.git, folders: fleet.folders } satisfies WorkerMessage);
    warning = undefined;
    const verdict = judgeFleet(fleet, unresolved, split);
    assert.equal(warning, undefined, 'checking the fleet made Node print a warning');
    assert.ok(verdict.ms < input.slowMs, `linting the fleet took ${Math.round(verdict.ms)} ms (limit ${input.slowMs} ms)`);
    const size = fleetSize(fleet);
    stats.fleets++;
    stats.files += size.files;
    stats.documents += size.documents;
    stats.kustomizations += size.kustomizations;
    stats.findings += verdict.findings;
    stats.maxSteps = Math.max(stats.maxSteps, verdict.steps);
    stats.maxBound = Math.max(stats.maxBound, verdict.bound);
    stats.slowestMs = Math.max(stats.slowestMs, verdict.ms);
  });
  const details = fc.check(property, { numRuns: input.runs, interruptAfterTimeLimit: input.stopAfter, ...(input.seed !== undefined ? { seed: input.seed } : {}), ...(input.path ? { path: input.path } : {}) });
  stats.seed = details.seed;
  stats.ms = performance.now() - started;
  if (!details.failed) {
    if (details.interrupted) stats.interrupted = true;
    port.postMessage({ type: 'done', stats } satisfies WorkerMessage);
    return;
  }
  const [fleet, unresolved, split] = details.counterexample ?? [];
  const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  const failure = [
    `the fleet property failed on run ${details.numRuns} (shrunk ${details.numShrinks} times); replay with FLUX_OCI_FUZZ_SEED=${details.seed} FLUX_OCI_FUZZ_PATH=${details.counterexamplePath}`,
    `unresolved references: ${unresolved}; split between two shares by the bits of ${split}`,
    fleet ? printFleet(fleet) : '(no counterexample)',
    '',
    error,
  ].join('\n');
  port.postMessage({ type: 'done', failure, ...(fleet ? { counterexample: { files: fleet.files, git: fleet.git, folders: fleet.folders } } : {}), stats } satisfies WorkerMessage);
}

if (!isMainThread && (workerData as Partial<WorkerInput> | undefined)?.role === 'fleet-fuzz') runWorker(workerData as WorkerInput);
