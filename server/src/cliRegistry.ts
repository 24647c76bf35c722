// The registry verbs of the flux-oci CLI (push, pull, tags, tag, manifest,
// delete), shaped like flux's `push artifact`, `pull artifact` and friends.
// Argument parsing and output only; the work is in server/src/oci.

import { resolve } from 'node:path';
import { stat } from 'node:fs/promises';
import { parseReference, Reference, isValidTag } from './oci/reference';
import { RegistryClient, RegistryClientOptions } from './oci/registry';
import { parseCredentialsFlag, Credentials } from './oci/auth/credentials';
import { pushDirectory, pullArtifact, ArtifactProgress } from './oci/artifact/push';

export const REGISTRY_COMMANDS: readonly string[] = ['push', 'pull', 'tags', 'tag', 'manifest', 'delete'];

export const REGISTRY_USAGE = `registry commands:
  push <oci://host/repo:tag> --path <dir>   build a Flux artifact from a folder and push it
      [--annotation key=value]... [--source URL] [--revision REV] [--reproducible] [--ignore PATTERN]...
  pull <oci://host/repo[:tag|@digest]> --output <dir>   pull an artifact and extract it safely
  tags <oci://host/repo>                    list tags, one per line
  tag <oci://host/repo:tag> <new-tag>       give an existing artifact another tag
  manifest <oci://host/repo:tag>            print the manifest JSON (digest on stderr)
  delete <oci://host/repo:tag|@digest>      delete the manifest (every tag pointing at it goes too)
      [--tag-only]                          remove just the tag, where the registry allows it
  common options: --creds user:password  --insecure (allow plain HTTP to this host)  --ca-file <pem>
  credentials otherwise come from ~/.docker/config.json (or $DOCKER_CONFIG) and credential helpers
`;

interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

class UsageError extends Error {}

interface Parsed {
  positionals: string[];
  flags: Map<string, string[]>;
}

const VALUE_FLAGS = new Set(['--path', '--output', '--annotation', '--source', '--revision', '--creds', '--ca-file', '--ignore', '--timeout']);
const BOOLEAN_FLAGS = new Set(['--reproducible', '--insecure', '--tag-only']);

function parseArgs(args: string[], allowed: readonly string[]): Parsed {
  const positionals: string[] = [];
  const flags = new Map<string, string[]>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (!allowed.includes(name)) throw new UsageError(`unknown option ${name}`);
    let value: string;
    if (BOOLEAN_FLAGS.has(name)) {
      if (eq > 0) throw new UsageError(`${name} takes no value`);
      value = 'true';
    } else if (VALUE_FLAGS.has(name)) {
      if (eq > 0) value = arg.slice(eq + 1);
      else {
        if (i + 1 >= args.length) throw new UsageError(`${name} needs a value`);
        value = args[++i];
      }
    } else throw new UsageError(`unknown option ${name}`);
    flags.set(name, [...(flags.get(name) ?? []), value]);
  }
  return { positionals, flags };
}

const one = (parsed: Parsed, name: string): string | undefined => {
  const values = parsed.flags.get(name);
  if (values && values.length > 1) throw new UsageError(`${name} may be given only once`);
  return values?.[0];
};

const COMMON = ['--creds', '--insecure', '--ca-file', '--timeout'];

function referenceArg(parsed: Parsed, index: number, what: string): Reference {
  const text = parsed.positionals[index];
  if (text === undefined) throw new UsageError(`missing ${what}`);
  return parseReference(text);
}

/** Runs `use` with a client for `ref`, closing its connections however `use` ends. */
async function withClient(parsed: Parsed, ref: Reference, use: (client: RegistryClient) => Promise<void>): Promise<void> {
  const client = clientFor(parsed, ref);
  try {
    await use(client);
  } finally {
    client.close();
  }
}

function clientFor(parsed: Parsed, ref: Reference): RegistryClient {
  const options: RegistryClientOptions = {};
  const creds = one(parsed, '--creds');
  if (creds !== undefined) {
    let credentials: Credentials;
    try {
      credentials = parseCredentialsFlag(creds);
    } catch {
      throw new UsageError('--creds must be <username>:<password>');
    }
    options.credentials = credentials;
  }
  if (one(parsed, '--insecure')) options.insecureHosts = [ref.registry];
  const caFile = one(parsed, '--ca-file');
  if (caFile) options.caFiles = { [ref.registry]: resolve(caFile) };
  return new RegistryClient(options);
}

function timeoutSignal(parsed: Parsed, base: AbortSignal): AbortSignal {
  const text = one(parsed, '--timeout');
  if (text === undefined) return base;
  const match = /^(\d+)(ms|s|m)$/.exec(text);
  if (!match) throw new UsageError('--timeout takes a duration such as 90s or 5m');
  const ms = Number(match[1]) * (match[2] === 'ms' ? 1 : match[2] === 's' ? 1000 : 60_000);
  return AbortSignal.any([base, AbortSignal.timeout(ms)]);
}

function parseAnnotations(values: string[] | undefined): Record<string, string> {
  const annotations: Record<string, string> = {};
  for (const value of values ?? []) {
    const eq = value.indexOf('=');
    if (eq <= 0) throw new UsageError(`--annotation takes key=value, got "${value}"`);
    annotations[value.slice(0, eq)] = value.slice(eq + 1);
  }
  return annotations;
}

function progressPrinter(io: Io): (progress: ArtifactProgress) => void {
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
        io.stderr(`${phase} ${percent}% (${done}/${total} bytes)\n`);
      }
    }
  };
}

