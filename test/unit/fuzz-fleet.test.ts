// Workspace-level fuzzing (fast-check): whole generated fleets (test/unit/fleetArbitrary.ts) of
// folders, Flux Kustomizations applying each other's folders, kustomization.yaml files whose
// resources loop, nested parent patches, sources, and values of the wrong type in every field the
// apply graph reads. The single-file fuzzer (fuzz.test.ts) cannot build the shapes that made the
// apply graph exponential; these properties can:
//  1. in-process, every file of a fleet is judged, within the apply graph's work budget and a
//     step count polynomial in the fleet's size, the same whichever order the files come in
//     (run in a worker thread: a fleet that never ends is stopped and printed);
//  2. the CLI with --jobs 1 and --jobs 2 prints exactly the same and exits with the same status
//     (with files that make the two threads split the fleet: see writeThreadSplitter);
//  3. the language server over LSP stdio, with the fleet as its workspace, answers hovers and
//     publishes for each file exactly the findings the CLI prints for it.
// Short in npm test. FLUX_OCI_FUZZ_RUNS=N runs property 1 on N fleets (2 on N/50, 3 on N/250);
// FLUX_OCI_FUZZ_SEED (and FLUX_OCI_FUZZ_PATH) replay a failure. A failure prints the shrunk fleet
// as its files and writes them to a folder it names; pasted into test/fixtures/fleet-fuzz/*.fleet
// it becomes a regression test (fuzz-fleet-counterexamples.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { fleetArb, fleetSize, printFleet } from './fleetArbitrary';
import type { FuzzStats, WorkerInput, WorkerMessage } from './fleetJudge';
import { assertJobsAgree, assertServerAgrees, writeFleet, writeThreadSplitter } from './fleetRun';
import { budget } from '../timing';

const requested = Number(process.env.FLUX_OCI_FUZZ_RUNS);
const long = Number.isFinite(requested) && requested > 0;
const IN_PROCESS_RUNS = long ? Math.round(requested) : 100;
const CLI_RUNS = long ? Math.max(10, Math.round(requested / 50)) : 10;
const LSP_RUNS = long ? Math.max(3, Math.round(requested / 250)) : 3;
const seed = process.env.FLUX_OCI_FUZZ_SEED ? Number(process.env.FLUX_OCI_FUZZ_SEED) : undefined;
const path = process.env.FLUX_OCI_FUZZ_PATH || undefined;
const replay = { ...(seed !== undefined ? { seed } : {}), ...(path ? { path } : {}) };

/**
 * Each test's time limit, and the time after which fast-check stops (keeping the failure found so
 * far, partly shrunk, rather than losing it to the test's timeout: shrinking a fleet that spawns
 * processes takes a second or more a step).
 */
const limits = (ms: number) => ({ timeout: budget(ms), stopAfter: budget(ms) - budget(45_000) });
const IN_PROCESS = limits(120_000 + IN_PROCESS_RUNS * 2_000);
const CLI_LIMIT = limits(90_000 + CLI_RUNS * 20_000);
const LSP_LIMIT = limits(90_000 + LSP_RUNS * 60_000);

test(`fleet fuzz: ${IN_PROCESS_RUNS} generated fleets are judged in-process within the work budget, the same in any file order`, { timeout: IN_PROCESS.timeout }, async () => {
  const input: WorkerInput = { role: 'fleet-fuzz', runs: IN_PROCESS_RUNS, slowMs: budget(10_000), stopAfter: IN_PROCESS.stopAfter, ...replay };
  // The worker loads TypeScript through tsx, as this file was.
  const bootstrap = `require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(join(__dirname, 'fleetJudge.ts'))});`;
  const worker = new Worker(bootstrap, { eval: true, workerData: input });
  const stallMs = budget(60_000);
  let last: Extract<WorkerMessage, { type: 'fleet' }> | undefined;
  let lastAt = Date.now();
  let watchdog: NodeJS.Timeout | undefined;
  try {
    const done = await new Promise<Extract<WorkerMessage, { type: 'done' }>>((resolvePromise, reject) => {
      worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'fleet') {
          last = message;
          lastAt = Date.now();
        } else resolvePromise(message);
      });
      worker.on('error', reject);
      worker.on('exit', (code) => reject(new Error(`the fuzz worker stopped (exit code ${code})`)));
      // A fleet that never ends cannot be interrupted inside the worker: stop the worker, print the fleet.
      watchdog = setInterval(() => {
        if (Date.now() - lastAt < stallMs) return;
        const where = last ? `run ${last.run} did not end within ${stallMs} ms:\n${printFleet(last)}\n(the fleet's files are in ${writeFleet(last, 'flux-oci-fleet-hang-')})` : 'no fleet started';
        reject(new Error(`the in-process fleet fuzzer hung: ${where}`));
      }, 1000);
    });
    if (done.failure) {
      const dir = done.counterexample ? writeFleet(done.counterexample, 'flux-oci-fleet-counterexample-') : undefined;
      assert.fail(`${done.failure}${dir ? `\n(the counterexample's files are in ${dir})` : ''}`);
    }
    const s: FuzzStats = done.stats;
    console.log(`  fleet fuzz: ${s.fleets} fleets, ${s.files} files, ${s.documents} documents (${s.kustomizations} Flux Kustomizations), ${s.findings} findings;`
      + ` most apply-graph steps ${s.maxSteps} (bound for that size ${s.maxBound}), slowest fleet ${Math.round(s.slowestMs)} ms;`
      + ` seed ${s.seed}; ${(s.ms / 1000).toFixed(1)} s${s.interrupted ? ' (stopped at the time limit)' : ''}`);
  } finally {
    clearInterval(watchdog);
    await worker.terminate();
  }
});

test(`fleet fuzz: the CLI prints the same with --jobs 1 and --jobs 2 (${CLI_RUNS} fleets)`, { timeout: CLI_LIMIT.timeout }, async () => {
  let files = 0;
  let fleets = 0;
  await fc.assert(fc.asyncProperty(fleetArb, fc.constantFrom<'text' | 'json'>('text', 'json'), fc.boolean(), fc.nat(8), async (fleet, format, unresolved, inFirst) => {
    const dir = writeFleet(fleet);
    try {
      writeThreadSplitter(dir, fleet, inFirst);
      await assertJobsAgree(dir, format, unresolved);
      files += fleetSize(fleet).files;
      fleets++;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }), { numRuns: CLI_RUNS, interruptAfterTimeLimit: CLI_LIMIT.stopAfter, ...replay });
  console.log(`  fleet fuzz: the CLI on ${fleets} fleets (${files} files), --jobs 1 and --jobs 2 alike`);
});

test(`fleet fuzz: the language server publishes for each file what the CLI prints, and answers hovers (${LSP_RUNS} fleets)`, { timeout: LSP_LIMIT.timeout }, async () => {
  let opened = 0;
  let hovers = 0;
  let fleets = 0;
  await fc.assert(fc.asyncProperty(fleetArb, fc.constantFrom<'off' | 'warning'>('off', 'warning'), async (fleet, unresolved) => {
    const dir = writeFleet(fleet);
    try {
      const seen = await assertServerAgrees(dir, fleet, unresolved);
      fleets++;
      opened += seen.opened;
      hovers += seen.hovers;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }), { numRuns: LSP_RUNS, interruptAfterTimeLimit: LSP_LIMIT.stopAfter, ...replay });
  console.log(`  fleet fuzz: the language server on ${fleets} fleets: ${opened} files opened, each published as the CLI prints it; ${hovers} hovers answered`);
});
