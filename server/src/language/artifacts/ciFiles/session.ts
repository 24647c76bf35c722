// The per-file session: places, what was found, and the work budget.
import { type CiFileInput, kindOf, type ReadKind } from './ciFile';
import { MAX_PLACES, PLACE, PLACE_BASE, UNKNOWN } from './shellValues';
import { decode, folderOfUri, joinPath, SYNTHETIC_WORKSPACE } from './uris';

export interface PushRecord {
  seq: number;
  line: number;
  repository: string;
  tag: string | undefined;
  folder: string;
  path: string;
  ignorePaths: string[];
  annotations: Record<string, string> | undefined;
  isFile: boolean;
  unsureIgnore: boolean;
}

interface TagRecord {
  seq: number;
  line: number;
  repository: string;
  from: string | undefined;
  tags: (string | undefined)[];
}

export interface ShellContext {
  /** Variables the runner provides (`$GITHUB_REPOSITORY`, `$CI_PROJECT_DIR`); undefined = unset. */
  ambient(name: string): string | undefined;
  /** `$0`: the script itself, when the file is one. */
  scriptWord: string;
  /** Where `echo "K=V" >> "$GITHUB_ENV"` lines go (read by the job's later steps). */
  githubEnv?: Map<string, string>;
}

/** Characters of text one unit of work pays for reading. */
export const CHARS_PER_UNIT = 4;

export class Session {
  readonly kind: ReadKind;
  readonly text: string;
  readonly rootUri: string;
  readonly fileFolder: string;
  readonly pushes: PushRecord[] = [];
  readonly tags: TagRecord[] = [];
  readonly writes: string[] = [];
  seq = 0;
  /** Folder that `path` is shown relative to when it was written through a location variable. */
  readonly displayBase: string;
  /** A job's checkout into a subfolder moves the repository inside the workspace. */
  workspaceMap: { from: string; to: string } | undefined;
  private readonly placeUris: string[] = [];
  private readonly placeIndex = new Map<string, number>();
  private budget: number;

  constructor(readonly input: CiFileInput) {
    const uriPath = decode(input.uri.replace(/[?#].*$/, ''));
    // A name none of the readers claims: a YAML file is scanned line by line, anything else is
    // read as a script (a script without an extension, `#!/bin/sh`).
    this.kind = kindOf(uriPath) ?? (/\.ya?ml$/i.test(uriPath) ? 'yaml' : 'shell');
    // CRLF and lone CR count as one line break, as editors count them; the marker characters
    // are reserved for values, so they cannot come from the text.
    this.text = input.text.replace(/\r\n?/g, '\n').replace(/[\u0000\u0001]/g, '\uFFFD');
    this.rootUri = input.rootUri.endsWith('/') ? input.rootUri : `${input.rootUri}/`;
    this.fileFolder = folderOfUri(input.uri);
    this.displayBase = this.kind === 'make' || this.kind === 'task' ? this.fileFolder : this.rootUri;
    // Real files use a small fraction of this; it bounds hostile text (loops, nested
    // substitutions, doubling values) to work proportional to its size.
    this.budget = 50_000 + this.text.length / CHARS_PER_UNIT;
  }

  get rootWord(): string {
    return this.place(this.rootUri);
  }

  get fileFolderWord(): string {
    return this.place(this.fileFolder);
  }

  remaining(): number {
    return this.budget;
  }

  /** Spends work units; false once the file has used its share (then the reading stops). */
  spend(units: number): boolean {
    this.budget -= units;
    return this.budget > 0;
  }

  place(uri: string): string {
    let n = this.placeIndex.get(uri);
    if (n === undefined) {
      if (this.placeUris.length >= MAX_PLACES) return UNKNOWN;
      n = this.placeUris.length;
      this.placeUris.push(uri);
      this.placeIndex.set(uri, n);
    }
    return PLACE + String.fromCharCode(PLACE_BASE + n);
  }

  /** The location a path names from the folder `cwd` (a place word); undefined when unknowable. */
  resolve(cwd: string, path: string): string | undefined {
    if (path.includes(UNKNOWN)) return undefined;
    let base: string | undefined;
    let rel: string;
    if (path.startsWith(PLACE)) {
      base = this.placeUris[path.charCodeAt(1) - PLACE_BASE];
      rel = path.slice(2);
      if (rel !== '' && !rel.startsWith('/')) return undefined;
    } else {
      if (path.startsWith('/') || path.startsWith('~')) return undefined;
      if (cwd.length !== 2 || !cwd.startsWith(PLACE)) return undefined;
      base = this.placeUris[cwd.charCodeAt(1) - PLACE_BASE];
      rel = path;
    }
    if (base === undefined || rel.includes(PLACE)) return undefined;
    return joinPath(base.endsWith('/') ? base : `${base}/`, rel);
  }

  /** A resolved location as the workspace sees it (undefined: outside the repository's checkout). */
  mapUri(uri: string): string | undefined {
    if (!uri.startsWith(SYNTHETIC_WORKSPACE)) return uri;
    const map = this.workspaceMap;
    if (!map || !uri.startsWith(map.from)) return undefined;
    return map.to + uri.slice(map.from.length);
  }

  addWrite(uri: string | undefined): void {
    const mapped = uri === undefined ? undefined : this.mapUri(uri);
    if (mapped !== undefined) this.writes.push(mapped);
  }

  /** The CI variables every kind of file may use, taken from the Git remote. */
  repositoryVariable(name: string, workspace: string): string | undefined {
    const repo = this.input.repository;
    switch (name) {
      case 'GITHUB_WORKSPACE':
      case 'CI_PROJECT_DIR':
        return workspace;
      case 'GITHUB_REPOSITORY':
      case 'CI_PROJECT_PATH':
        return repo ? `${repo.owner}/${repo.name}` : undefined;
      case 'GITHUB_REPOSITORY_OWNER':
      case 'CI_PROJECT_NAMESPACE':
        return repo?.owner;
      case 'CI_PROJECT_NAME':
        return repo?.name;
      case 'CI_REGISTRY':
        return repo?.host === 'gitlab.com' ? 'registry.gitlab.com' : undefined;
      case 'CI_REGISTRY_IMAGE':
        return repo?.host === 'gitlab.com' ? `registry.gitlab.com/${repo.owner}/${repo.name}`.toLowerCase() : undefined;
    }
    return undefined;
  }

  /**
   * Context for scripts, Makefiles and Taskfiles: which CI runs them is unknown, so only the
   * variables the remote answers are set; anything else is unset (a `${X:-default}` applies).
   */
  plainContext(): ShellContext {
    const root = this.rootWord;
    return {
      ambient: (name) => this.repositoryVariable(name, root),
      scriptWord: this.kind === 'shell' ? this.place(`${this.input.uri}/`) : UNKNOWN,
    };
  }
}

export function allLines(text: string): number[] {
  const lines: number[] = [];
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines.push(n++);
  lines.push(n);
  return lines;
}
