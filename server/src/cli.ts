// The flux-oci command line: argument parsing only; the work is done by the language core
// (lint) and the OCI library (registry verbs).
import { isMainThread } from 'node:worker_threads';
import { formatResults, resultsUnder, summary, summaryLine, type LintOptions } from './cli/lint';
import { statSync } from 'node:fs';
import { defaultJobs, lintPathsParallel } from './cli/parallel';
import { NOT_FULLY_JUDGED } from './language/appliedFindings';
import { normalizeRepository, tagOf, type ArtifactMapEntry } from './language/artifacts/types';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { relative as relativePath, resolve as resolvePath } from 'node:path';
import { lintArtifactMap } from './cli/lint';
import { runStatusCommand } from './cli/status';
import { originText } from './language/artifacts/lookup';
import { REGISTRY_COMMANDS, REGISTRY_USAGE, runRegistryCommand } from './cli/registry';
import { KUSTOMIZATION_NOUNS, runBuildKustomization } from './cli/buildKustomization';
import { runDiffKustomization } from './cli/diffKustomization';
import { VERSION } from './version';


const USAGE = `usage: flux-oci <command> [options]

commands:
  lint [paths...]       check Flux YAML in files and folders (default: .), honouring .gitignore
      --format text|json|sarif|codequality   output format (default text; codequality: GitLab's report)
      --unknown-fields warning|off            report fields the API server drops (default warning)
      --unresolved-references warning|off     report sourceRef/chartRef/dependsOn names defined
                                              nowhere in the paths given (default off)
      --jobs N                                worker threads for large trees (default: one per core, 1 on two cores)
      --artifact oci://<repo>[:<tag>]=<folder>  the folder an OCI artifact the fleet syncs is built
                                              from (repeatable; over .flux-oci.yaml and CI files)
      --context <folder>                      read every YAML under <folder> too (sources, apply graph,
                                              references) but report only the paths given: for hooks
                                              that pass the changed files (repeatable; e.g. --context .)
  status [paths...]     for each artifact of the map, is the registry's tag the same as the folder?
                        (exit 1 when one differs or is not pushed; -o json; see flux-oci status --help)
  artifacts [paths...]  list which folder each OCI artifact is built from, and where that was learned
      -o, --output text|json                  output format (default text)
      --artifact oci://<repo>[:<tag>]=<folder>  as for lint
  build kustomization <name> --path <dir> [--kustomization-file <file>]
                        render what a Kustomization applies, as kustomize-controller builds it
                        (flux build ks's command line; needs kustomize or kubectl on PATH)
  diff kustomization <name> --path <dir>
                        what changes in the cluster when the folder is pushed: its render against
                        the render of the artifact the OCIRepository syncs now (exit 1 on changes)
  help                  show this text
  version               print the version

${REGISTRY_USAGE}
exit status (lint): 0 clean (warnings allowed), 1 errors found, 2 usage or I/O error, or a file not fully judged
`;

interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

async function runLint(args: string[], io: Io): Promise<number> {
  const options: LintOptions = { format: 'text', unknownFields: 'warning', unresolvedReferences: 'off' };
  let jobs = defaultJobs();
  const paths: string[] = [];
  const contexts: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--help' || arg === '-h') {
      io.stdout(USAGE);
      return 0;
    }
    if (arg === '--context' || arg.startsWith('--context=')) {
      const value = arg === '--context' ? args[++i] : arg.slice('--context='.length);
      if (!value) throw new UsageError('--context takes a folder');
      if (!statSync(value, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`--context takes a folder; ${value} is not one`);
      contexts.push(value);
    } else if (arg === '--format') {
      const value = args[++i];
      if (value !== 'text' && value !== 'json' && value !== 'sarif' && value !== 'codequality') throw new UsageError(`--format takes text, json, sarif or codequality`);
      options.format = value;
    } else if (arg === '--unknown-fields') {
      const value = args[++i];
      if (value !== 'warning' && value !== 'off') throw new UsageError(`--unknown-fields takes warning or off`);
      options.unknownFields = value;
    } else if (arg === '--unresolved-references') {
      const value = args[++i];
      if (value !== 'warning' && value !== 'off') throw new UsageError(`--unresolved-references takes warning or off`);
      options.unresolvedReferences = value;
    } else if (arg === '--artifact' || arg.startsWith('--artifact=')) {
      const value = arg === '--artifact' ? args[++i] : arg.slice('--artifact='.length);
      (options.artifacts ??= []).push(artifactOption(value ?? ''));
    } else if (arg === '--jobs') {
      jobs = Number(args[++i]);
      if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError(`--jobs takes a whole number of at least 1`);
    } else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
    else paths.push(arg);
  }
  // With --context the folders are read as well, and only the paths given (all, if none) reported.
  const linted = await lintPathsParallel(contexts.length ? [...contexts, ...paths] : paths.length ? paths : ['.'], options, jobs);
  const results = contexts.length && paths.length ? resultsUnder(linted, paths) : linted;
  io.stdout(formatResults(results, options.format));
  const { errors } = summary(results);
  if (options.format === 'text') io.stderr(`${summaryLine(results)}\n`);
  // A file the checks could not finish is not a clean file: say which, and exit 2 (before 1).
  const unjudged = results.filter((r) => r.findings.some((f) => f.code === NOT_FULLY_JUDGED));
  if (unjudged.length) {
    const reason = unjudged[0].findings.find((f) => f.code === NOT_FULLY_JUDGED)!.message.replace(/^not fully judged: /, '');
    io.stderr(`flux-oci: ${unjudged.length} ${unjudged.length === 1 ? 'file was' : 'files were'} not fully judged: ${reason}\n`);
    return 2;
  }
  return errors > 0 ? 1 : 0;
}

