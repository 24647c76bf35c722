// The registry verbs of the flux-oci CLI, taking the command lines flux users already type:
// `push artifact <url> --path=… --source=… --revision=… -a k=v -o json`, `pull`, `tag --tag`,
// `list --filter-semver`, `build`, plus our own `tags`, `manifest` and `delete`. The word
// `artifact`/`artifacts` after the verb is accepted, so a pasted flux line works as it is.
// Argument parsing and output only; the work is in server/src/oci and server/src/push.

import { resolve } from 'node:path';
import { stat } from 'node:fs/promises';
import { parseReference, Reference, isValidTag } from '../oci/reference';
import { RegistryClient, RegistryClientOptions, MEDIA_TYPES } from '../oci/registry';
import { parseCredentialsFlag, Credentials } from '../oci/auth/credentials';
import { pullArtifact, ArtifactProgress } from '../oci/artifact/push';
import { ANNOTATIONS, packArtifactLayer } from '../oci/artifact/build';
import { artifactContent, checkArtifact } from '../push/checks';
import { publishArtifact, PushRefusedError } from '../push/publish';
import { UsageError, parseArgs, flagValue, flagValues, flagSet, keyValues, type FlagSpec, type ParsedArgs } from './args';
import { filterTags } from './tagFilter';

interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

interface Verb {
  usage: string;
  flags: readonly FlagSpec[];
  run(parsed: ParsedArgs, io: Io, signal: AbortSignal): Promise<number>;
}

const COMMON_FLAGS: readonly FlagSpec[] = [
  { name: '--creds', value: true },
  { name: '--insecure-registry', aliases: ['--insecure'] },
  { name: '--ca-file', value: true },
  { name: '--timeout', value: true },
  { name: '--provider', value: true },
];
const COMMON_USAGE = `common options: --creds user:password  --insecure-registry (plain HTTP to this host)  --ca-file <pem>
                --timeout 5m  --provider generic
credentials otherwise come from ~/.docker/config.json (or $DOCKER_CONFIG) and credential helpers`;

const OUTPUT_FLAG: FlagSpec = { name: '--output', aliases: ['-o'], value: true };
const IGNORE_FLAGS: readonly FlagSpec[] = [
  { name: '--ignore-paths', value: true, list: true },
  { name: '--ignore', value: true, repeat: true },
];

/** Runs `use` with a client for `ref`, closing its connections however `use` ends. */
async function withClient<T>(parsed: ParsedArgs, ref: Reference, use: (client: RegistryClient) => Promise<T>): Promise<T> {
  const client = clientFor(parsed, ref);
  try {
    return await use(client);
  } finally {
    client.close();
  }
}

function clientFor(parsed: ParsedArgs, ref: Reference): RegistryClient {
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

function timeoutSignal(parsed: ParsedArgs, base: AbortSignal): AbortSignal {
  const text = flagValue(parsed, '--timeout');
  if (text === undefined) return base;
  const match = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/.exec(text);
  if (!match || text === '') throw new UsageError('--timeout takes a duration such as 90s, 5m or 1h');
  const ms = Number(match[1] ?? 0) * 3_600_000 + Number(match[2] ?? 0) * 60_000 + Number(match[3] ?? 0) * 1000 + Number(match[4] ?? 0);
  return AbortSignal.any([base, AbortSignal.timeout(ms)]);
}

function referenceArg(parsed: ParsedArgs, what: string, max = 1): Reference {
  const text = parsed.positionals[0];
  if (text === undefined) throw new UsageError(`missing ${what}`);
  if (parsed.positionals.length > max) throw new UsageError(`unexpected argument ${parsed.positionals[max]}`);
  return parseReference(text);
}

function outputFormat(parsed: ParsedArgs): 'text' | 'json' | 'yaml' {
  const value = flagValue(parsed, '--output');
  if (value === undefined) return 'text';
  if (value !== 'json' && value !== 'yaml') throw new UsageError(`--output takes json or yaml, not "${value}"`);
  return value;
}

/** A flat object as YAML (strings quoted where YAML would read them otherwise). */
function toYaml(value: Record<string, string> | Record<string, string>[]): string {
  const scalar = (s: string) => (/^[A-Za-z0-9_./@:+-]+$/.test(s) && !/^(true|false|null|yes|no|on|off|~|[0-9.+-]+)$/i.test(s) && !s.includes(': ') ? s : JSON.stringify(s));
  const block = (o: Record<string, string>, indent: string, first: string) =>
    Object.entries(o).map(([k, v], i) => `${i === 0 ? first : indent}${k}: ${scalar(v)}\n`).join('');
  if (Array.isArray(value)) return value.map((o) => block(o, '  ', '- ')).join('');
  return block(value, '', '');
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
        const unit = phase === 'build' ? 'files' : 'bytes';
        io.stderr(`${phase} ${percent}% (${done}/${total} ${unit})\n`);
      }
    }
  };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

