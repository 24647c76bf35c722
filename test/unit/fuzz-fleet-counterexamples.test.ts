// Fleets the workspace fuzzer (fuzz-fleet.test.ts) found failing, shrunk and kept as fixtures
// (test/fixtures/fleet-fuzz/*.fleet, in the form the fuzzer prints them). Each must now pass the
// fuzzer's properties: judged in-process the same in any order and split between two shares, the
// CLI ends with a verdict on one thread and two, printing the same, and the language server stays
// up and publishes for each file what the CLI prints (`late` files are created after it indexed
// the workspace, as a user adds them).
import { test } from 'node:test';
import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseFleet } from './fleetArbitrary';
import { assertJobsAgree, assertServerAgrees, writeFleet } from './fleetRun';
import { judgeFleet } from './fleetJudge';
import { budget } from '../timing';

const FIXTURES = resolve(__dirname, '..', 'fixtures', 'fleet-fuzz');

interface Case {
  name: string;
  /** What the fuzzer found, in words. */
  found: string;
  /** Set while the case is still open (the test runs, and its failure is reported as a to-do). */
  todo?: string;
  /** The case hangs while open: not run in-process (a hang there could not be stopped). */
  hangs?: boolean;
  /** Files created after the server indexed the workspace. */
  late?: string[];
  unresolved?: 'warning';
  /** Splits between two shares to check in-process (a bit per file, in path order). */
  splits?: number[];
}

const CASES: Case[] = [
  {
    name: 'circular-kustomize-patch',
    found: 'a kustomization.yaml inline patch whose alias sits inside its own anchor (`a: &x [*x]`) parsed to a circular value; '
      + 'JSON.stringify of the file\'s facts threw: the CLI exited 2 with "Converting circular structure to JSON", the language server crashed while indexing',
  },
  {
    name: 'circular-flux-patch',
    found: 'the same in a Flux Kustomization\'s own spec.patches (it applies its own folder, so its patch patches itself): '
      + 'comparing the patched facts as JSON threw, the CLI exited 2',
  },
  {
    name: 'walk-order',
    found: 'the Kustomization applies the root, which has no kustomization.yaml, so every folder under it: apps/ directly, and apps/ again '
      + 'through clusters/kustomization.yaml (namespace flux-system). The walk took sub-folders in the order their files were added, and the first way '
      + 'that reaches a file wins: apps/ks.yaml lived in flux-system or not depending on that order, so its sourceRef resolved to flux-system/flux-system '
      + 'or to flux-system; the CLI (files sorted) and the server (a file created after indexing comes last) said different things',
    late: ['apps/ks.yaml'],
    unresolved: 'warning',
  },
  {
    name: 'nameless-applier-split',
    found: 'ks.yaml, a Kustomization without metadata.name in namespace flux-system, applies the root and so ks-6.yaml (a patch file of '
      + 'apps/kustomization.yaml, so no applier itself): ks-6.yaml lives in flux-system and its sourceRef means flux-system/flux-system. '
      + 'Split between threads (ks-6.yaml alone on one), the thread knew ks.yaml only by its exported facts, which carry no identity for a '
      + 'document without a name, so the namespace inference lost ks.yaml\'s namespace: "flux-system" instead of "flux-system/flux-system"',
    unresolved: 'warning',
    splits: [0b010],
  },
  {
    name: 'templated-patch-warning',
    found: 'a patch body holding a Go template (`name: {{ .Values.name }}`, a map as a key once parsed as YAML) made the yaml library warn '
      + '"Keys with collection values will be stringified": Node printed it on the CLI\'s stderr',
  },
  {
    name: 'backtracking-patch-target',
    found: 'a patch target name `(a+)+` (kustomize targets are anchored regular expressions, which Go matches in linear time) '
      + 'against a Kustomization named with 40 "a"s: JavaScript\'s backtracking engine took hours, the CLI and the server hung '
      + '(fixed: selectors are matched with RE2\'s linear-time engine, re2js)',
  },
];

for (const { name, found, todo, hangs, late, unresolved, splits } of CASES) {
  test(`fleet fuzz counterexample ${name}: the CLI ends alike on one and two threads, the server publishes what it prints`, {
    timeout: budget(120_000),
    ...(todo ? { todo } : {}),
  }, async () => {
    const fleet = parseFleet(readFileSync(join(FIXTURES, `${name}.fleet`), 'utf8'));
    const because = (error: Error) => { throw new Error(`${error.message}\n(found: ${found})`); };
    // In-process, as the fuzzer judges every fleet (not while a case may still hang: it could not be stopped).
    if (!hangs) {
      for (const refs of ['off', 'warning'] as const) {
        try {
          for (const split of [0b01, 0b10, ...(splits ?? [])]) judgeFleet(fleet, refs, split);
        } catch (error) {
          because(error as Error);
        }
      }
    }
    const dir = writeFleet(fleet);
    try {
      // While a case is still open its CLI runs are cut short: a hang costs seconds, not hours.
      const cliJson = await assertJobsAgree(dir, 'json', unresolved === 'warning', todo ? budget(10_000) : undefined).catch(because);
      await assertServerAgrees(dir, fleet, unresolved ?? 'off', { late, cliJson }).catch(because);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