class UsageError extends Error {}

/** `flux-oci artifacts`: the artifact map, with where each entry was learned. */
function runArtifacts(args: string[], io: Io): number {
  let output: 'text' | 'json' = 'text';
  const given: ArtifactMapEntry[] = [];
  const paths: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--help' || arg === '-h') {
      io.stdout(USAGE);
      return 0;
    }
    if (arg === '-o' || arg === '--output') {
      const value = args[++i];
      if (value !== 'text' && value !== 'json') throw new UsageError('--output takes text or json');
      output = value;
    } else if (arg === '--artifact' || arg.startsWith('--artifact=')) {
      given.push(artifactOption((arg === '--artifact' ? args[++i] : arg.slice('--artifact='.length)) ?? ''));
    } else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
    else paths.push(arg);
  }
  const entries = lintArtifactMap(paths.length ? paths : ['.'], given);
  const shown = (uri: string | undefined) => (uri?.startsWith('file:') ? relativePath(process.cwd(), fileURLToPath(uri)) || '.' : uri ?? '');
  if (output === 'json') {
    io.stdout(`${JSON.stringify(entries.map((e) => ({
      url: `oci://${e.repository}`, tag: e.tag ?? null, folder: shown(e.folder), path: e.path, ignorePaths: e.ignorePaths, verifiable: e.verifiable,
      origin: { kind: e.origin.kind, file: e.origin.uri ? shown(e.origin.uri) : null, line: e.origin.line !== undefined ? e.origin.line + 1 : null },
    })), null, 2)}\n`);
    return 0;
  }
  if (entries.length === 0) {
    io.stderr('flux-oci: no artifact map entry: no .flux-oci.yaml, no CI push of a folder, no --artifact\n');
    return 0;
  }
  for (const e of entries) {
    const where = originText(e, (uri) => shown(uri));
    const notes = [...(e.ignorePaths.length ? [`ignoring ${e.ignorePaths.join(',')}`] : []), ...(e.verifiable ? [] : ['not verifiable: generated or a single file'])];
    // One line per entry: a line break (or any control character) in a folder name is shown escaped.
    io.stdout(`${oneLine(`oci://${e.repository}:${e.tag ?? '*'}  ${shown(e.folder)}  ${where}${notes.length ? `  (${notes.join('; ')})` : ''}`)}\n`);
  }
  return 0;
}

/** Control characters escaped (`\n`, `\r`, `\t`, else `\u001b`), so a text stays on one line and cannot drive the terminal. */
function oneLine(text: string): string {
  const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => named[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `--artifact oci://ghcr.io/org/fleet[:tag]=./kubernetes`: the folder an artifact is built from. */
function artifactOption(value: string): ArtifactMapEntry {
  const eq = value.lastIndexOf('=');
  const url = eq > 0 ? value.slice(0, eq) : '';
  const path = eq > 0 ? value.slice(eq + 1) : '';
  const repository = normalizeRepository(url);
  if (!url.startsWith('oci://') || !repository || !path) throw new UsageError(`--artifact takes oci://<registry>/<repository>[:<tag>]=<folder>, not "${value}"`);
  const tag = tagOf(url);
  const folder = pathToFileURL(resolvePath(path)).href.replace(/\/?$/, '/');
  return { repository, ...(tag ? { tag } : {}), folder, path, ignorePaths: [], verifiable: !/\.(ya?ml|json|tgz|tar\.gz)$/i.test(path), origin: { kind: 'option' } };
}

/** Runs `work` with a signal that Ctrl-C aborts. */
async function withInterrupt<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const stop = () => controller.abort(new Error('interrupted'));
  process.once('SIGINT', stop);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', stop);
  }
}

export async function main(argv: string[], io: Io): Promise<number> {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case 'lint':
        return await runLint(args, io);
      case 'artifacts':
        return runArtifacts(args, io);
      case 'status':
        return await withInterrupt((signal) => runStatusCommand(args, io, signal, artifactOption));
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout(USAGE);
        return command === undefined ? 2 : 0;
      case 'version':
      case '--version':
        io.stdout(`${VERSION}\n`);
        return 0;
      default:
        // The noun chooses the verb's meaning: `build kustomization` renders, `build artifact` packs.
        if (command === 'build' && KUSTOMIZATION_NOUNS.has(args[0] ?? '')) return await withInterrupt((signal) => runBuildKustomization(args.slice(1), io, signal));
        if (command === 'diff' && KUSTOMIZATION_NOUNS.has(args[0] ?? '')) return await withInterrupt((signal) => runDiffKustomization(args.slice(1), io, signal));
        if (REGISTRY_COMMANDS.includes(command)) return await runRegistryCommand(command, args, io);
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    io.stderr(`flux-oci: ${(error as Error).message}\n`);
    if (error instanceof UsageError) io.stderr(USAGE);
    return 2;
  }
}

if (require.main === module && isMainThread) {
  const io: Io = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) };
  main(process.argv.slice(2), io).then((code) => { process.exitCode = code; });
}
