// The checks that run before anything is uploaded, shared by the CLI and the editor: what the
// artifact will hold (Flux's ignore rules), our lint over its YAML (errors stop the push), and a
// secret scan (Secrets not encrypted with SOPS, private keys, .env files, kubeconfigs with
// credentials). Files are read one at a time, so memory does not grow with the folder.
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { listArtifactEntries, EmptyArtifactError } from '../oci/artifact/build';
import { WorkspaceIndex } from '../language/workspaceIndex';
import { defaultLintContext } from '../language/lint';
import { lintAsApplied } from '../language/appliedFindings';
import { applyGraphOf } from '../language/applyGraph';
import { scanForSecrets, looksLikeText, type SecretFinding } from './secrets';

export type { SecretFinding } from './secrets';

export interface LintProblem {
  /** Relative to the artifact root, POSIX separators. */
  path: string;
  line: number;
  column: number;
  severity: 'error' | 'warning';
  code: string;
  message: string;
}

/** What gets packed: the folder (or the file's folder) and the entries relative to it. */
export interface ArtifactContent {
  root: string;
  entries: string[];
  /** Regular files among the entries. */
  files: number;
  bytes: number;
}

export interface PushCheckReport extends ArtifactContent {
  /** Lint errors (a push stops on them unless the user says otherwise). */
  lintErrors: LintProblem[];
  lintWarnings: number;
  /** Secrets found; a push stops on them. */
  secrets: SecretFinding[];
  /** False when lint and scan were skipped (--no-verify). */
  verified: boolean;
}

export interface PushCheckOptions {
  /** Extra ignore patterns (gitignore syntax) on top of Flux's defaults and .sourceignore. */
  ignore?: readonly string[];
  /** Run lint and the secret scan (default true). */
  verify?: boolean;
  signal?: AbortSignal;
}

/** Files larger than this are neither linted nor scanned (they are not configuration). */
const MAX_SCANNED_BYTES = 8 * 1024 * 1024;
const YAML = /\.ya?ml$/i;

/** The entries a push of `path` (a folder or a single file) packs. Throws EmptyArtifactError. */
export async function artifactContent(path: string, ignore: readonly string[] = []): Promise<ArtifactContent & { sizes: Map<string, number> }> {
  const absolute = resolve(path);
  const info = await stat(absolute).catch(() => undefined);
  if (!info) throw new Error(`${path} does not exist`);
  let root = absolute;
  let entries: string[];
  if (info.isDirectory()) entries = await listArtifactEntries(absolute, ignore);
  else if (info.isFile()) {
    root = dirname(absolute);
    entries = [basename(absolute)];
  } else throw new Error(`${path} is neither a folder nor a regular file`);
  const sizes = new Map<string, number>();
  let bytes = 0;
  for (const entry of entries) {
    const s = await stat(join(root, entry));
    if (s.isFile()) {
      sizes.set(entry, s.size);
      bytes += s.size;
    }
  }
  if (sizes.size === 0) throw new EmptyArtifactError(`nothing to push from ${path}: ${entries.length === 0 ? 'the folder is empty or every file is ignored' : 'it holds only empty folders'}`);
  return { root, entries, files: sizes.size, bytes, sizes };
}

export async function checkArtifact(path: string, options: PushCheckOptions = {}): Promise<PushCheckReport> {
  const content = await artifactContent(path, options.ignore);
  const { sizes, ...rest } = content;
  if (options.verify === false) return { ...rest, lintErrors: [], lintWarnings: 0, secrets: [], verified: false };
  const index = new WorkspaceIndex();
  const secrets: SecretFinding[] = [];
  const uriToEntry = new Map<string, string>();
  for (const [entry, size] of sizes) {
    options.signal?.throwIfAborted();
    if (size > MAX_SCANNED_BYTES) continue;
    const bytes = await readFile(join(content.root, entry));
    if (!looksLikeText(bytes)) continue;
    const text = bytes.toString('utf8');
    secrets.push(...scanForSecrets(entry, text));
    if (YAML.test(entry)) {
      const uri = pathToFileURL(join(content.root, entry)).href;
      uriToEntry.set(uri, entry);
      index.setFile(uri, text);
    }
  }
  // A pushed folder is a slice of a repository: names defined elsewhere are not errors here.
  const context = { ...defaultLintContext(), unresolvedReferences: 'off' as const };
  // Judged as Flux applies it, from the folder being pushed (the artifact's root): a parent's
  // patches supply its children's fields. Paths are not judged (relation assumed at best).
  const rootUri = pathToFileURL(content.root).href.replace(/\/?$/, '/');
  applyGraphOf(index).configure([{ uri: rootUri, repository: false, remotes: [] }]);
  const lintErrors: LintProblem[] = [];
  let lintWarnings = 0;
  for (const uri of index.uris()) {
    const file = index.file(uri)!;
    for (const f of lintAsApplied(file, index, context)) {
      if (f.severity === 'error') {
        lintErrors.push({ path: uriToEntry.get(uri) ?? uri, line: f.range.start.line + 1, column: f.range.start.character + 1, severity: 'error', code: f.code, message: f.message });
      } else if (f.severity === 'warning') lintWarnings++;
    }
  }
  lintErrors.sort((a, b) => a.path.localeCompare(b.path) || a.line - b.line || a.column - b.column);
  return { ...rest, lintErrors, lintWarnings, secrets, verified: true };
}

export function formatLintProblem(p: LintProblem): string {
  return `${p.path}:${p.line}:${p.column} ${p.severity} ${p.code} ${p.message}`;
}

export function formatSecret(s: SecretFinding): string {
  return `${s.path}${s.line ? `:${s.line}` : ''}: ${s.reason}`;
}

export { EmptyArtifactError };
