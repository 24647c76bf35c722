// `flux-oci diff <oci://host/repo:tag|@digest> --path=<dir>`: compares an artifact in a
// registry with a local folder, the way `flux diff artifact` does, but names each file.
// Exit status: 0 the same, 1 different (each added/removed/changed file on stdout),
// 2 usage, I/O or registry error (a refused artifact included).

import { resolve } from 'node:path';
import { stat } from 'node:fs/promises';
import { parseReference } from '../oci/reference';
import { RegistryClient, type RegistryClientOptions } from '../oci/registry';
import { parseCredentialsFlag } from '../oci/auth/credentials';
import { diffArtifact, isSame } from '../oci/artifact/diff';
import { DEFAULT_MAX_ARTIFACT_BYTES } from '../oci/artifact/extract';

export const DIFF_USAGE = `usage: flux-oci diff <oci://host/repo:tag|@digest> --path=<dir> [options]
  compares the artifact with the folder as push would pack it (Flux's default ignore list and
  .sourceignore files apply to the folder); prints "added", "removed" or "changed" and the path
  for every file that differs
  --ignore-paths <patterns>   more gitignore patterns, comma-separated (repeatable)
  --creds user:password       registry credentials (else ~/.docker/config.json and helpers)
  --insecure-registry         allow plain HTTP to this registry (loopback hosts always may)
  --ca-file <pem>             trust a private CA for this registry
  --max-size <bytes>          largest uncompressed artifact accepted (default ${DEFAULT_MAX_ARTIFACT_BYTES})
exit status: 0 the same, 1 different, 2 usage, I/O or registry error
`;

export interface DiffIo {
  stdout(s: string): void;
  stderr(s: string): void;
}

class UsageError extends Error {}

interface DiffArgs {
  url: string;
  path: string;
  ignore: string[];
  creds?: string;
  insecure: boolean;
  caFile?: string;
  maxSize?: number;
}

function parse(args: string[]): DiffArgs {
  const positionals: string[] = [];
  const out: DiffArgs = { url: '', path: '', ignore: [], insecure: false };
  let path: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      if (i + 1 >= args.length) throw new UsageError(`${name} needs a value`);
      return args[++i];
    };
    switch (name) {
      case '--path':
        if (path !== undefined) throw new UsageError('--path may be given only once');
        path = value();
        break;
      case '--ignore-paths':
        out.ignore.push(...value().split(',').map((p) => p.trim()).filter(Boolean));
        break;
      case '--creds':
        out.creds = value();
        break;
      case '--ca-file':
        out.caFile = value();
        break;
      case '--max-size': {
        const text = value();
        if (!/^\d+$/.test(text) || Number(text) <= 0) throw new UsageError('--max-size takes a number of bytes');
        out.maxSize = Number(text);
        break;
      }
      case '--insecure-registry':
      case '--insecure':
        if (eq > 0) throw new UsageError(`${name} takes no value`);
        out.insecure = true;
        break;
      default:
        throw new UsageError(`unknown option ${name}`);
    }
  }
  if (positionals.length === 0) throw new UsageError('missing the artifact reference (oci://host/repo:tag)');
  if (positionals.length > 1) throw new UsageError(`unexpected argument ${positionals[1]}`);
  if (!path) throw new UsageError('diff needs --path <dir>');
  out.url = positionals[0];
  out.path = path;
  return out;
}

/** Runs `flux-oci diff`; returns the exit status. */
export async function runDiffCommand(args: string[], io: DiffIo, signal: AbortSignal): Promise<number> {
  let parsed: DiffArgs;
  try {
    parsed = parse(args);
  } catch (error) {
    io.stderr(`error: ${(error as Error).message}\n\n${DIFF_USAGE}`);
    return 2;
  }
  let client: RegistryClient | undefined;
  try {
    const ref = parseReference(parsed.url);
    const folder = resolve(parsed.path);
    const info = await stat(folder).catch(() => undefined);
    if (!info?.isDirectory()) throw new Error(`--path ${parsed.path} is not a folder`);
    const options: RegistryClientOptions = {};
    if (parsed.creds !== undefined) {
      try {
        options.credentials = parseCredentialsFlag(parsed.creds);
      } catch {
        throw new UsageError('--creds must be <username>:<password>');
      }
    }
    if (parsed.insecure) options.insecureHosts = [ref.registry];
    if (parsed.caFile) options.caFiles = { [ref.registry]: resolve(parsed.caFile) };
    client = new RegistryClient(options);
    const max = parsed.maxSize ?? DEFAULT_MAX_ARTIFACT_BYTES;
    const diff = await diffArtifact(client, ref, folder, { signal, ignore: parsed.ignore, maxTotalBytes: max, maxFileBytes: max });
    const lines = [...diff.added.map((f) => `added: ${f}`), ...diff.removed.map((f) => `removed: ${f}`), ...diff.changed.map((f) => `changed: ${f}`)];
    io.stdout(lines.map((l) => `${l}\n`).join(''));
    if (isSame(diff)) {
      io.stderr(`${ref.repositoryReference.toString()}@${diff.digest} and ${parsed.path} are the same (${diff.unchanged} files)\n`);
      return 0;
    }
    io.stderr(`${ref.repositoryReference.toString()}@${diff.digest} and ${parsed.path} differ: ${diff.added.length} added, ${diff.removed.length} removed, ${diff.changed.length} changed, ${diff.unchanged} the same\n`);
    return 1;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`error: ${error.message}\n\n${DIFF_USAGE}`);
      return 2;
    }
    io.stderr(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  } finally {
    client?.close();
  }
}
