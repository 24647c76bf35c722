// A scripted LSP session over real stdio: many documents open, thousands of small incremental
// edits (typing, deleting, renaming objects other files refer to, restoring clean text), with
// completion, hover and code-action requests in between. Checks that every request is answered,
// that the diagnostics at the end equal those of a fresh server given the same texts, and
// measures the server's resident memory after warm-up and after the run (/proc/<pid>/status).
// Used by test/lsp/soak.test.ts (short form) and scripts/soak.ts (`npm run soak`, full form).
import { readFileSync } from 'node:fs';
import type { Diagnostic, Position } from 'vscode-languageserver-protocol';
import { startServer, type LspSession } from './lspClient';
import { budget } from '../timing';

export interface SoakOptions {
  documents: number;
  edits: number;
  /** Edits made before the warm-up measurement (not counted in `edits`). */
  warmupEdits: number;
  /** One completion, one hover and one code-action request every this many edits. */
  requestEvery: number;
  seed: number;
  log?: (line: string) => void;
}

export interface SoakResult {
  editsSent: number;
  requestsSent: number;
  requestsAnswered: number;
  requestErrors: string[];
  /** Resident set size of the server in KiB, after warm-up and after the run. */
  rssWarmKiB: number;
  rssEndKiB: number;
  peakRssKiB: number;
  /** Documents whose final diagnostics differ from a fresh server's for the same text. */
  mismatches: string[];
  diagnosticsAtEnd: number;
  durationMs: number;
}

/** A small deterministic PRNG (mulberry32), so a failing run can be replayed by its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A clean document for slot i: an OCIRepository and a Kustomization whose sourceRef names the next slot's. */
function cleanText(i: number, count: number, variant: number): string {
  const next = (i + 1) % count;
  const intervals = ['5m', '10m', '1h', '30s'];
  const tags = ['v1.0.0', 'latest', 'v2'];
  return [
    'apiVersion: source.toolkit.fluxcd.io/v1',
    'kind: OCIRepository',
    'metadata:',
    `  name: app-${i}`,
    '  namespace: flux-system',
    'spec:',
    `  interval: ${intervals[variant % intervals.length]}`,
    `  url: oci://ghcr.io/example/app-${i}`,
    '  ref:',
    `    tag: ${tags[variant % tags.length]}`,
    '---',
    'apiVersion: kustomize.toolkit.fluxcd.io/v1',
    'kind: Kustomization',
    'metadata:',
    `  name: app-${i}`,
    '  namespace: flux-system',
    'spec:',
    '  interval: 10m',
    '  prune: true',
    `  path: ./deploy/${i}`,
    '  sourceRef:',
    '    kind: OCIRepository',
    `    name: app-${variant % 5 === 4 ? 'missing' : next}`,
    '',
  ].join('\n');
}

const TYPED = ['a', '1', ' ', ':', '-', '\n', '  ', 'x', '#', '"', 'm', '\n  bogus: 1', 'v1beta2'];

function positionAt(text: string, offset: number): Position {
  const before = text.slice(0, offset);
  const line = before.split('\n').length - 1;
  return { line, character: offset - (before.lastIndexOf('\n') + 1) };
}

/** Resident memory of a process in KiB (VmRSS) and its peak (VmHWM). */
export function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}