const push: Verb = {
  usage: `usage: flux-oci push [artifact] <oci://host/repo:tag> --path=<dir|file> [options]
build a Flux artifact from a folder (or one file) and push it; the tag is moved last
  --path <dir|file>            what to pack (required)
  --source <url>               org.opencontainers.image.source, e.g. "$(git config --get remote.origin.url)"
  --revision <rev>             org.opencontainers.image.revision, e.g. "$(git branch --show-current)@sha1:$(git rev-parse HEAD)"
  -a, --annotations key=value  extra annotation (repeatable)
  --ignore-paths <patterns>    comma-separated gitignore patterns to leave out (on top of Flux's defaults and .sourceignore)
  --reproducible               fix the created time to 1970-01-01T00:00:00Z so the same files give the same digest
  -o, --output json|yaml       print url, repository, tag and digest in that format
  --force                      replace a tag that already points at another artifact
  --no-verify                  skip the lint and secret scan that run before the upload
before uploading, the YAML is linted (errors stop the push) and the files are scanned for secrets
(Secrets not encrypted with SOPS, private keys, .env files, kubeconfigs with credentials)
${COMMON_USAGE}`,
  flags: [
    ...COMMON_FLAGS, ...IGNORE_FLAGS, OUTPUT_FLAG,
    { name: '--path', value: true },
    { name: '--source', value: true },
    { name: '--revision', value: true },
    { name: '--annotations', aliases: ['-a', '--annotation'], value: true, repeat: true },
    { name: '--reproducible' },
    { name: '--force', aliases: ['--overwrite'] },
    { name: '--no-verify' },
  ],
  async run(parsed, io, signal) {
    const ref = referenceArg(parsed, 'the artifact reference (oci://host/repo:tag)');
    if (ref.digest) throw new UsageError('push needs a tag, not a digest');
    const path = flagValue(parsed, '--path');
    if (!path) throw new UsageError('push needs --path <dir>');
    const format = outputFormat(parsed);
    const annotations = keyValues(flagValues(parsed, '--annotations'), '--annotations');
    const verify = !flagSet(parsed, '--no-verify');
    if (!(await stat(path).catch(() => undefined))) throw new UsageError(`--path ${path} does not exist`);
    const target = ref.tag ? ref : ref.withTag('latest');
    const ops = timeoutSignal(parsed, signal);
    const report = await checkArtifact(path, { ignore: ignorePatterns(parsed), verify, signal: ops });
    if (verify) io.stderr(`checked ${plural(report.files, 'file')}: ${plural(report.lintErrors.length, 'lint error')}, ${plural(report.lintWarnings, 'warning')}, ${plural(report.secrets.length, 'secret')}\n`);
    try {
      const result = await withClient(parsed, target, (client) =>
        publishArtifact(client, target, path, {
          signal: ops,
          report,
          verify,
          source: flagValue(parsed, '--source'),
          revision: flagValue(parsed, '--revision'),
          reproducible: flagSet(parsed, '--reproducible'),
          extra: annotations,
          overwrite: flagSet(parsed, '--force'),
          onProgress: progressPrinter(io),
        }),
      );
      if (result.replaced) io.stderr(`moved ${target} from ${result.replaced}\n`);
      if (result.unchanged) io.stderr(`${target} already pointed at this artifact\n`);
      io.stderr(`pushed ${plural(result.files.length, 'entry').replace('entrys', 'entries')} (${result.layer.size} bytes compressed)\n`);
      const info = { url: `oci://${result.reference.repositoryReference}@${result.digest}`, repository: target.repositoryReference.toString(), tag: target.tag!, digest: result.digest };
      if (format === 'json') io.stdout(`${JSON.stringify(info, null, 2)}\n`);
      else if (format === 'yaml') io.stdout(toYaml(info));
      else io.stdout(`${result.reference.toString()}\n`);
      return 0;
    } catch (error) {
      if (!(error instanceof PushRefusedError)) throw error;
      io.stderr(`error: ${error.message}${error.details.length ? ':' : ''}\n${error.details.map((d) => `  ${d}\n`).join('')}`);
      if (error.refusal === 'overwrite') io.stderr('nothing was uploaded; pass --force to move the tag, or push another tag\n');
      else if (error.refusal === 'lint') io.stderr('nothing was uploaded; fix the errors (flux-oci lint shows them all), or pass --no-verify to push anyway\n');
      else io.stderr('nothing was uploaded; encrypt them with SOPS or leave them out with --ignore-paths or .sourceignore (--no-verify skips this check)\n');
      return 1;
    }
  },
};

