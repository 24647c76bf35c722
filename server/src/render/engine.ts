// The kustomize engine we render with: `kustomize build`, or `kubectl kustomize` (which embeds
// kustomize), found on PATH or at a path the user set. We never reimplement kustomize: the engine
// is the floor, and our part is what kustomize-controller does around it.
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { basename, delimiter, join } from 'node:path';

export interface KustomizeEngine {
  /** The program to run. */
  command: string;
  /** Arguments before the folder: `build` for kustomize, `kustomize` for kubectl. */
  verb: string[];
  /** For messages: `kustomize` or `kubectl kustomize` (with versions: describeEngine). */
  description: string;
}

export class EngineMissingError extends Error {
  constructor(tried: string[]) {
    super(
      `no kustomize engine found (tried ${tried.join(', ')}): install kustomize ` +
        `(https://kubectl.docs.kubernetes.io/installation/kustomize/) or kubectl ` +
        `(https://kubernetes.io/docs/tasks/tools/), or give its path with --kustomize ` +
        `(the setting fluxOci.render.kustomizePath in the editor)`,
    );
  }
}

export class RenderError extends Error {}

interface Output {
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], options: { signal?: AbortSignal; cwd?: string; maxBuffer?: number } = {}): Promise<Output> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { signal: options.signal, cwd: options.cwd, maxBuffer: options.maxBuffer ?? 256 * 1024 * 1024, encoding: 'utf8', windowsHide: true }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(error, { stdout, stderr }));
      else resolve({ stdout, stderr });
    });
  });
}

/** The program's path: as given when it has a slash, else the first executable of that name on PATH. */
async function locate(command: string): Promise<string | undefined> {
  const candidates = command.includes('/') ? [command] : (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, command));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

const isKubectl = (command: string) => /kubectl/i.test(basename(command));

const detected = new Map<string, Promise<KustomizeEngine>>();

/**
 * The engine to render with, detected once per session (per configured path): the configured
 * program if any, else `kustomize` on PATH, else `kubectl`. Found by looking, not by running it:
 * a second process of a large Go binary would cost as much as the build itself. Rejects with
 * EngineMissingError.
 */
export function detectEngine(configured?: string): Promise<KustomizeEngine> {
  const key = configured?.trim() || '';
  let found = detected.get(key);
  if (!found) {
    found = (async () => {
      const candidates = key ? [key] : ['kustomize', 'kubectl'];
      for (const candidate of candidates) {
        const command = await locate(candidate);
        if (command) return { command, verb: isKubectl(command) ? ['kustomize'] : ['build'], description: isKubectl(command) ? 'kubectl kustomize' : 'kustomize' };
      }
      throw new EngineMissingError(candidates);
    })();
    // A failed detection is not cached: the user may install the tool and try again.
    found.catch(() => detected.delete(key));
    detected.set(key, found);
  }
  return found;
}

const described = new Map<string, Promise<string>>();

/** The engine with its version, for messages (`kubectl v1.32.4 (kustomize v5.5.0)`); asked once. */
export function describeEngine(engine: KustomizeEngine): Promise<string> {
  let text = described.get(engine.command);
  if (!text) {
    text = (async () => {
      try {
        if (isKubectl(engine.command)) {
          const info = JSON.parse((await run(engine.command, ['version', '--client', '-o', 'json'])).stdout) as { clientVersion?: { gitVersion?: string }; kustomizeVersion?: string };
          return `kubectl ${info.clientVersion?.gitVersion ?? ''}${info.kustomizeVersion ? ` (kustomize ${info.kustomizeVersion})` : ''}`.replace(/ +/g, ' ');
        }
        const out = (await run(engine.command, ['version'])).stdout.trim();
        return `kustomize ${out.match(/v?\d+\.\d+\.\d+[^\s"]*/)?.[0] ?? out}`;
      } catch {
        return engine.description;
      }
    })();
    described.set(engine.command, text);
  }
  return text;
}

/** Runs the engine on a folder as kustomize-controller builds: no load restrictions, no plugins. */
export async function runEngine(engine: KustomizeEngine, folder: string, signal?: AbortSignal): Promise<string> {
  try {
    const { stdout } = await run(engine.command, [...engine.verb, '--load-restrictor', 'LoadRestrictionsNone', folder], { signal });
    return stdout;
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? '').trim();
    if ((error as { name?: string }).name === 'AbortError') throw error;
    throw new RenderError(`kustomize build failed: ${stderr || (error as Error).message}`);
  }
}

/**
 * Options for every YAML parse of the render: the library's warnings off (a Go template such as
 * `{{ include "x" . }}` parses to a map key, and the library would print a warning on stderr).
 */
export const QUIET = { logLevel: 'error', prettyErrors: false } as const;