const sortKey = (d: Diagnostic) => JSON.stringify([d.range, d.code, d.message, d.severity]);
const normalise = (ds: readonly Diagnostic[]) => ds.map(sortKey).sort();

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const log = options.log ?? (() => undefined);
  const random = prng(options.seed);
  const started = Date.now();
  const session = await startServer();
  const names = Array.from({ length: options.documents }, (_, i) => `soak/app-${i}.yaml`);
  const texts = new Map<string, string>();
  const versions = new Map<string, number>();
  const result: SoakResult = {
    editsSent: 0, requestsSent: 0, requestsAnswered: 0, requestErrors: [], rssWarmKiB: 0, rssEndKiB: 0, peakRssKiB: 0,
    mismatches: [], diagnosticsAtEnd: 0, durationMs: 0,
  };
  let fresh: LspSession | undefined;
  try {
    for (const [i, name] of names.entries()) {
      const text = cleanText(i, options.documents, 0);
      texts.set(name, text);
      versions.set(name, 1);
      await session.open(name, text);
    }

    /** Sends one ranged change: the smallest range that turns the current text into `next`. */
    const send = (name: string, next: string) => {
      const old = texts.get(name)!;
      let start = 0;
      while (start < old.length && start < next.length && old[start] === next[start]) start++;
      let endOld = old.length;
      let endNew = next.length;
      while (endOld > start && endNew > start && old[endOld - 1] === next[endNew - 1]) { endOld--; endNew--; }
      const version = versions.get(name)! + 1;
      versions.set(name, version);
      texts.set(name, next);
      void session.conn.sendNotification('textDocument/didChange', {
        textDocument: { uri: session.uri(name), version },
        contentChanges: [{ range: { start: positionAt(old, start), end: positionAt(old, endOld) }, text: next.slice(start, endNew) }],
      });
      result.editsSent++;
    };

    const oneEdit = () => {
      const i = Math.floor(random() * names.length);
      const name = names[i];
      const text = texts.get(name)!;
      const roll = random();
      if (roll < 0.25) {
        // Back to a clean variant: often renames what other files refer to.
        send(name, cleanText(i, options.documents, Math.floor(random() * 20)));
      } else if (roll < 0.75) {
        const at = Math.floor(random() * (text.length + 1));
        send(name, text.slice(0, at) + TYPED[Math.floor(random() * TYPED.length)] + text.slice(at));
      } else {
        const at = Math.floor(random() * text.length);
        send(name, text.slice(0, at) + text.slice(at + 1 + Math.floor(random() * 3)));
      }
    };

    const requests = async () => {
      const name = names[Math.floor(random() * names.length)];
      const text = texts.get(name)!;
      const position = positionAt(text, Math.floor(random() * (text.length + 1)));
      const line = position.line;
      const asks: Promise<unknown>[] = [
        session.completion(name, position),
        session.hover(name, position),
        session.codeActions(name, { start: { line, character: 0 }, end: { line: line + 1, character: 0 } }, session.lastDiagnostics(name) ?? []),
      ];
      result.requestsSent += asks.length;
      const settledAsks = await Promise.allSettled(asks);
      for (const s of settledAsks) {
        if (s.status === 'fulfilled') result.requestsAnswered++;
        else result.requestErrors.push(String((s.reason as Error)?.message ?? s.reason));
      }
    };

    const run = async (count: number, label: string) => {
      for (let n = 1; n <= count; n++) {
        oneEdit();
        if (n % options.requestEvery === 0) await requests();
        if (n % 1000 === 0) log(`${label}: ${n} edits, rss ${memoryOf(session.proc.pid!).rss} KiB`);
      }
      // A round trip after the last change: the server has worked through the backlog.
      await requests();
    };

    await run(options.warmupEdits, 'warm-up');
    result.rssWarmKiB = memoryOf(session.proc.pid!).rss;
    log(`after warm-up (${options.documents} documents, ${options.warmupEdits} edits): rss ${result.rssWarmKiB} KiB`);
    await run(options.edits, 'soak');
    const end = memoryOf(session.proc.pid!);
    result.rssEndKiB = end.rss;
    result.peakRssKiB = end.peak;
    log(`after ${options.edits} edits: rss ${end.rss} KiB, peak ${end.peak} KiB`);

    // The diagnostics the soaked server ends with equal a fresh server's for the same texts.
    const settle = async (s: LspSession, name: string, version: Map<string, number>) => {
      for (let k = 0; k < 2; k++) {
        const v = version.get(name)! + 1;
        version.set(name, v);
        const wait = s.nextDiagnostics(name, () => true, budget(60_000));
        void s.conn.sendNotification('textDocument/didChange', { textDocument: { uri: s.uri(name), version: v }, contentChanges: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '' }] });
        await wait;
      }
      return s.lastDiagnostics(name) ?? [];
    };
    fresh = await startServer({ root: session.root });
    const freshVersions = new Map<string, number>();
    for (const name of names) {
      freshVersions.set(name, 1);
      await fresh.open(name, texts.get(name)!);
    }
    for (const name of names) {
      const soaked = normalise(await settle(session, name, versions));
      const expected = normalise(await settle(fresh, name, freshVersions));
      result.diagnosticsAtEnd += soaked.length;
      if (JSON.stringify(soaked) !== JSON.stringify(expected)) {
        result.mismatches.push(`${name}: soaked ${soaked.length} diagnostics, fresh ${expected.length}\n  soaked: ${soaked.join('\n          ')}\n  fresh:  ${expected.join('\n          ')}`);
      }
    }
  } finally {
    await fresh?.close();
    await session.close();
  }
  result.durationMs = Date.now() - started;
  return result;
}

/** Resident memory after the run may exceed the memory after warm-up by at most this fraction. */
export const SERVER_MEMORY_TOLERANCE = 0.2;