function ignorePatterns(parsed: ParsedArgs): string[] {
  return [...flagValues(parsed, '--ignore-paths'), ...flagValues(parsed, '--ignore')];
}

const pull: Verb = {
  usage: `usage: flux-oci pull [artifact] <oci://host/repo[:tag|@digest]> --output <dir>
pull an artifact and extract its content layer safely (no paths outside <dir>, no links)
  -o, --output <dir>   where to extract (required)
${COMMON_USAGE}`,
  flags: [...COMMON_FLAGS, OUTPUT_FLAG],
  async run(parsed, io, signal) {
    const ref = referenceArg(parsed, 'the artifact reference');
    const output = flagValue(parsed, '--output');
    if (!output) throw new UsageError('pull needs --output <dir>');
    await withClient(parsed, ref, async (client) => {
      const result = await pullArtifact(client, ref, resolve(output), { signal: timeoutSignal(parsed, signal), onProgress: progressPrinter(io) });
      io.stderr(`extracted ${plural(result.files.length, 'file')} into ${output}\n`);
      io.stdout(`${ref.repositoryReference.toString()}@${result.digest}\n`);
    });
    return 0;
  },
};

const tags: Verb = {
  usage: `usage: flux-oci tags <oci://host/repo>
list the tags of a repository, one per line
${COMMON_USAGE}`,
  flags: COMMON_FLAGS,
  async run(parsed, io, signal) {
    const ref = referenceArg(parsed, 'the repository reference');
    await withClient(parsed, ref, async (client) => {
      const list = await client.listTags(ref, { signal: timeoutSignal(parsed, signal) });
      io.stdout(list.map((t) => `${t}\n`).join(''));
    });
    return 0;
  },
};

const tag: Verb = {
  usage: `usage: flux-oci tag [artifact] <oci://host/repo:tag|@digest> --tag <new>   (or: tag <ref> <new>)
give an existing artifact more tags (an existing tag of that name is moved)
  --tag <new>   the tag to add (repeatable, or comma-separated)
${COMMON_USAGE}`,
  flags: [...COMMON_FLAGS, { name: '--tag', aliases: ['-t'], value: true, list: true }],
  async run(parsed, io, signal) {
    const ref = referenceArg(parsed, 'the artifact reference', 2);
    const newTags = [...flagValues(parsed, '--tag'), ...parsed.positionals.slice(1)];
    if (newTags.length === 0) throw new UsageError('tag needs --tag <new>');
    for (const t of newTags) if (!isValidTag(t)) throw new UsageError(`"${t}" is not a valid tag`);
    await withClient(parsed, ref, async (client) => {
      const ops = timeoutSignal(parsed, signal);
      for (const t of newTags) {
        const digest = await client.tag(ref, t, { signal: ops });
        io.stdout(`${ref.withTag(t).toString()}@${digest}\n`);
      }
    });
    return 0;
  },
};

