// What the registry verbs of the CLI share: the verb shape, common flags (credentials, plain
// HTTP, CA, timeout), a client per command, output formats and progress lines.
import { resolve } from 'node:path';
import { parseReference, Reference } from '../oci/reference';
import { RegistryClient, RegistryClientOptions } from '../oci/registry';
import { parseCredentialsFlag, Credentials } from '../oci/auth/credentials';
import type { ArtifactProgress } from '../oci/artifact/push';
import { UsageError, flagValue, flagValues, flagSet, type FlagSpec, type ParsedArgs } from './args';

export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

/** One registry verb: its usage text (for `<verb> --help`), its flags, and what it does. */
export interface Verb {
  usage: string;
  flags: readonly FlagSpec[];
  run(parsed: ParsedArgs, io: Io, signal: AbortSignal): Promise<number>;
}

export const COMMON_FLAGS: readonly FlagSpec[] = [
  { name: '--creds', value: true },
  { name: '--insecure-registry', aliases: ['--insecure'] },
  { name: '--ca-file', value: true },
  { name: '--timeout', value: true },
  { name: '--provider', value: true },
];
export const COMMON_USAGE = `common options: --creds user:password  --insecure-registry (plain HTTP to this host)  --ca-file <pem>
                --timeout 5m  --provider generic
credentials otherwise come from ~/.docker/config.json (or $DOCKER_CONFIG) and credential helpers`;

export const OUTPUT_FLAG: FlagSpec = { name: '--output', aliases: ['-o'], value: true };
export const IGNORE_FLAGS: readonly FlagSpec[] = [
  { name: '--ignore-paths', value: true, list: true },
  { name: '--ignore', value: true, repeat: true },
];

/** Runs `use` with a client for `ref`, closing its connections however `use` ends. */
export async function withClient<T>(parsed: ParsedArgs, ref: Reference, use: (client: RegistryClient) => Promise<T>): Promise<T> {
  const client = clientFor(parsed, ref);
  try {
    return await use(client);
  } finally {
    client.close();
  }
}

export function clientFor(parsed: ParsedArgs, ref: Reference): RegistryClient {
  const options: RegistryClientOptions = {};
  const provider = flagValue(parsed, '--provider');
  if (provider !== undefined && provider !== 'generic') {
    throw new UsageError(`--provider ${provider} is not supported; use generic with --creds or a Docker credential helper (e.g. docker-credential-ecr-login)`);
  }
  const creds = flagValue(parsed, '--creds');
  if (creds !== undefined) {
    let credentials: Credentials;
    try {
      credentials = parseCredentialsFlag(creds);
    } catch {
      throw new UsageError('--creds must be <username>:<password>');
    }
    options.credentials = credentials;
  }
  if (flagSet(parsed, '--insecure-registry')) options.insecureHosts = [ref.registry];
  const caFile = flagValue(parsed, '--ca-file');
  if (caFile) options.caFiles = { [ref.registry]: resolve(caFile) };
  return new RegistryClient(options);
}

export function timeoutSignal(parsed: ParsedArgs, base: AbortSignal): AbortSignal {
  const text = flagValue(parsed, '--timeout');
  if (text === undefined) return base;
  const match = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/.exec(text);
  if (!match || text === '') throw new UsageError('--timeout takes a duration such as 90s, 5m or 1h');
  const ms = Number(match[1] ?? 0) * 3_600_000 + Number(match[2] ?? 0) * 60_000 + Number(match[3] ?? 0) * 1000 + Number(match[4] ?? 0);
  return AbortSignal.any([base, AbortSignal.timeout(ms)]);
}

export function referenceArg(parsed: ParsedArgs, what: string, max = 1): Reference {
  const text = parsed.positionals[0];
  if (text === undefined) throw new UsageError(`missing ${what}`);
  if (parsed.positionals.length > max) throw new UsageError(`unexpected argument ${parsed.positionals[max]}`);
  return parseReference(text);
}

export function outputFormat(parsed: ParsedArgs): 'text' | 'json' | 'yaml' {
  const value = flagValue(parsed, '--output');
  if (value === undefined) return 'text';
  if (value !== 'json' && value !== 'yaml') throw new UsageError(`--output takes json or yaml, not "${value}"`);
  return value;
}

/** A flat object as YAML (strings quoted where YAML would read them otherwise). */
export function toYaml(value: Record<string, string> | Record<string, string>[]): string {
  const scalar = (s: string) => (/^[A-Za-z0-9_./@:+-]+$/.test(s) && !/^(true|false|null|yes|no|on|off|~|[0-9.+-]+)$/i.test(s) && !s.includes(': ') ? s : JSON.stringify(s));
  const block = (o: Record<string, string>, indent: string, first: string) =>
    Object.entries(o).map(([k, v], i) => `${i === 0 ? first : indent}${k}: ${scalar(v)}\n`).join('');
  if (Array.isArray(value)) return value.map((o) => block(o, '  ', '- ')).join('');
  return block(value, '', '');
}

export function progressPrinter(io: Io): (progress: ArtifactProgress) => void {
  let lastPercent = -1;
  let lastPhase = '';
  return ({ phase, done, total }) => {
    if (phase !== lastPhase) {
      lastPhase = phase;
      lastPercent = -1;
      if (total === 0) io.stderr(`${phase}...\n`);
    }
    if (total > 0) {
      const percent = Math.floor((done / total) * 100);
      if (percent >= lastPercent + 25 || (percent === 100 && lastPercent !== 100)) {
        lastPercent = percent;
        const unit = phase === 'build' ? 'files' : 'bytes';
        io.stderr(`${phase} ${percent}% (${done}/${total} ${unit})\n`);
      }
    }
  };
}

export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function ignorePatterns(parsed: ParsedArgs): string[] {
  return [...flagValues(parsed, '--ignore-paths'), ...flagValues(parsed, '--ignore')];
}