async function run(command: string, args: string[], io: Io, signal: AbortSignal): Promise<number> {
  switch (command) {
    case 'push': {
      const parsed = parseArgs(args, [...COMMON, '--path', '--annotation', '--source', '--revision', '--reproducible', '--ignore']);
      const ref = referenceArg(parsed, 0, 'the artifact reference (oci://host/repo:tag)');
      if (parsed.positionals.length > 1) throw new UsageError(`unexpected argument ${parsed.positionals[1]}`);
      if (ref.digest) throw new UsageError('push needs a tag, not a digest');
      const path = one(parsed, '--path');
      if (!path) throw new UsageError('push needs --path <dir>');
      const info = await stat(path).catch(() => undefined);
      if (!info?.isDirectory()) throw new UsageError(`--path ${path} is not a folder`);
      await withClient(parsed, ref, async (client) => {
        const result = await pushDirectory(client, ref.tag ? ref : ref.withTag('latest'), resolve(path), {
          signal: timeoutSignal(parsed, signal),
          source: one(parsed, '--source'),
          revision: one(parsed, '--revision'),
          reproducible: one(parsed, '--reproducible') === 'true',
          extra: parseAnnotations(parsed.flags.get('--annotation')),
          ignore: parsed.flags.get('--ignore'),
          onProgress: progressPrinter(io),
        });
        io.stderr(`pushed ${result.files.length} entries (${result.layer.size} bytes compressed)\n`);
        io.stdout(`${result.reference.toString()}\n`);
      });
      return 0;
    }
    case 'pull': {
      const parsed = parseArgs(args, [...COMMON, '--output']);
      const ref = referenceArg(parsed, 0, 'the artifact reference');
      const output = one(parsed, '--output');
      if (!output) throw new UsageError('pull needs --output <dir>');
      await withClient(parsed, ref, async (client) => {
        const result = await pullArtifact(client, ref, resolve(output), { signal: timeoutSignal(parsed, signal), onProgress: progressPrinter(io) });
        io.stderr(`extracted ${result.files.length} files into ${output}\n`);
        io.stdout(`${ref.repositoryReference.toString()}@${result.digest}\n`);
      });
      return 0;
    }
    case 'tags': {
      const parsed = parseArgs(args, COMMON);
      const ref = referenceArg(parsed, 0, 'the repository reference');
      await withClient(parsed, ref, async (client) => {
        const tags = await client.listTags(ref, { signal: timeoutSignal(parsed, signal) });
        io.stdout(tags.map((t) => `${t}\n`).join(''));
      });
      return 0;
    }
    case 'tag': {
      const parsed = parseArgs(args, COMMON);
      const ref = referenceArg(parsed, 0, 'the artifact reference');
      const newTag = parsed.positionals[1];
      if (!newTag) throw new UsageError('tag needs the new tag as its second argument');
      if (!isValidTag(newTag)) throw new UsageError(`"${newTag}" is not a valid tag`);
      await withClient(parsed, ref, async (client) => {
        const digest = await client.tag(ref, newTag, { signal: timeoutSignal(parsed, signal) });
        io.stdout(`${ref.withTag(newTag).toString()}@${digest}\n`);
      });
      return 0;
    }
    case 'manifest': {
      const parsed = parseArgs(args, COMMON);
      const ref = referenceArg(parsed, 0, 'the artifact reference');
      await withClient(parsed, ref, async (client) => {
        const manifest = await client.getManifest(ref, { signal: timeoutSignal(parsed, signal) });
        io.stderr(`digest: ${manifest.digest}\nmediaType: ${manifest.mediaType}\n`);
        io.stdout(`${JSON.stringify(JSON.parse(manifest.bytes.toString('utf8')), null, 2)}\n`);
      });
      return 0;
    }
    case 'delete': {
      const parsed = parseArgs(args, [...COMMON, '--tag-only']);
      const ref = referenceArg(parsed, 0, 'the artifact reference');
      const tagOnly = one(parsed, '--tag-only') === 'true';
      if (tagOnly && (!ref.tag || ref.digest)) throw new UsageError('--tag-only needs a reference with a tag and no digest');
      await withClient(parsed, ref, async (client) => {
        if (tagOnly) {
          await client.deleteTag(ref, { signal: timeoutSignal(parsed, signal) });
          io.stdout(`deleted tag ${ref.toString()}\n`);
          return;
        }
        const digest = await client.deleteManifest(ref, { signal: timeoutSignal(parsed, signal) });
        io.stdout(`deleted ${ref.repositoryReference.toString()}@${digest}\n`);
      });
      return 0;
    }
    default:
      throw new UsageError(`unknown registry command ${command}`);
  }
}

/** Run one registry verb; returns the exit code (0 ok, 1 failed, 2 usage error). */
export async function runRegistryCommand(command: string, args: string[], io: Io, signal?: AbortSignal): Promise<number> {
  const controller = new AbortController();
  const onInterrupt = () => controller.abort(new Error('interrupted'));
  if (!signal) process.once('SIGINT', onInterrupt);
  try {
    return await run(command, args, io, signal ?? controller.signal);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`error: ${error.message}\n\n${REGISTRY_USAGE}`);
      return 2;
    }
    io.stderr(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return error instanceof Error && error.name === 'InvalidReferenceError' ? 2 : 1;
  } finally {
    if (!signal) process.removeListener('SIGINT', onInterrupt);
  }
}