const manifest: Verb = {
  usage: `usage: flux-oci manifest <oci://host/repo:tag|@digest>
print the manifest JSON (digest and media type on stderr)
${COMMON_USAGE}`,
  flags: COMMON_FLAGS,
  async run(parsed, io, signal) {
    const ref = referenceArg(parsed, 'the artifact reference');
    await withClient(parsed, ref, async (client) => {
      const m = await client.getManifest(ref, { signal: timeoutSignal(parsed, signal) });
      io.stderr(`digest: ${m.digest}\nmediaType: ${m.mediaType}\n`);
      io.stdout(`${JSON.stringify(JSON.parse(m.bytes.toString('utf8')), null, 2)}\n`);
    });
    return 0;
  },
};

const del: Verb = {
  usage: `usage: flux-oci delete <oci://host/repo:tag|@digest> [--tag-only]
delete the manifest (every tag pointing at it goes too)
  --tag-only   remove just the tag, where the registry allows it
${COMMON_USAGE}`,
  flags: [...COMMON_FLAGS, { name: '--tag-only' }],
  async run(parsed, io, signal) {
    const ref = referenceArg(parsed, 'the artifact reference');
    const tagOnly = flagSet(parsed, '--tag-only');
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
  },
};

interface ListedArtifact {
  artifact: string;
  digest: string;
  source: string;
  revision: string;
}

const list: Verb = {
  usage: `usage: flux-oci list [artifacts] <oci://host/repo> [--filter-semver <range>] [--filter-regex <re>]
list the artifacts of a repository: artifact, digest, source, revision
  --filter-semver <range>   only tags in this semver range (Flux's syntax: ">=1.0.0 <2.0.0", "1.x"), newest first
  --filter-regex <re>       only tags matching this regular expression
  -o, --output json|yaml    machine-readable output
${COMMON_USAGE}`,
  flags: [...COMMON_FLAGS, OUTPUT_FLAG, { name: '--filter-semver', value: true }, { name: '--filter-regex', value: true }],
  async run(parsed, io, signal) {
    const ref = referenceArg(parsed, 'the repository reference (oci://host/repo)');
    if (ref.tag || ref.digest) throw new UsageError('list takes a repository without a tag or digest');
    const format = outputFormat(parsed);
    const ops = timeoutSignal(parsed, signal);
    const rows = await withClient(parsed, ref, async (client) => {
      const all = await client.listTags(ref, { signal: ops });
      const wanted = filterTags(all, { semver: flagValue(parsed, '--filter-semver'), regex: flagValue(parsed, '--filter-regex') });
      return mapLimit(wanted, 8, async (t): Promise<ListedArtifact> => {
        const m = await client.getManifest(ref.withTag(t), { signal: ops });
        let annotations: Record<string, string> = {};
        if (m.mediaType === MEDIA_TYPES.ociManifest || m.mediaType === MEDIA_TYPES.dockerManifest) {
          annotations = (JSON.parse(m.bytes.toString('utf8')) as { annotations?: Record<string, string> }).annotations ?? {};
        }
        return { artifact: ref.withTag(t).toString(), digest: m.digest, source: annotations[ANNOTATIONS.source] ?? '', revision: annotations[ANNOTATIONS.revision] ?? '' };
      });
    });
    if (format === 'json') io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
    else if (format === 'yaml') io.stdout(rows.length ? toYaml(rows as unknown as Record<string, string>[]) : '[]\n');
    else io.stdout(table(['ARTIFACT', 'DIGEST', 'SOURCE', 'REVISION'], rows.map((r) => [r.artifact, r.digest, r.source, r.revision])));
    return 0;
  },
};

