// The registry verbs of the flux-oci CLI, taking the command lines flux users already type:
// `push artifact <url> --path=… --source=… --revision=… -a k=v -o json`, `pull`, `tag --tag`,
// `list --filter-semver`, `build`, plus our own `tags`, `manifest` and `delete`. The word
// `artifact`/`artifacts` after the verb is accepted, so a pasted flux line works as it is.
// Dispatch, usage and the small verbs here; push/build and list in their own modules.

import { runDiffCommand } from './diff';
import { resolve } from 'node:path';
import { isValidTag } from '../oci/reference';
import { pullArtifact } from '../oci/artifact/push';
import { UsageError, parseArgs, flagValue, flagValues, flagSet, type ParsedArgs } from './args';
import { COMMON_FLAGS, COMMON_USAGE, OUTPUT_FLAG, plural, progressPrinter, referenceArg, timeoutSignal, withClient, type Io, type Verb } from './registryCommon';
import { push, build } from './push';
import { list } from './list';

export type { Verb } from './registryCommon';

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

export const REGISTRY_VERBS: Record<string, Verb> = { push, pull, tags, tag, list, build, manifest, delete: del };
/** `diff` parses its own flags (server/src/cli/diff.ts) and shares the rest of the dispatch. */
export const REGISTRY_COMMANDS: readonly string[] = [...Object.keys(REGISTRY_VERBS), 'diff'];

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
  diff <oci://host/repo:tag> --path <dir>    name each added, removed and changed file; exit 1 when they differ
  ${COMMON_USAGE.replace(/\n/g, '\n  ')}
`;

async function run(command: string, args: string[], io: Io, signal: AbortSignal): Promise<number> {
  // `flux push artifact …`, `flux list artifacts …`: the noun is optional here.
  const rest = args[0] === 'artifact' || args[0] === 'artifacts' ? args.slice(1) : args;
  if (command === 'diff') return runDiffCommand(rest, io, signal);
  const verb = REGISTRY_VERBS[command];
  if (!verb) throw new UsageError(`unknown registry command ${command}`);
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