const build: Verb = {
  usage: `usage: flux-oci build [artifact] --path=<dir|file> --output=<file.tgz>
write the artifact's layer (the gzip'd tar Flux would pull) to a file, without a registry
  --path <dir|file>          what to pack (required)
  -o, --output <file.tgz>    where to write it (default artifact.tgz)
  --ignore-paths <patterns>  comma-separated gitignore patterns to leave out`,
  flags: [...IGNORE_FLAGS, OUTPUT_FLAG, { name: '--path', value: true }],
  async run(parsed, io, signal) {
    if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument ${parsed.positionals[0]}`);
    const path = flagValue(parsed, '--path');
    if (!path) throw new UsageError('build needs --path <dir>');
    if (!(await stat(path).catch(() => undefined))) throw new UsageError(`--path ${path} does not exist`);
    const output = resolve(flagValue(parsed, '--output') ?? 'artifact.tgz');
    const content = await artifactContent(path, ignorePatterns(parsed));
    const packed = await packArtifactLayer(content.root, output, { entries: content.entries, signal });
    io.stderr(`packed ${plural(content.files, 'file')} (${packed.size} bytes)\n`);
    io.stdout(`${output} ${packed.digest}\n`);
    return 0;
  },
};

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd() + '\n').join('');
}

/** The registry verbs by name. (`diff` is added here when the diff engine lands.) */
export const REGISTRY_VERBS: Record<string, Verb> = { push, pull, tags, tag, list, build, manifest, delete: del };
export const REGISTRY_COMMANDS: readonly string[] = Object.keys(REGISTRY_VERBS);

export const REGISTRY_USAGE = `registry commands (flux's "push artifact …" lines work as they are; see <command> --help):
  push <oci://host/repo:tag> --path <dir>    build a Flux artifact from a folder and push it
      [--source URL] [--revision REV] [-a key=value]... [--ignore-paths P,…] [--reproducible]
      [-o json|yaml] [--force] [--no-verify]
  pull <oci://host/repo[:tag|@digest]> --output <dir>   pull an artifact and extract it safely
  tag <oci://host/repo:tag> --tag <new>      give an existing artifact another tag
  list <oci://host/repo> [--filter-semver R] [--filter-regex RE]   artifacts with digest, source, revision
  build --path <dir> --output <file.tgz>     write the artifact layer to a file
  tags <oci://host/repo>                     list tags, one per line
  manifest <oci://host/repo:tag>             print the manifest JSON (digest on stderr)
  delete <oci://host/repo:tag|@digest>       delete the manifest (every tag pointing at it goes too)
  ${COMMON_USAGE.replace(/\n/g, '\n  ')}
`;

async function run(command: string, args: string[], io: Io, signal: AbortSignal): Promise<number> {
  const verb = REGISTRY_VERBS[command];
  if (!verb) throw new UsageError(`unknown registry command ${command}`);
  // `flux push artifact …`, `flux list artifacts …`: the noun is optional here.
  const rest = args[0] === 'artifact' || args[0] === 'artifacts' ? args.slice(1) : args;
  let parsed: ParsedArgs;
  try {
    parsed = parseArgs(rest, verb.flags);
  } catch (error) {
    if (error instanceof UsageError) throw new VerbUsageError(error.message, verb.usage);
    throw error;
  }
  if (parsed.help) {
    io.stdout(`${verb.usage}\n`);
    return 0;
  }
  try {
    return await verb.run(parsed, io, signal);
  } catch (error) {
    if (error instanceof UsageError) throw new VerbUsageError(error.message, verb.usage);
    throw error;
  }
}

class VerbUsageError extends UsageError {
  constructor(message: string, readonly usage: string) {
    super(message);
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
      io.stderr(`error: ${error.message}\n\n${error instanceof VerbUsageError ? error.usage : REGISTRY_USAGE}\n`);
      return 2;
    }
    io.stderr(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return error instanceof Error && error.name === 'InvalidReferenceError' ? 2 : 1;
  } finally {
    if (!signal) process.removeListener('SIGINT', onInterrupt);
  }
}
