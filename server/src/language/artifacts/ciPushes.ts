// Artifact pushes written down in CI and build files: which folder each `flux push artifact`
// (or `flux-oci push`, or a GitHub Actions step using ControlPlane's push action) packs into
// which repository and tag, read from GitHub Actions workflows, GitLab CI files, Makefiles,
// Taskfiles and shell scripts.
//
// Real repositories build the artifact URL and the folder from variables (`env:` blocks,
// `VAR ?= …`, `${{ github.event.repository.name }}`), loops and small helper functions, so a
// plain regex over the text would miss most pushes or, worse, name a wrong folder. Instead the
// commands are read the way a shell reads them (quotes, continuations, expansions, `cd`,
// conditionals) with values tracked as far as the file itself defines them. A value the file
// cannot know (a commit SHA, a secret, a command's output) is carried as an UNKNOWN marker: an
// unknown tag means "any tag", an unknown repository or folder means no entry.
//
// Pure: no file system, no LSP. Never throws, and the work is bounded by the input's size.

import { isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Scalar } from 'yaml';
import { normalizeRepository, tagOf, type ArtifactMapEntry } from './types';

export interface CiFileInput {
  /** The file's URI (origin of the entries). */
  uri: string;
  /** The file's text. */
  text: string;
  /**
   * Folder URI ending in '/' that relative paths in workflows, .gitlab-ci.yml and shell scripts
   * are resolved against (the repository root). Makefiles and Taskfiles resolve against their
   * own folder, where make and task run.
   */
  rootUri: string;
  /**
   * From the Git remote, e.g. { owner: 'org', name: 'fleet' }. `host` (e.g. 'gitlab.com') lets
   * GitLab's `$CI_REGISTRY_IMAGE` resolve; GitHub's variables need only owner and name.
   */
  repository?: { owner: string; name: string; host?: string };
}

type CiKind = 'github' | 'gitlab' | 'make' | 'task' | 'shell';
/** What a file is read as: one of the kinds, or plain YAML (line scan only). */
type ReadKind = CiKind | 'yaml';

function kindOf(path: string): CiKind | undefined {
  const p = path.replace(/\\/g, '/');
  const base = p.slice(p.lastIndexOf('/') + 1);
  if (/(^|\/)\.github\/workflows\/[^/]+\.ya?ml$/.test(p)) return 'github';
  // Included GitLab files live under .gitlab/ (commonly .gitlab/ci/) or are named *.gitlab-ci.yml.
  if (/\.gitlab-ci\.ya?ml$/.test(base) || /(^|\/)\.gitlab\/(?:[^/]+\/)*[^/]+\.ya?ml$/.test(p)) return 'gitlab';
  if (base === 'Makefile' || base === 'makefile' || base === 'GNUmakefile' || base.endsWith('.mk')) return 'make';
  if (/^[Tt]askfile(\.dist)?\.ya?ml$/.test(base)) return 'task';
  if (/\.(sh|bash)$/.test(base)) return 'shell';
  return undefined;
}

/** True for files this module reads: workflows, GitLab CI files, Makefiles, Taskfiles, shell scripts. */
export function isCiFile(relativePath: string): boolean {
  return kindOf(relativePath) !== undefined;
}

/** The artifact pushes (and `flux tag artifact` copies) the file performs. Never throws. */
export function ciPushes(input: CiFileInput): ArtifactMapEntry[] {
  try {
    // Every push names one of the CLIs or its verbs (`$(FLUX) push artifact`): a file that
    // spells none of them pushes nothing, and most CI files are such files.
    if (!/flux|push artifact|tag artifact/.test(input.text)) return [];
    const s = new Session(input);
    readFile(s);
    return assemble(s);
  } catch {
    // A defect here must cost the artifact map one file, not the language server.
    return [];
  }
}

function readFile(s: Session): void {
  switch (s.kind) {
    case 'github':
    case 'gitlab':
    case 'task': {
      const doc = parseYaml(s.text);
      if (!doc) return lineScan(s);
      if (s.kind === 'github') return githubPushes(s, doc);
      if (s.kind === 'gitlab') return gitlabPushes(s, doc);
      return taskPushes(s, doc);
    }
    case 'make':
      return makePushes(s);
    case 'yaml':
      return lineScan(s);
    case 'shell': {
      const shell = new Shell(s, s.plainContext(), new Map(), s.rootWord);
      shell.runScript({ text: s.text, lines: allLines(s.text) });
      return;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Values. A value is a string in which two private characters stand for what the file cannot
// spell out: UNKNOWN (anything) and PLACE + one index character (a folder or file URI, e.g. the
// repository root behind `$GITHUB_WORKSPACE` or `$(CURDIR)`). Strings concatenate, split and
// compare as the shell does, so the markers travel through any expansion without special cases.

const UNKNOWN = '\u0000';
const PLACE = '\u0001';
const PLACE_BASE = 0xe000;
const MAX_PLACES = 0x1800;
/** Longer values are treated as unknown: keeps doubling assignments (`A=$A$A`) bounded. */
const MAX_VALUE = 65536;
const CWD = '\u0000cwd';

function clean(value: string): boolean {
  return !value.includes(UNKNOWN) && !value.includes(PLACE);
}

function capped(value: string): string {
  return value.length > MAX_VALUE ? UNKNOWN : value;
}

/** Could the value be the empty string? (Only when nothing but unknowns is in it.) */
function mayBeEmpty(value: string): boolean {
  for (const ch of value) if (ch !== UNKNOWN) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// URIs. Locations are folder URIs ending in '/' (a file is its URI plus '/', trimmed by callers).

const SYNTHETIC_WORKSPACE = 'flux-oci-workspace://job/';

function splitUri(uri: string): { prefix: string; segments: string[] } | undefined {
  const m = /^([a-z][a-z0-9+.-]*:(?:\/\/[^/?#]*)?)(\/[^?#]*)?/i.exec(uri);
  if (!m) return undefined;
  return { prefix: m[1], segments: (m[2] ?? '').split('/').filter((x) => x !== '') };
}

/** `folder` + a relative '/'-separated path, `.` and `..` applied; undefined above the top. */
function joinPath(folder: string, rel: string): string | undefined {
  const base = splitUri(folder);
  if (!base) return undefined;
  const segments = base.segments;
  for (const part of rel.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (segments.length === 0) return undefined;
      segments.pop();
    } else segments.push(encodeURIComponent(part));
  }
  return `${base.prefix}/${segments.join('/')}${segments.length ? '/' : ''}`;
}

function folderOfUri(uri: string): string {
  return uri.slice(0, uri.lastIndexOf('/') + 1);
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** How `to` is reached from the folder `from`: `.`, `./kubernetes`, `../apps`. */
function relativeDisplay(from: string, to: string): string {
  const a = splitUri(from);
  const b = splitUri(to);
  if (!a || !b || a.prefix !== b.prefix) return to;
  let common = 0;
  while (common < a.segments.length && common < b.segments.length && a.segments[common] === b.segments[common]) common++;
  const parts = [...Array<string>(a.segments.length - common).fill('..'), ...b.segments.slice(common).map(decode)];
  if (parts.length === 0) return '.';
  const text = parts.join('/');
  return text.startsWith('..') ? text : `./${text}`;
}

// ---------------------------------------------------------------------------------------------
// The per-file session: places, what was found, and the work budget.

interface PushRecord {
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

interface ShellContext {
  /** Variables the runner provides (`$GITHUB_REPOSITORY`, `$CI_PROJECT_DIR`); undefined = unset. */
  ambient(name: string): string | undefined;
  /** `$0`: the script itself, when the file is one. */
  scriptWord: string;
  /** Where `echo "K=V" >> "$GITHUB_ENV"` lines go (read by the job's later steps). */
  githubEnv?: Map<string, string>;
}

class Session {
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

function allLines(text: string): number[] {
  const lines: number[] = [];
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines.push(n++);
  lines.push(n);
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Shell: lexer. Words keep their pieces (literal, `$VAR`/`${…}`, `$(…)`) so they are expanded
// when the command runs, with the variables of that moment.

interface ShellSource {
  text: string;
  /** File line (zero-based) of each text line; lines past the end take the last entry. */
  lines: readonly number[];
}

interface Program {
  items: Item[];
  match: Int32Array;
}

type Seg =
  | { t: 'lit'; s: string; q: boolean }
  | { t: 'param'; body: string; q: boolean }
  | { t: 'cmd'; src: string; q: boolean; k: number; lines: readonly number[]; prog?: Program }
  | { t: 'unknown' };

interface WordTok {
  segs: Seg[];
  raw: string;
  line: number;
  /** assignmentOf's answer, computed once (null: not an assignment). */
  assignment?: Assignment | null;
}

interface Assignment {
  name: string;
  append: boolean;
  value: Seg[];
}

/** A word, or an operator (`nl` for a line break). */
type Tok = WordTok | string;

function isWord(t: Tok | undefined): t is WordTok {
  return t !== undefined && typeof t !== 'string';
}

const OPS = ['<<-', '&>>', ';;&', '<<<', '&&', '||', ';;', ';&', '>>', '<<', '>&', '<&', '&>', '>|', '|&', '<>', ';', '&', '|', '(', ')', '<', '>'];
const OP_CHARS = ';&|()<>';

function isNameStart(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z_]/.test(c);
}

function countNewlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

class Lexer {
  private i = 0;
  private k: number;
  private segs: Seg[] = [];
  private start = -1;
  private wordLine = 0;
  private heredocNext: boolean | undefined;
  private heredocs: { delim: string; strip: boolean }[] = [];
  private readonly toks: Tok[] = [];

  constructor(
    private readonly text: string,
    private readonly lines: readonly number[],
    kBase: number,
    /** One word: blanks and operators are literal (a `${X:-a b}` default). */
    private readonly wordMode = false,
  ) {
    this.k = kBase;
  }

  lex(): Tok[] {
    const t = this.text;
    const n = t.length;
    while (this.i < n) {
      const c = t[this.i];
      if (!this.wordMode) {
        if (c === '\n') {
          this.endWord();
          this.toks.push('nl');
          this.i++;
          this.k++;
          this.readHeredocs();
          continue;
        }
        if (c === ' ' || c === '\t') {
          this.endWord();
          this.i++;
          continue;
        }
        if (c === '#' && this.start < 0) {
          const e = t.indexOf('\n', this.i);
          this.i = e < 0 ? n : e;
          continue;
        }
        if (OP_CHARS.includes(c)) {
          this.operator();
          continue;
        }
      }
      if (this.start < 0) {
        this.start = this.i;
        this.wordLine = this.lineNow();
      }
      if (c === '\\') this.backslash();
      else if (c === "'") this.single();
      else if (c === '"') this.double();
      else if (c === '$') this.dollar(false);
      else if (c === '`') this.backtick(false);
      else this.plain();
    }
    this.endWord();
    return this.toks;
  }

  private lineNow(): number {
    return this.lines[Math.min(this.k, this.lines.length - 1)] ?? 0;
  }

  private add(seg: Seg): void {
    const last = this.segs[this.segs.length - 1];
    if (seg.t === 'lit' && last !== undefined && last.t === 'lit' && last.q === seg.q) last.s += seg.s;
    else this.segs.push(seg);
  }

  private endWord(): void {
    if (this.start < 0) return;
    if (this.segs.length) {
      const w: WordTok = { segs: this.segs, raw: this.text.slice(this.start, this.i), line: this.wordLine };
      if (this.heredocNext !== undefined) {
        const delim = this.segs.map((x) => (x.t === 'lit' ? x.s : '')).join('');
        this.heredocs.push({ delim, strip: this.heredocNext });
        this.heredocNext = undefined;
      }
      this.toks.push(w);
    }
    this.segs = [];
    this.start = -1;
  }

  private readHeredocs(): void {
    const t = this.text;
    for (const h of this.heredocs) {
      while (this.i < t.length) {
        const e = t.indexOf('\n', this.i);
        let line = t.slice(this.i, e < 0 ? t.length : e);
        this.i = e < 0 ? t.length : e + 1;
        if (e >= 0) this.k++;
        if (h.strip) line = line.replace(/^\t+/, '');
        if (line === h.delim) break;
      }
    }
    this.heredocs = [];
  }

  private operator(): void {
    const t = this.text;
    const c = t[this.i];
    const only = this.segs.length === 1 ? this.segs[0] : undefined;
    let fd = '';
    if ((c === '<' || c === '>') && only?.t === 'lit' && !only.q && /^\d+$/.test(only.s)) {
      // `2>/dev/null`: the digits name the stream, they are no word.
      fd = only.s;
      this.segs = [];
      this.start = -1;
    }
    if (c === '(' && only?.t === 'lit' && !only.q && /^[A-Za-z_]\w*\+?=$/.test(only.s)) {
      // An array assignment `NAME=(a b)`: its value is not followed.
      const end = this.balanced(this.i + 1, ['p']);
      this.k += countNewlines(t.slice(this.i, end.end));
      this.add({ t: 'unknown' });
      this.i = end.end;
      return;
    }
    this.endWord();
    const op = OPS.find((o) => t.startsWith(o, this.i)) ?? c;
    this.i += op.length;
    if (op === '<<' || op === '<<-') this.heredocNext = op === '<<-';
    this.toks.push(fd + op);
  }

  private backslash(): void {
    const next = this.text[this.i + 1];
    if (next === '\n') {
      this.i += 2;
      this.k++;
      return;
    }
    if (next === undefined) {
      this.add({ t: 'lit', s: '\\', q: false });
      this.i++;
      return;
    }
    this.add({ t: 'lit', s: next, q: true });
    this.i += 2;
  }

  private plain(): void {
    const t = this.text;
    let j = this.i + 1;
    while (j < t.length) {
      const c = t[j];
      if (c === '\\' || c === "'" || c === '"' || c === '$' || c === '`') break;
      if (!this.wordMode && (c === ' ' || c === '\t' || c === '\n' || OP_CHARS.includes(c))) break;
      j++;
    }
    const s = t.slice(this.i, j);
    if (this.wordMode) this.k += countNewlines(s);
    this.add({ t: 'lit', s, q: false });
    this.i = j;
  }

  private single(): void {
    const t = this.text;
    const e = t.indexOf("'", this.i + 1);
    const end = e < 0 ? t.length : e;
    const s = t.slice(this.i + 1, end);
    this.k += countNewlines(s);
    this.add({ t: 'lit', s, q: true });
    this.i = end + 1;
  }

  private double(): void {
    const t = this.text;
    this.i++;
    this.add({ t: 'lit', s: '', q: true });
    while (this.i < t.length) {
      const c = t[this.i];
      if (c === '"') {
        this.i++;
        return;
      }
      if (c === '\\') {
        const nx = t[this.i + 1];
        if (nx === '\n') {
          this.i += 2;
          this.k++;
        } else if (nx !== undefined && '$`"\\'.includes(nx)) {
          this.add({ t: 'lit', s: nx, q: true });
          this.i += 2;
        } else {
          this.add({ t: 'lit', s: '\\', q: true });
          this.i++;
        }
        continue;
      }
      if (c === '$') {
        this.dollar(true);
        continue;
      }
      if (c === '`') {
        this.backtick(true);
        continue;
      }
      let j = this.i + 1;
      while (j < t.length && !'"\\$`'.includes(t[j])) j++;
      const s = t.slice(this.i, j);
      this.k += countNewlines(s);
      this.add({ t: 'lit', s, q: true });
      this.i = j;
    }
  }

  private dollar(q: boolean): void {
    const t = this.text;
    const nx = t[this.i + 1];
    if (nx === '(') {
      if (t[this.i + 2] === '(') {
        const end = this.balanced(this.i + 3, ['p', 'p']);
        this.k += countNewlines(t.slice(this.i, end.end));
        this.add({ t: 'unknown' });
        this.i = end.end;
        return;
      }
      const end = this.balanced(this.i + 2, ['p']);
      const src = t.slice(this.i + 2, end.closed ? end.end - 1 : end.end);
      this.add({ t: 'cmd', src, q, k: this.k, lines: this.lines });
      this.k += countNewlines(src);
      this.i = end.end;
      return;
    }
    if (nx === '{') {
      const end = this.balanced(this.i + 2, ['b']);
      const body = t.slice(this.i + 2, end.closed ? end.end - 1 : end.end);
      this.k += countNewlines(body);
      this.add({ t: 'param', body, q });
      this.i = end.end;
      return;
    }
    if (nx === "'" && !q) return this.ansiC();
    if (nx === '"' && !q) {
      this.i++;
      return this.double();
    }
    if (isNameStart(nx)) {
      let j = this.i + 2;
      while (j < t.length && /[A-Za-z0-9_]/.test(t[j])) j++;
      this.add({ t: 'param', body: t.slice(this.i + 1, j), q });
      this.i = j;
      return;
    }
    if (nx !== undefined && /[0-9@*#?$!-]/.test(nx)) {
      this.add({ t: 'param', body: nx, q });
      this.i += 2;
      return;
    }
    this.add({ t: 'lit', s: '$', q });
    this.i++;
  }

  private ansiC(): void {
    const t = this.text;
    const out: string[] = [];
    let j = this.i + 2;
    const escapes: Record<string, string> = { n: '\n', t: '\t', '\\': '\\', "'": "'", '"': '"' };
    while (j < t.length && t[j] !== "'") {
      if (t[j] === '\\' && j + 1 < t.length) {
        out.push(escapes[t[j + 1]] ?? `\\${t[j + 1]}`);
        j += 2;
      } else out.push(t[j++]);
    }
    const s = out.join('');
    this.k += countNewlines(s);
    this.add({ t: 'lit', s, q: true });
    this.i = j + 1;
  }

  private backtick(q: boolean): void {
    const t = this.text;
    const end = skipBacktick(t, this.i);
    const closed = end - 1 > this.i && t[end - 1] === '`';
    const raw = t.slice(this.i + 1, closed ? end - 1 : end);
    this.add({ t: 'cmd', src: raw.replace(/\\([`$\\])/g, '$1'), q, k: this.k, lines: this.lines });
    this.k += countNewlines(raw);
    this.i = end;
  }

  /**
   * The end of a `$(…)` / `${…}` opened before `from`: one pass with a small stack of contexts
   * (p: parentheses, b: braces, d: double quotes), so nesting costs no recursion.
   */
  private balanced(from: number, init: ('p' | 'b' | 'd')[]): { end: number; closed: boolean } {
    const t = this.text;
    const stack = [...init];
    let j = from;
    while (j < t.length && stack.length) {
      const c = t[j];
      const top = stack[stack.length - 1];
      if (c === '\\') {
        j += 2;
        continue;
      }
      if (c === '`') {
        j = skipBacktick(t, j);
        continue;
      }
      if (c === '$' && (t[j + 1] === '(' || t[j + 1] === '{')) {
        stack.push(t[j + 1] === '(' ? 'p' : 'b');
        j += 2;
        continue;
      }
      if (top === 'd') {
        if (c === '"') stack.pop();
        j++;
        continue;
      }
      if (c === "'") {
        const e = t.indexOf("'", j + 1);
        j = e < 0 ? t.length : e + 1;
        continue;
      }
      if (c === '"') stack.push('d');
      else if (c === '(' && top === 'p') stack.push('p');
      else if (c === ')' && top === 'p') stack.pop();
      else if (c === '}' && top === 'b') stack.pop();
      j++;
    }
    return { end: Math.min(j, t.length), closed: stack.length === 0 };
  }
}

function skipBacktick(t: string, at: number): number {
  for (let x = at + 1; x < t.length; x++) {
    if (t[x] === '\\') x++;
    else if (t[x] === '`') return x + 1;
  }
  return t.length;
}

// ---------------------------------------------------------------------------------------------
// Shell: commands. A flat list of simple commands and keywords, with each opener (`if`, `for`,
// `{`, `(`) matched to its closer, so the interpreter below jumps instead of recursing.

type Kw = 'if' | 'then' | 'elif' | 'else' | 'fi' | 'while' | 'until' | 'do' | 'done' | 'case' | 'esac' | 'pat' | '{' | '}' | '(' | ')';

interface Redir {
  op: string;
  fd: string;
  target: WordTok;
}

interface CmdItem {
  k: 'cmd';
  words: WordTok[];
  redirs: Redir[];
  line: number;
  pipeIn: boolean;
  pipeOut: boolean;
}

type Item = CmdItem | { k: 'kw'; w: Kw } | { k: 'for'; name?: string; words?: WordTok[] } | { k: 'func'; name: string; start: number; end: number };

const KEYWORDS = new Set<string>(['if', 'then', 'elif', 'else', 'fi', 'while', 'until', 'do', 'done', '{', '}']);
const REDIR_OPS = new Set(['>', '>>', '<', '<<', '<<-', '<<<', '>&', '<&', '&>', '&>>', '>|', '<>']);
const CLOSER = new Map<string, string>([['if', 'fi'], ['case', 'esac'], ['while', 'done'], ['until', 'done'], ['for', 'done'], ['{', '}'], ['(', ')']]);
const CLOSERS = new Set(['fi', 'esac', 'done', '}', ')']);

/** Characters of text one unit of work pays for reading. */
const CHARS_PER_UNIT = 4;

/**
 * Reads a script, paying for it from the session's budget; a text longer than what is left is
 * read up to a line break within it (a command is never cut in its middle: a cut `--path`
 * would name a wrong folder).
 */
function parseProgram(s: Session, text: string, lines: readonly number[], kBase: number): Program {
  const affordable = Math.max(0, Math.floor(s.remaining() * CHARS_PER_UNIT));
  if (text.length > affordable) {
    const cut = text.lastIndexOf('\n', affordable);
    text = cut < 0 ? '' : text.slice(0, cut);
  }
  s.spend(text.length / CHARS_PER_UNIT);
  const items = buildItems(new Lexer(text, lines, kBase).lex());
  return { items, match: matchItems(items) };
}

function buildItems(toks: Tok[]): Item[] {
  const items: Item[] = [];
  let cur: CmdItem | undefined;
  let pipeIn = false;
  let redir: { op: string; fd: string } | undefined;
  const cases: boolean[] = [];
  const end = (pipeOut: boolean): void => {
    if (!cur) return;
    cur.pipeOut = pipeOut;
    items.push(cur);
    cur = undefined;
  };
  for (let p = 0; p < toks.length; p++) {
    const tok = toks[p];
    const inPattern = cases.length > 0 && cases[cases.length - 1];
    if (typeof tok === 'string') {
      const m = /^(\d*)(.*)$/.exec(tok);
      const fd = m?.[1] ?? '';
      const op = m?.[2] ?? tok;
      if (inPattern) {
        if (op === ')') {
          items.push({ k: 'kw', w: 'pat' });
          cases[cases.length - 1] = false;
        }
        continue;
      }
      if (REDIR_OPS.has(op)) {
        redir = { op, fd };
        continue;
      }
      redir = undefined;
      if (op === '|' || op === '|&') {
        const had = cur !== undefined;
        end(true);
        pipeIn = had;
        continue;
      }
      if (op === ';;' || op === ';&' || op === ';;&') {
        end(false);
        pipeIn = false;
        if (cases.length) cases[cases.length - 1] = true;
        continue;
      }
      if (op === '(') {
        const next = toks[p + 1];
        if (cur && cur.words.length === 1 && cur.redirs.length === 0 && next === ')') {
          items.push({ k: 'func', name: cur.words[0].raw, start: 0, end: -1 });
          cur = undefined;
          p++;
          continue;
        }
        end(false);
        items.push({ k: 'kw', w: '(' });
        pipeIn = false;
        continue;
      }
      end(false);
      if (op === ')') items.push({ k: 'kw', w: ')' });
      pipeIn = false;
      continue;
    }
    const w = tok;
    if (redir) {
      cur ??= { k: 'cmd', words: [], redirs: [], line: w.line, pipeIn, pipeOut: false };
      if (redir.op !== '<<' && redir.op !== '<<-' && redir.op !== '<<<') cur.redirs.push({ op: redir.op, fd: redir.fd, target: w });
      redir = undefined;
      continue;
    }
    if (inPattern) {
      if (w.raw === 'esac') {
        items.push({ k: 'kw', w: 'esac' });
        cases.pop();
      }
      continue;
    }
    if (!cur) {
      const r = w.raw;
      if (r === '!' || r === 'time') continue;
      if (KEYWORDS.has(r)) {
        items.push({ k: 'kw', w: r as Kw });
        continue;
      }
      if (r === 'esac' && cases.length) {
        items.push({ k: 'kw', w: 'esac' });
        cases.pop();
        continue;
      }
      if (r === 'for' || r === 'select') {
        p = forItem(toks, p, items);
        continue;
      }
      if (r === 'case') {
        items.push({ k: 'kw', w: 'case' });
        cases.push(true);
        let q = p + 1;
        if (isWord(toks[q])) q++;
        const inTok = toks[q];
        if (isWord(inTok) && inTok.raw === 'in') q++;
        p = q - 1;
        continue;
      }
      if (r === 'function') {
        const nameTok = toks[p + 1];
        if (isWord(nameTok)) {
          items.push({ k: 'func', name: nameTok.raw, start: 0, end: -1 });
          p++;
          const a = toks[p + 1];
          const b = toks[p + 2];
          if (a === '(' && b === ')') p += 2;
        }
        continue;
      }
      cur = { k: 'cmd', words: [], redirs: [], line: w.line, pipeIn, pipeOut: false };
      pipeIn = false;
    }
    cur.words.push(w);
  }
  end(false);
  return items;
}

function forItem(toks: Tok[], p: number, items: Item[]): number {
  const nameTok = toks[p + 1];
  if (isWord(nameTok) && /^[A-Za-z_]\w*$/.test(nameTok.raw)) {
    let q = p + 2;
    while (q < toks.length) {
      const t = toks[q];
      if (t !== 'nl') break;
      q++;
    }
    const inTok = toks[q];
    if (isWord(inTok) && inTok.raw === 'in') {
      const words: WordTok[] = [];
      q++;
      for (; q < toks.length; q++) {
        const t = toks[q];
        if (!isWord(t)) break;
        words.push(t);
      }
      items.push({ k: 'for', name: nameTok.raw, words });
      return q - 1;
    }
    items.push({ k: 'for', name: nameTok.raw });
    return p + 1;
  }
  // `for ((i = 0; …))`: arithmetic loops are run once with nothing known.
  items.push({ k: 'for' });
  let q = p + 1;
  while (q < toks.length) {
    const t = toks[q];
    if (isWord(t) && t.raw === 'do') break;
    q++;
  }
  return q - 1;
}

function matchItems(items: Item[]): Int32Array {
  const match = new Int32Array(items.length).fill(-1);
  const stack: number[] = [];
  const keyOf = (it: Item): string | undefined => (it.k === 'for' ? 'for' : it.k === 'kw' ? it.w : undefined);
  items.forEach((it, idx) => {
    const key = keyOf(it);
    if (key === undefined) return;
    if (CLOSER.has(key)) {
      stack.push(idx);
      return;
    }
    if (!CLOSERS.has(key)) return;
    // Unbalanced text must not make this quadratic: look only a little way down the stack.
    for (let d = stack.length - 1; d >= Math.max(0, stack.length - 64); d--) {
      const opener = stack[d];
      if (CLOSER.get(keyOf(items[opener]) ?? '') === key) {
        match[opener] = idx;
        match[idx] = opener;
        stack.length = d;
        break;
      }
    }
  });
  items.forEach((it, idx) => {
    if (it.k !== 'func') return;
    const start = idx + 1;
    const body = items[start];
    it.start = start;
    if (!body) it.end = idx;
    else if (match[start] > start) it.end = match[start];
    else it.end = body.k === 'cmd' ? start : idx;
  });
  return match;
}

// ---------------------------------------------------------------------------------------------
// Shell: interpreter. Runs the commands with the values the file gives. Conditionals are not
// decided: a variable set differently in the branches becomes unknown after `fi`. Loops over
// known words run once per word; functions run where called (and once more, with unknown
// arguments, if the file never calls them).

type Positional = string[] | 'unset' | 'unknown';

interface Frame {
  kind: 'cond' | 'sub' | 'loop';
  prog: Program;
  opener: number;
  saved: Map<string, string | undefined>;
  branches: Map<string, string | undefined>[];
  hasElse: boolean;
  values: string[];
  index: number;
  name: string;
}

interface FunctionDef {
  prog: Program;
  start: number;
  end: number;
}

const MAX_DEPTH = 8;
const MAX_LOOP = 64;
const MAX_FRAMES = 256;

class Shell {
  private readonly vars: Map<string, string>;
  private readonly frames: Frame[] = [];
  private readonly functions = new Map<string, FunctionDef>();
  private readonly called = new Set<string>();
  private readonly positional: Positional[] = ['unset'];
  private readonly captures: string[][] = [];
  private readonly dirStack: string[] = [];
  private pipe: string | undefined;
  private depth = 0;

  constructor(
    private readonly s: Session,
    private readonly ctx: ShellContext,
    vars: Map<string, string>,
    cwd: string,
  ) {
    this.vars = vars;
    this.vars.set(CWD, cwd);
  }

  runScript(src: ShellSource): void {
    const prog = parseProgram(this.s, src.text, src.lines, 0);
    this.run(prog, 0, prog.items.length - 1);
    for (const [name, fn] of this.functions) {
      if (this.called.has(name)) continue;
      this.called.add(name);
      this.positional.push('unknown');
      this.run(fn.prog, fn.start, fn.end);
      this.positional.pop();
    }
  }

  /** The standard output of a command line (`$(shell …)` in a Makefile). */
  output(src: ShellSource): string {
    const prog = parseProgram(this.s, src.text, src.lines, 0);
    this.captures.push([]);
    this.run(prog, 0, prog.items.length - 1);
    return (this.captures.pop() ?? []).join('').replace(/\n+$/, '');
  }

  private run(prog: Program, from: number, to: number): void {
    const height = this.frames.length;
    let pc = from;
    while (pc <= to && pc < prog.items.length) {
      if (!this.s.spend(1)) break;
      const item = prog.items[pc];
      let next = pc + 1;
      switch (item.k) {
        case 'cmd':
          this.exec(item);
          break;
        case 'func':
          this.functions.set(item.name, { prog, start: item.start, end: item.end });
          next = Math.max(pc, item.end) + 1;
          break;
        case 'for':
          next = this.enterFor(prog, pc, item.name, item.words);
          break;
        case 'kw':
          next = this.keyword(prog, pc, item.w);
          break;
      }
      pc = next;
    }
    this.closeTo(height);
  }

  private keyword(prog: Program, pc: number, w: Kw): number {
    switch (w) {
      case 'if':
      case 'while':
      case 'until':
      case 'case':
        this.open('cond', prog, pc);
        break;
      case 'elif':
      case 'else':
      case 'pat':
        this.branch(prog, w === 'else');
        break;
      case 'fi':
      case 'esac':
        this.closeMatching(prog, prog.match[pc], 'cond');
        break;
      case 'done': {
        const opener = prog.match[pc];
        if (opener >= 0 && prog.items[opener].k === 'for') return this.loopEnd(prog, pc, opener);
        this.closeMatching(prog, opener, 'cond');
        break;
      }
      case '(':
        this.open('sub', prog, pc);
        break;
      case ')':
        this.closeMatching(prog, prog.match[pc], 'sub');
        break;
      default:
        break;
    }
    return pc + 1;
  }

  /**
   * Opens a frame. Past MAX_FRAMES (only hostile text nests that deep) the frame is not kept:
   * its closer then finds nothing, a loop body runs once, and a conditional's assignments stand.
   */
  private open(kind: Frame['kind'], prog: Program, opener: number): Frame {
    const f: Frame = { kind, prog, opener, saved: new Map(), branches: [], hasElse: false, values: [], index: 0, name: '' };
    if (this.frames.length < MAX_FRAMES) this.frames.push(f);
    return f;
  }

  private findFrame(prog: Program, opener: number, kinds: Frame['kind'][]): number {
    for (let d = this.frames.length - 1; d >= 0 && d >= this.frames.length - MAX_FRAMES; d--) {
      const f = this.frames[d];
      if (f.prog === prog && f.opener === opener && kinds.includes(f.kind)) return d;
    }
    return -1;
  }

  private closeMatching(prog: Program, opener: number, kind: Frame['kind']): void {
    if (opener < 0) return;
    const d = this.findFrame(prog, opener, [kind]);
    if (d >= 0) this.closeTo(d);
  }

  private branch(prog: Program, isElse: boolean): void {
    let d = this.frames.length - 1;
    while (d >= 0 && !(this.frames[d].kind === 'cond' && this.frames[d].prog === prog)) d--;
    if (d < 0 || !this.s.spend(this.frames.length - d)) return;
    this.closeTo(d + 1);
    const f = this.frames[d];
    if (isElse) f.hasElse = true;
    this.s.spend(f.saved.size);
    const ended = new Map<string, string | undefined>();
    for (const name of f.saved.keys()) ended.set(name, this.vars.get(name));
    f.branches.push(ended);
    for (const [name, value] of f.saved) this.setRaw(name, value);
  }

  private closeTo(height: number): void {
    while (this.frames.length > height) {
      const f = this.frames.pop();
      if (!f) break;
      if (f.kind === 'sub') {
        for (const [name, value] of f.saved) this.setRaw(name, value);
      } else if (f.kind === 'cond') {
        this.mergeBranches(f);
      }
    }
  }

  /** After a conditional: a variable keeps a value only if every way through agrees on it. */
  private mergeBranches(f: Frame): void {
    this.s.spend(f.saved.size * (f.branches.length + 1));
    const final = new Map<string, string | undefined>();
    for (const name of f.saved.keys()) final.set(name, this.vars.get(name));
    const ways = [...f.branches, final];
    for (const [name, pre] of f.saved) {
      const candidates: string[] = [];
      for (const way of ways) {
        const v = way.has(name) ? way.get(name) : pre;
        if (v !== undefined) candidates.push(v);
      }
      // Unset is no candidate: an unset variable is either provided from outside (as for
      // `${X:-default}`) or the file's pushes could not have worked with it.
      if (!f.hasElse && pre !== undefined) candidates.push(pre);
      const merged = candidates.length === 0 ? undefined : candidates.every((c) => c === candidates[0]) ? candidates[0] : UNKNOWN;
      this.setRaw(name, pre);
      this.assign(name, merged);
    }
  }

  private enterFor(prog: Program, pc: number, name: string | undefined, words: WordTok[] | undefined): number {
    let values: string[] | undefined;
    if (words) {
      values = [];
      for (const w of words) for (const f of this.fields(w)) values.push(f);
    } else {
      const top = this.positional[this.positional.length - 1];
      values = Array.isArray(top) ? [...top] : undefined;
    }
    if (values && (values.length > MAX_LOOP || values.some((v) => v.includes(UNKNOWN)))) values = undefined;
    if (values && values.length === 0) {
      const done = prog.match[pc];
      return done > pc ? done + 1 : pc + 1;
    }
    if (!values || !name) {
      this.open('cond', prog, pc);
      if (name) this.assign(name, UNKNOWN);
      return pc + 1;
    }
    const f = this.open('loop', prog, pc);
    f.values = values;
    f.name = name;
    this.assign(name, values[0]);
    return pc + 1;
  }

  private loopEnd(prog: Program, pc: number, opener: number): number {
    const d = this.findFrame(prog, opener, ['loop', 'cond']);
    if (d < 0) return pc + 1;
    const f = this.frames[d];
    if (f.kind !== 'loop') {
      this.closeTo(d);
      return pc + 1;
    }
    this.closeTo(d + 1);
    f.index++;
    if (f.index < f.values.length) {
      this.assign(f.name, f.values[f.index]);
      return opener + 1;
    }
    this.closeTo(d);
    return pc + 1;
  }

  private setRaw(name: string, value: string | undefined): void {
    if (value === undefined) this.vars.delete(name);
    else this.vars.set(name, value);
  }

  private assign(name: string, value: string | undefined): void {
    for (let d = this.frames.length - 1; d >= 0; d--) {
      const f = this.frames[d];
      if (f.kind === 'loop') continue;
      if (!f.saved.has(name)) f.saved.set(name, this.vars.get(name));
      break;
    }
    this.setRaw(name, value === undefined ? undefined : capped(value));
  }

  private cwd(): string {
    return this.vars.get(CWD) ?? UNKNOWN;
  }

  // --- expansion ---------------------------------------------------------------------------

  private fields(w: WordTok): string[] {
    return this.expand(w, true);
  }

  private word(w: WordTok): string {
    return this.expand(w, false)[0] ?? '';
  }

  private expand(w: WordTok, split: boolean): string[] {
    const st: Expansion = { out: [], cur: '', has: false, split };
    for (let idx = 0; idx < w.segs.length; idx++) {
      const seg = w.segs[idx];
      switch (seg.t) {
        case 'lit':
          if (!seg.q && idx === 0 && (seg.s === '~' || seg.s.startsWith('~/'))) st.cur += UNKNOWN + seg.s.slice(1);
          else st.cur += seg.s;
          st.has = true;
          break;
        case 'param':
          if (seg.body === '@' || seg.body === '*') this.positionalFields(st, seg.q && seg.body === '@', seg.q);
          else addPiece(st, this.param(seg.body), seg.q);
          break;
        case 'cmd':
          addPiece(st, this.subst(seg), seg.q);
          break;
        case 'unknown':
          st.cur += UNKNOWN;
          st.has = true;
          break;
      }
    }
    if (st.has) st.out.push(st.cur);
    let size = 0;
    for (let k = 0; k < st.out.length; k++) {
      size += st.out[k].length;
      st.out[k] = capped(st.out[k]);
    }
    this.s.spend(size / 64);
    return st.out;
  }

  /** `"$@"` gives one field per argument; `$*`, `"$*"` and unquoted `$@` join them first. */
  private positionalFields(st: Expansion, separate: boolean, quoted: boolean): void {
    const top = this.positional[this.positional.length - 1];
    if (top === 'unknown') {
      st.cur += UNKNOWN;
      st.has = true;
      return;
    }
    if (!Array.isArray(top)) return;
    for (let n = 0; n < top.length; n++) {
      if (!separate) {
        addPiece(st, n > 0 ? ` ${top[n]}` : top[n], quoted);
        continue;
      }
      if (n > 0) {
        st.out.push(st.cur);
        st.cur = '';
      }
      st.cur += top[n];
      st.has = true;
    }
  }

  /** A word written inside `${X:-…}`: quotes removed, expansions done, no splitting. */
  private inlineWord(text: string): string {
    const toks = new Lexer(text, [0], 0, true).lex();
    const first = toks[0];
    return isWord(first) ? this.word(first) : '';
  }

  private lookup(name: string): string | undefined {
    if (/^\d+$/.test(name)) {
      if (name === '0') return this.ctx.scriptWord;
      const top = this.positional[this.positional.length - 1];
      if (top === 'unknown') return UNKNOWN;
      return Array.isArray(top) ? top[Number(name) - 1] : undefined;
    }
    if (name === '#') {
      const top = this.positional[this.positional.length - 1];
      return Array.isArray(top) ? String(top.length) : top === 'unset' ? '0' : UNKNOWN;
    }
    if (name.length === 1 && '?$!-'.includes(name)) return UNKNOWN;
    const own = this.vars.get(name);
    if (own !== undefined) return own;
    if (name === 'PWD') return this.cwd();
    if (name === 'BASH_SOURCE') return this.ctx.scriptWord;
    if (name === 'HOME' || name === 'RANDOM' || name === 'OLDPWD' || name === 'USER' || name === 'TMPDIR') return UNKNOWN;
    return this.ctx.ambient(name);
  }

  private param(body: string): string {
    if (body === '') return '';
    if (body.length > 1 && (body[0] === '#' || body[0] === '!')) return UNKNOWN;
    const m = /^([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[@*#?$!0-])(\[[^\]]*\])?/.exec(body);
    if (!m) return UNKNOWN;
    const name = m[1];
    const index = m[2];
    const rest = body.slice(m[0].length);
    let value: string | undefined;
    if (index !== undefined) value = name === 'BASH_SOURCE' ? this.ctx.scriptWord : UNKNOWN;
    else value = this.lookup(name);
    if (rest === '') return value ?? UNKNOWN;
    const colon = rest[0] === ':' && '-=+?'.includes(rest[1] ?? '');
    const op = colon ? rest[1] : rest[0];
    const arg = rest.slice(colon ? 2 : 1);
    switch (op) {
      case '-':
      case '=': {
        if (value === undefined || (colon && value === '')) {
          const d = this.inlineWord(arg);
          if (op === '=' && /^[A-Za-z_]/.test(name)) this.assign(name, d);
          return d;
        }
        return colon && mayBeEmpty(value) ? UNKNOWN : value;
      }
      case '+':
        if (value === undefined || (colon && value === '')) return '';
        return colon && mayBeEmpty(value) ? UNKNOWN : this.inlineWord(arg);
      case '?':
        return value ?? UNKNOWN;
      case ',':
      case '^': {
        if (value === undefined) return UNKNOWN;
        const all = rest[1] === op;
        const change = (x: string): string => (op === ',' ? x.toLowerCase() : x.toUpperCase());
        return all ? change(value) : change(value.slice(0, 1)) + value.slice(1);
      }
      case '#':
      case '%': {
        if (value === undefined) return UNKNOWN;
        const longest = rest[1] === op;
        const pattern = this.inlineWord(rest.slice(longest ? 2 : 1));
        return trimPattern(value, pattern, op === '#', longest, (n) => this.s.spend(n));
      }
      default:
        return UNKNOWN;
    }
  }

  private subst(seg: Extract<Seg, { t: 'cmd' }>): string {
    if (this.depth >= MAX_DEPTH || !this.s.spend(4)) return UNKNOWN;
    seg.prog ??= parseProgram(this.s, seg.src, seg.lines, seg.k);
    this.depth++;
    const height = this.frames.length;
    const pipe = this.pipe;
    this.open('sub', seg.prog, -1);
    this.captures.push([]);
    this.run(seg.prog, 0, seg.prog.items.length - 1);
    const out = (this.captures.pop() ?? []).join('');
    this.closeTo(height);
    this.pipe = pipe;
    this.depth--;
    return out.replace(/\n+$/, '');
  }

  // --- commands ----------------------------------------------------------------------------

  private exec(item: CmdItem): void {
    let cost = 1;
    for (const w of item.words) cost += w.raw.length / 32;
    if (!this.s.spend(cost)) return;
    const words = item.words;
    let first = 0;
    while (first < words.length && assignmentOf(words[first])) first++;
    if (first === words.length) {
      for (const w of words) this.applyAssignment(w);
      this.redirects(item);
      this.emit(item, null);
      return;
    }
    const fields: string[] = [];
    for (let j = first; j < words.length; j++) for (const f of this.fields(words[j])) fields.push(f);
    const input = item.pipeIn ? this.pipe : undefined;
    this.redirects(item);
    const out = fields.length ? this.command(item, fields, words.slice(first), input) : null;
    this.emit(item, out);
  }

  private applyAssignment(w: WordTok): void {
    const a = assignmentOf(w);
    if (!a) return;
    const value = this.word({ segs: a.value, raw: '', line: w.line });
    this.assign(a.name, a.append ? (this.vars.get(a.name) ?? '') + value : value);
  }

  private command(item: CmdItem, fields: string[], words: WordTok[], input: string | undefined): string | null {
    let at = 0;
    for (let guard = 0; guard < 8 && at < fields.length; guard++) {
      const b = baseName(fields[at]);
      if (['sudo', 'exec', 'command', 'nohup', 'builtin', 'time', 'npx'].includes(b)) {
        at++;
        while (at < fields.length && fields[at].startsWith('-')) at++;
        continue;
      }
      if (b === 'env') {
        at++;
        while (at < fields.length && (fields[at].startsWith('-') || /^[A-Za-z_]\w*=/.test(fields[at]))) at++;
        continue;
      }
      break;
    }
    if (at >= fields.length) return null;
    const name = fields[at];
    const args = fields.slice(at + 1);
    const base = baseName(name);
    const fn = at === 0 ? this.functions.get(name) : undefined;
    if (fn) return this.call(name, fn, args);
    switch (base) {
      case 'cd':
        this.cd(args);
        return null;
      case 'pushd':
        this.dirStack.push(this.cwd());
        this.cd(args);
        return null;
      case 'popd':
        this.assign(CWD, this.dirStack.pop() ?? UNKNOWN);
        return null;
      case 'export':
      case 'readonly':
      case 'local':
      case 'declare':
      case 'typeset':
        if (at === 0) for (const w of words.slice(1)) this.applyAssignment(w);
        return null;
      case 'unset':
        for (const a of args) if (/^[A-Za-z_]\w*$/.test(a)) this.assign(a, undefined);
        return null;
      case 'shift': {
        const top = this.positional[this.positional.length - 1];
        if (Array.isArray(top)) this.positional[this.positional.length - 1] = top.slice(Number(args[0] ?? '1') || 1);
        return null;
      }
      case 'sh':
      case 'bash':
      case 'zsh': {
        const c = args.indexOf('-c');
        if (c >= 0 && args[c + 1] !== undefined) this.inline(args[c + 1], item.line);
        return UNKNOWN;
      }
      case 'flux':
      case 'flux.exe':
        return this.flux(item, args);
      case 'flux-oci':
        return this.fluxOci(item, args);
    }
    if (base.includes(UNKNOWN) && (args[0] === 'push' || args[0] === 'tag') && args[1] === 'artifact') {
      // `$(FLUX) push artifact …` with the binary's path unknown: the verbs say which CLI it is.
      return this.flux(item, args);
    }
    this.writesOf(base, args);
    return this.outputOf(base, args, input);
  }

  private call(name: string, fn: FunctionDef, args: string[]): string | null {
    if (this.positional.length > MAX_DEPTH) return UNKNOWN;
    this.called.add(name);
    this.positional.push(args);
    this.run(fn.prog, fn.start, fn.end);
    this.positional.pop();
    return null;
  }

  private inline(text: string, line: number): void {
    if (this.depth >= MAX_DEPTH) return;
    this.depth++;
    const height = this.frames.length;
    const prog = parseProgram(this.s, text, [line], 0);
    this.open('sub', prog, -1);
    this.run(prog, 0, prog.items.length - 1);
    this.closeTo(height);
    this.depth--;
  }

  private cd(args: string[]): void {
    const target = args.filter((a) => a !== '-P' && a !== '-L' && a !== '-e' && a !== '--')[0];
    if (target === undefined || target === '-') return this.assign(CWD, UNKNOWN);
    const uri = this.s.resolve(this.cwd(), target);
    this.assign(CWD, uri === undefined ? UNKNOWN : this.s.place(uri));
  }

  private redirects(item: CmdItem): void {
    for (const r of item.redirs) {
      if (!WRITE_REDIRS.has(r.op)) continue;
      if (/GITHUB_(ENV|OUTPUT|PATH|STEP_SUMMARY)/.test(r.target.raw)) continue;
      const target = this.word(r.target);
      if (r.op === '>&' && /^[0-9-]*$/.test(target)) continue;
      this.write(target);
    }
  }

  private write(target: string): void {
    this.s.addWrite(this.s.resolve(this.cwd(), target));
  }

  private emit(item: CmdItem, out: string | null): void {
    const env = item.redirs.find((r) => (r.op === '>>' || r.op === '>') && /GITHUB_ENV/.test(r.target.raw));
    if (env) {
      if (out !== null && this.ctx.githubEnv) {
        for (const line of out.split('\n')) {
          const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(line);
          if (m) this.ctx.githubEnv.set(m[1], m[2]);
        }
      }
      return;
    }
    const stdoutMoved = item.redirs.some((r) => (r.fd === '' || r.fd === '1') && (WRITE_REDIRS.has(r.op) || r.op === '>&'));
    const value = stdoutMoved ? null : out;
    if (item.pipeOut) {
      this.pipe = value ?? '';
      return;
    }
    if (value !== null && this.captures.length) this.captures[this.captures.length - 1].push(value);
  }

  private outputOf(base: string, args: string[], input: string | undefined): string | null {
    switch (base) {
      case 'echo': {
        let a = 0;
        let newline = true;
        while (a < args.length && /^-[neE]+$/.test(args[a])) {
          if (args[a].includes('n')) newline = false;
          a++;
        }
        return args.slice(a).join(' ') + (newline ? '\n' : '');
      }
      case 'printf': {
        const f = args[0];
        if (f === undefined) return '';
        if (/^%s(\\n)?$/.test(f)) return (args[1] ?? '') + (f.endsWith('\\n') ? '\n' : '');
        return f.includes('%') ? UNKNOWN : f.replace(/\\n/g, '\n');
      }
      case 'pwd':
        return `${this.cwd()}\n`;
      case 'dirname':
        return args[0] === undefined ? UNKNOWN : `${this.dirname(args[0])}\n`;
      case 'basename':
        return args[0] === undefined ? UNKNOWN : `${this.basename(args[0], args[1])}\n`;
      case 'git':
        return args[0] === 'rev-parse' && args.includes('--show-toplevel') ? `${this.s.rootWord}\n` : UNKNOWN;
      case 'realpath':
      case 'readlink': {
        if (base === 'readlink' && !args.some((a) => /^-[a-z]*[fem]/.test(a))) return UNKNOWN;
        const p = args.find((a) => !a.startsWith('-'));
        const uri = p === undefined ? undefined : this.s.resolve(this.cwd(), p);
        return uri === undefined ? UNKNOWN : `${this.s.place(uri)}\n`;
      }
      case 'tr':
        return input === undefined ? UNKNOWN : translate(args, input);
      case 'cat':
        return args.length === 0 && input !== undefined ? input : UNKNOWN;
    }
    return SILENT.has(base) ? null : UNKNOWN;
  }

  private dirname(p: string): string {
    if (p.startsWith(PLACE)) {
      const uri = this.s.resolve(this.cwd(), p);
      const parent = uri === undefined ? undefined : joinPath(uri, '..');
      return parent === undefined ? UNKNOWN : this.s.place(parent);
    }
    if (p.includes(UNKNOWN) || p.includes(PLACE)) return UNKNOWN;
    const trimmed = p.replace(/\/+$/, '');
    const idx = trimmed.lastIndexOf('/');
    return idx < 0 ? '.' : idx === 0 ? '/' : trimmed.slice(0, idx);
  }

  private basename(p: string, suffix: string | undefined): string {
    let name: string;
    if (p.startsWith(PLACE)) {
      const uri = this.s.resolve(this.cwd(), p);
      const parts = uri === undefined ? undefined : splitUri(uri)?.segments;
      const last = parts?.[parts.length - 1];
      if (last === undefined) return UNKNOWN;
      name = decode(last);
    } else {
      if (p.includes(UNKNOWN) || p.includes(PLACE)) return UNKNOWN;
      const trimmed = p.replace(/\/+$/, '');
      name = trimmed.slice(trimmed.lastIndexOf('/') + 1);
    }
    return suffix && clean(suffix) && name.endsWith(suffix) && name !== suffix ? name.slice(0, -suffix.length) : name;
  }

  private writesOf(base: string, args: string[]): void {
    const positionals = args.filter((a) => !a.startsWith('-'));
    const targets: string[] = [];
    if (WRITE_ALL.has(base) || base === 'tee') targets.push(...positionals);
    else if (WRITE_LAST.has(base) && positionals.length >= 2) targets.push(positionals[positionals.length - 1]);
    else if (base === 'git' && positionals[0] === 'clone') {
      if (positionals[2] !== undefined) targets.push(positionals[2]);
      else if (positionals[1] !== undefined) targets.push(this.basename(positionals[1], '.git'));
    }
    if (WRITE_TOOLS.has(base)) {
      for (let a = 0; a < args.length; a++) {
        const arg = args[a];
        const eq = arg.indexOf('=');
        const flag = eq > 0 ? arg.slice(0, eq) : arg;
        if (!OUTPUT_FLAGS.has(flag)) continue;
        const value = eq > 0 ? arg.slice(eq + 1) : args[++a];
        if (value !== undefined) targets.push(value);
      }
    }
    for (const t of targets) this.write(t);
  }

  // --- the pushes --------------------------------------------------------------------------

  private flux(item: CmdItem, args: string[]): string {
    const parsed = parseFlags(args, FLUX_FLAGS);
    const [verb, noun, url] = parsed.positionals;
    if (noun === 'artifact' && verb === 'push') this.recordPush(item, url, parsed, true);
    else if (noun === 'artifact' && verb === 'tag') this.recordTag(item, url, parsed.values.get('--tag') ?? [], true);
    else this.writesOf('flux', args);
    return UNKNOWN;
  }

  private fluxOci(item: CmdItem, args: string[]): string {
    const parsed = parseFlags(args, FLUX_OCI_FLAGS);
    const pos = parsed.positionals;
    const at = pos[1] === 'artifact' || pos[1] === 'artifacts' ? 2 : 1;
    // Our CLI: `push [artifact] <ref> --path=<dir>` (a second positional is refused, so a
    // `push <ref> <dir>` line pushes nothing) and `tag [artifact] <ref> --tag <new> | <new>…`.
    if (pos[0] === 'push' && pos.length === at + 1) this.recordPush(item, pos[at], parsed, false);
    else if (pos[0] === 'tag') this.recordTag(item, pos[at], [...(parsed.values.get('--tag') ?? []), ...pos.slice(at + 1)], false);
    else this.writesOf('flux-oci', args);
    return UNKNOWN;
  }

  private recordPush(item: CmdItem, url: string | undefined, parsed: ParsedFlags, requireScheme: boolean): void {
    const ref = url === undefined ? undefined : splitReference(url, requireScheme);
    if (!ref || ref.digest) return;
    const paths = parsed.values.get('--path');
    const path = paths?.[paths.length - 1];
    if (!path) return;
    const resolved = this.s.resolve(this.cwd(), path);
    const uri = resolved === undefined ? undefined : this.s.mapUri(resolved);
    if (uri === undefined) return;
    const isFile = !path.endsWith('/') && FILE_RE.test(path.replace(/\/+$/, ''));
    const folder = isFile ? uri.replace(/\/$/, '') : uri;
    const patterns = [...(parsed.values.get('--ignore-paths') ?? []), ...(parsed.values.get('--ignore') ?? [])];
    const ignorePaths = patterns.filter(clean);
    let annotations: Record<string, string> | undefined;
    for (const a of parsed.values.get('--annotations') ?? []) {
      const eq = a.indexOf('=');
      if (eq <= 0 || !clean(a)) continue;
      annotations ??= {};
      annotations[a.slice(0, eq)] = a.slice(eq + 1);
    }
    this.s.pushes.push({
      seq: this.s.seq++,
      line: item.line,
      repository: ref.repository,
      tag: ref.tag,
      folder,
      path: path.startsWith(PLACE) ? relativeDisplay(this.s.displayBase, folder) : path,
      ignorePaths,
      annotations,
      isFile,
      unsureIgnore: ignorePaths.length !== patterns.length,
    });
  }

  private recordTag(item: CmdItem, url: string | undefined, newTags: string[], requireScheme: boolean): void {
    const ref = url === undefined ? undefined : splitReference(url, requireScheme);
    if (!ref) return;
    const tags: (string | undefined)[] = [];
    for (const t of newTags) {
      if (!clean(t)) tags.push(undefined);
      else if (TAG_RE.test(t)) tags.push(t);
    }
    if (tags.length === 0) return;
    this.s.tags.push({ seq: this.s.seq++, line: item.line, repository: ref.repository, from: ref.tag, tags });
  }
}

interface Expansion {
  out: string[];
  cur: string;
  has: boolean;
  split: boolean;
}

/** Adds an expansion's value to the fields, splitting it at blanks when unquoted. */
function addPiece(st: Expansion, v: string, quoted: boolean): void {
  if (quoted || !st.split) {
    st.cur += v;
    st.has = true;
    return;
  }
  if (v === '') return;
  const parts = v.split(/[ \t\n]+/);
  st.cur += parts[0];
  if (parts[0] !== '') st.has = true;
  for (let k = 1; k < parts.length; k++) {
    if (st.has) st.out.push(st.cur);
    st.cur = parts[k];
    st.has = parts[k] !== '';
  }
}

/** `NAME=value` / `NAME+=value` as the shell sees it: the name unquoted, before any expansion. */
function assignmentOf(w: WordTok): Assignment | undefined {
  if (w.assignment === undefined) w.assignment = parseAssignment(w);
  return w.assignment ?? undefined;
}

function parseAssignment(w: WordTok): Assignment | null {
  const first = w.segs[0];
  if (!first || first.t !== 'lit' || first.q) return null;
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(\+?)=/.exec(first.s);
  if (!m) return null;
  const rest = first.s.slice(m[0].length);
  return { name: m[1], append: m[2] === '+', value: [...(rest ? [{ t: 'lit' as const, s: rest, q: false }] : []), ...w.segs.slice(1)] };
}

function baseName(field: string): string {
  return field.slice(field.lastIndexOf('/') + 1);
}

function translate(args: string[], input: string): string {
  const [from, to] = args;
  const upper = ['A-Z', '[A-Z]', '[:upper:]'];
  const lower = ['a-z', '[a-z]', '[:lower:]'];
  if (upper.includes(from) && lower.includes(to)) return input.toLowerCase();
  if (lower.includes(from) && upper.includes(to)) return input.toUpperCase();
  return UNKNOWN;
}

/** `${X#pat}`, `${X##pat}`, `${X%pat}`, `${X%%pat}` for `*` and `?` patterns on short values. */
function trimPattern(value: string, pattern: string, prefix: boolean, longest: boolean, spend: (n: number) => boolean): string {
  if (!clean(value) || !clean(pattern) || value.length > 512 || pattern.includes('[')) return UNKNOWN;
  if (!spend(1 + (value.length * (pattern.length + 1)) / 16)) return UNKNOWN;
  const n = value.length;
  for (let step = 0; step <= n; step++) {
    const cut = prefix === longest ? n - step : step;
    const part = prefix ? value.slice(0, cut) : value.slice(cut);
    if (globMatch(part, pattern)) return prefix ? value.slice(cut) : value.slice(0, cut);
  }
  return value;
}

/** Wildcard match (`*`, `?`, `\x`) in O(text × pattern), without regular expressions. */
function globMatch(text: string, pattern: string): boolean {
  let t = 0;
  let p = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    let pc = pattern[p];
    let literal = false;
    if (pc === '\\' && p + 1 < pattern.length) {
      pc = pattern[p + 1];
      literal = true;
    }
    if (pc !== undefined && (pc === text[t] || (!literal && pc === '?'))) {
      t++;
      p += literal ? 2 : 1;
    } else if (pc === '*' && !literal) {
      star = p++;
      mark = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++mark;
    } else return false;
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

// ---------------------------------------------------------------------------------------------
// Flags of the two CLIs (flux2 `cmd/flux/*_artifact.go` plus its global flags; ours in
// server/src/cli/push.ts and registry.ts). Only flags that exist: a flag taking a value must be
// known, or its value would be taken for the URL.

interface FlagSpec {
  name: string;
  value: boolean;
  list?: boolean;
}

interface ParsedFlags {
  positionals: string[];
  values: Map<string, string[]>;
}

function flagTable(defs: [string[], boolean, boolean?][]): Map<string, FlagSpec> {
  const table = new Map<string, FlagSpec>();
  for (const [names, value, list] of defs) for (const n of names) table.set(n, { name: names[0], value, list });
  return table;
}

const FLUX_FLAGS = flagTable([
  [['--path'], true],
  [['--source'], true],
  [['--revision'], true],
  [['--annotations', '-a'], true],
  [['--ignore-paths'], true, true],
  [['--tag'], true, true],
  [['--output', '-o'], true],
  [['--creds'], true],
  [['--provider'], true],
  [['--timeout'], true],
  [['--filter-semver'], true],
  [['--filter-regex'], true],
  [['--kubeconfig'], true],
  [['--context'], true],
  [['--namespace', '-n'], true],
  [['--cache-dir'], true],
  [['--server', '-s'], true],
  [['--certificate-authority'], true],
  [['--client-certificate'], true],
  [['--client-key'], true],
  [['--token'], true],
  [['--user'], true],
  [['--cluster'], true],
  [['--as'], true],
  [['--as-group'], true],
  [['--as-uid'], true],
  [['--request-timeout'], true],
  [['--tls-server-name'], true],
  [['--reproducible'], false],
  [['--insecure-registry'], false],
  [['--verbose'], false],
  [['--insecure-skip-tls-verify'], false],
  [['--disable-compression'], false],
]);

const FLUX_OCI_FLAGS = flagTable([
  [['--path'], true],
  [['--source'], true],
  [['--revision'], true],
  [['--annotations', '-a', '--annotation'], true],
  [['--ignore-paths'], true, true],
  [['--ignore'], true],
  [['--tag', '-t'], true, true],
  [['--output', '-o'], true],
  [['--creds'], true],
  [['--ca-file'], true],
  [['--timeout'], true],
  [['--provider'], true],
  [['--reproducible'], false],
  [['--force', '--overwrite'], false],
  [['--no-verify'], false],
  [['--insecure-registry', '--insecure'], false],
  [['--tag-only'], false],
]);

function parseFlags(args: string[], table: Map<string, FlagSpec>): ParsedFlags {
  const positionals: string[] = [];
  const values = new Map<string, string[]>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      for (let j = i + 1; j < args.length; j++) positionals.push(args[j]);
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const spec = table.get(eq > 0 ? a.slice(0, eq) : a);
    // An unknown flag is taken for a switch: cobra flags are mostly switches.
    if (!spec || !spec.value) continue;
    const raw = eq > 0 ? a.slice(eq + 1) : args[++i];
    if (raw === undefined) continue;
    const list = values.get(spec.name) ?? [];
    // Flux joins the ignore patterns with line breaks and reads them as a .sourceignore file
    // (fluxcd/pkg oci build.go): a break inside one value separates patterns, `#` starts a comment.
    const ignore = spec.name === '--ignore-paths';
    if (spec.list) for (const part of raw.split(ignore ? /[,\n]/ : ',')) {
      const trimmed = part.trim();
      if (trimmed && !(ignore && trimmed.startsWith('#'))) list.push(trimmed);
    }
    else list.push(raw);
    values.set(spec.name, list);
  }
  return { positionals, values };
}

const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const FILE_RE = /\.(ya?ml|json|tgz|tar\.gz|tar|zip|gz)$/i;

/** Repository and tag of a pushed reference; undefined when the repository is not known. */
function splitReference(url: string, requireScheme: boolean): { repository: string; tag: string | undefined; digest: boolean } | undefined {
  if (url.includes(PLACE)) return undefined;
  const scheme = /^oci:\/\//i.test(url);
  if (!scheme && requireScheme) return undefined;
  let rest = scheme ? url.slice(6) : url;
  const at = rest.indexOf('@');
  const digest = at >= 0;
  if (digest) rest = rest.slice(0, at);
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  const repoPart = colon > slash ? rest.slice(0, colon) : rest;
  if (slash < 0 || repoPart.includes(UNKNOWN)) return undefined;
  // A Docker Hub short name (`org/app`) would need the registry's rules to normalize; such
  // fleets are rare enough to leave out rather than guess.
  const host = repoPart.slice(0, repoPart.indexOf('/'));
  if (!/[.:]/.test(host) && host !== 'localhost') return undefined;
  const repository = normalizeRepository(repoPart);
  if (!repository) return undefined;
  if (digest) return { repository, tag: undefined, digest };
  if (colon > slash) {
    const tagText = rest.slice(colon + 1);
    if (tagText === '') return undefined;
    if (!clean(tagText)) return { repository, tag: undefined, digest };
    if (!TAG_RE.test(tagText)) return undefined;
  }
  // Both CLIs push `latest` when the reference names no tag.
  return { repository, tag: tagOf(rest) ?? 'latest', digest };
}

// What writes into a folder, for telling a generated folder from a checked-in one.
const WRITE_REDIRS = new Set(['>', '>>', '>|', '&>', '&>>', '<>']);
const WRITE_ALL = new Set(['mkdir', 'rm', 'rmdir', 'touch']);
const WRITE_LAST = new Set(['cp', 'mv', 'rsync', 'ln', 'install', 'scp']);
const WRITE_TOOLS = new Set([
  'kustomize', 'kubectl', 'helm', 'flux', 'flux-oci', 'tar', 'unzip', 'curl', 'wget', 'jsonnet', 'cue', 'timoni', 'gomplate',
  'yq', 'ytt', 'kcl', 'oras', 'sops', 'cp', 'envsubst',
]);
const OUTPUT_FLAGS = new Set(['-o', '--output', '--output-dir', '--out', '--outdir', '--out-dir', '-O', '-d', '-C', '--directory', '--untardir', '--target-directory', '-t', '--destination', '--output-file', '--outfile']);
const SILENT = new Set([
  'true', ':', 'set', 'shopt', 'source', '.', 'exit', 'return', 'trap', 'mkdir', 'rm', 'cp', 'mv', 'touch', 'test', '[', '[[',
  'chmod', 'ln', 'wait', 'sleep', 'exec',
]);

// ---------------------------------------------------------------------------------------------
// Assembling the entries: tag copies resolved to the push they copy, folders checked for being
// generated, duplicates (a task run both alone and called) dropped.

function assemble(s: Session): ArtifactMapEntry[] {
  const writes = [...new Set(s.writes)].sort();
  const writeSet = new Set(writes);
  const generated = (folder: string): boolean => {
    // A write at or above the folder (`rm -rf dist`, `mkdir -p dist/prod` for dist/prod) …
    for (let i = folder.indexOf('/', folder.indexOf('://') + 3); i !== -1; i = folder.indexOf('/', i + 1)) {
      if (writeSet.has(folder.slice(0, i + 1))) return true;
    }
    // … or inside it (`kustomize build … > dist/all.yaml`).
    let lo = 0;
    let hi = writes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (writes[mid] < folder) lo = mid + 1;
      else hi = mid;
    }
    return lo < writes.length && writes[lo].startsWith(folder);
  };

  const single = new Map<string, PushRecord | null>();
  const lastByTag = new Map<string, PushRecord>();
  for (const p of s.pushes) {
    const seen = single.get(p.repository);
    single.set(p.repository, seen === undefined || (seen !== null && seen.folder === p.folder) ? (seen ?? p) : null);
    if (p.tag !== undefined) lastByTag.set(`${p.repository}:${p.tag}`, p);
  }

  const entries: ArtifactMapEntry[] = [];
  const keys = new Set<string>();
  const add = (p: PushRecord, tag: string | undefined, line: number): void => {
    const verifiable = !p.isFile && !p.unsureIgnore && !generated(p.folder);
    const entry: ArtifactMapEntry = {
      repository: p.repository,
      ...(tag !== undefined ? { tag } : {}),
      folder: p.folder,
      path: p.path,
      ignorePaths: p.ignorePaths,
      ...(p.annotations ? { annotations: p.annotations } : {}),
      verifiable,
      origin: { kind: 'ci', uri: s.input.uri, line },
    };
    const key = JSON.stringify([entry.repository, tag ?? null, entry.folder, entry.path, entry.ignorePaths, entry.annotations ?? null, line]);
    if (keys.has(key)) return;
    keys.add(key);
    entries.push(entry);
  };

  const events = [...s.pushes.map((p) => ({ seq: p.seq, push: p })), ...s.tags.map((t) => ({ seq: t.seq, tag: t }))].sort((a, b) => a.seq - b.seq);
  const runningByTag = new Map<string, PushRecord>();
  const runningUnknown = new Map<string, PushRecord>();
  for (const e of events) {
    if ('push' in e && e.push) {
      const p = e.push;
      add(p, p.tag, p.line);
      if (p.tag !== undefined) runningByTag.set(`${p.repository}:${p.tag}`, p);
      else runningUnknown.set(p.repository, p);
      continue;
    }
    if (!('tag' in e) || !e.tag) continue;
    const t = e.tag;
    const source =
      t.from !== undefined
        ? (runningByTag.get(`${t.repository}:${t.from}`) ?? lastByTag.get(`${t.repository}:${t.from}`) ?? single.get(t.repository))
        : (runningUnknown.get(t.repository) ?? single.get(t.repository));
    if (!source) continue;
    for (const tag of t.tags) add(source, tag, t.line);
  }
  return entries;
}

// ---------------------------------------------------------------------------------------------
// YAML helpers (GitHub Actions, GitLab CI, Taskfile).

type YDoc = Document.Parsed;

/**
 * CI YAML files are hand-written and small; the YAML library needs seconds for a hostile
 * megabyte, so larger files are read line by line instead.
 */
const MAX_YAML = 256 * 1024;

function parseYaml(text: string): YDoc | undefined {
  if (text.length > MAX_YAML) return undefined;
  try {
    // logLevel 'error': warnings (an unresolved `!reference` tag) would reach stderr.
    const doc = parseDocument(text, { uniqueKeys: false, prettyErrors: false, logLevel: 'error' });
    return doc.errors.length ? undefined : doc;
  } catch {
    return undefined;
  }
}

function deref(doc: YDoc, node: unknown): unknown {
  let n = node;
  for (let i = 0; i < 8 && isAlias(n); i++) {
    try {
      n = n.resolve(doc);
    } catch {
      return undefined;
    }
  }
  return isAlias(n) ? undefined : n;
}

/** A key's value in a mapping, following `<<: *anchor` merges. */
function mapGet(doc: YDoc, node: unknown, key: string, depth = 0): unknown {
  const map = deref(doc, node);
  if (!isMap(map) || depth > 8) return undefined;
  const merges: unknown[] = [];
  for (const pair of map.items) {
    const k = isScalar(pair.key) ? pair.key.value : pair.key;
    if (k === key) return deref(doc, pair.value);
    if (k === '<<') merges.push(pair.value);
  }
  for (const m of merges) {
    const target = deref(doc, m);
    const sources = isSeq(target) ? target.items : [target];
    for (const src of sources) {
      const v = mapGet(doc, src, key, depth + 1);
      if (v !== undefined) return v;
    }
  }
  return undefined;
}

/** The entries of a mapping in order (merged ones first, own keys overriding them). */
function mapEntries(doc: YDoc, node: unknown, depth = 0): [string, unknown][] {
  const map = deref(doc, node);
  if (!isMap(map) || depth > 8) return [];
  const out = new Map<string, unknown>();
  for (const pair of map.items) {
    const k = isScalar(pair.key) ? pair.key.value : undefined;
    if (k !== '<<') continue;
    const target = deref(doc, pair.value);
    for (const src of isSeq(target) ? target.items : [target]) for (const [mk, mv] of mapEntries(doc, src, depth + 1)) out.set(mk, mv);
  }
  for (const pair of map.items) {
    const k = isScalar(pair.key) ? pair.key.value : undefined;
    if (k === '<<' || (typeof k !== 'string' && typeof k !== 'number')) continue;
    out.set(String(k), deref(doc, pair.value));
  }
  return [...out];
}

function seqItems(doc: YDoc, node: unknown): unknown[] {
  const seq = deref(doc, node);
  return isSeq(seq) ? seq.items.map((i) => deref(doc, i)) : [];
}

function str(doc: YDoc, node: unknown): string | undefined {
  const n = deref(doc, node);
  if (!isScalar(n)) return undefined;
  const v = n.value;
  if (v === null) return '';
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

class LineIndex {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }
  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/** The shell text of a scalar, with the file line of each of its lines. */
function scalarSource(s: Session, index: LineIndex, doc: YDoc, node: unknown): ShellSource | undefined {
  const n = deref(doc, node);
  if (!isScalar(n)) return undefined;
  const value = str(doc, n);
  if (value === undefined) return undefined;
  const start = index.lineOf(n.range?.[0] ?? 0);
  const scalar: Scalar = n;
  if (scalar.type === 'BLOCK_LITERAL') return { text: value, lines: value.split('\n').map((_, k) => start + 1 + k) };
  if (scalar.type === 'BLOCK_FOLDED' && scalar.range) return foldBlock(s.text.slice(scalar.range[0], scalar.range[1]), start);
  return { text: value, lines: [start] };
}

/**
 * A folded block (`run: >`) joins its lines with spaces; the lines are folded here rather than
 * taken from the parsed value so that each command keeps the line it starts on.
 */
function foldBlock(source: string, headerLine: number): ShellSource {
  const body = source.split('\n').slice(1);
  const first = body.find((l) => l.trim() !== '');
  const indent = first === undefined ? 0 : first.length - first.trimStart().length;
  const texts: string[] = [];
  const lines: number[] = [];
  let cur: string[] | undefined;
  const flush = (): void => {
    if (cur) texts.push(cur.join(' '));
    cur = undefined;
  };
  body.forEach((raw, j) => {
    if (raw.trim() === '') return flush();
    const content = raw.slice(indent);
    if (/^[ \t]/.test(content)) {
      flush();
      texts.push(content);
      lines.push(headerLine + 1 + j);
      return;
    }
    if (!cur) {
      cur = [];
      lines.push(headerLine + 1 + j);
    }
    cur.push(content);
  });
  flush();
  return { text: texts.join('\n'), lines };
}

function concatSources(sources: ShellSource[]): ShellSource {
  const lines: number[] = [];
  for (const src of sources) {
    const count = countNewlines(src.text) + 1;
    for (let k = 0; k < count; k++) lines.push(src.lines[Math.min(k, src.lines.length - 1)] ?? 0);
  }
  return { text: sources.map((x) => x.text).join('\n'), lines };
}

/** For YAML that does not parse: each line holding a flux command, read alone. */
function lineScan(s: Session): void {
  const lines = s.text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/flux/.test(lines[i])) continue;
    const parts = [lines[i].replace(/^\s*(?:-\s+)?(?:[A-Za-z_][\w-]*\s*:\s*(?:[|>][-+]?\s*)?)?/, '')];
    const start = i;
    while (/\\$/.test(parts[parts.length - 1]) && i + 1 < lines.length) parts.push(lines[++i].trim());
    let text = parts.join('\n');
    if (s.kind === 'github') text = githubSubstitute(s, text, { env: new Map(), matrix: {}, workspace: s.rootWord });
    const shell = new Shell(s, s.kind === 'gitlab' ? gitlabContext(s) : s.plainContext(), new Map(), s.rootWord);
    shell.runScript({ text, lines: parts.map((_, k) => start + k) });
  }
}

// ---------------------------------------------------------------------------------------------
// GitHub Actions: workflow, job and step `env:` (innermost wins), `${{ … }}` substituted into
// the run text before the shell reads it (as the runner does), `strategy.matrix` expanded,
// `working-directory`, `>> $GITHUB_ENV` carried to later steps.

type Combo = Record<string, unknown>;

interface GithubExprContext {
  env: Map<string, string>;
  /** undefined: a matrix the file does not spell out (`${{ fromJSON(…) }}`). */
  matrix: Combo | undefined;
  workspace: string;
}

function githubPushes(s: Session, doc: YDoc): void {
  const index = new LineIndex(s.text);
  const root = doc.contents;
  const jobs = mapGet(doc, root, 'jobs');
  for (const [, job] of mapEntries(doc, jobs)) {
    if (!isMap(job)) continue;
    for (const combo of matrixCombos(doc, mapGet(doc, mapGet(doc, job, 'strategy'), 'matrix'))) {
      githubJob(s, doc, index, root, job, combo);
    }
  }
}

function githubJob(s: Session, doc: YDoc, index: LineIndex, root: unknown, job: unknown, matrix: Combo | undefined): void {
  s.workspaceMap = undefined;
  let workspace = s.rootWord;
  const env = new Map<string, string>();
  addGithubEnv(s, doc, env, mapGet(doc, root, 'env'), { env: new Map(), matrix, workspace });
  addGithubEnv(s, doc, env, mapGet(doc, job, 'env'), { env: new Map(env), matrix, workspace });
  const defaultDir =
    str(doc, mapGet(doc, mapGet(doc, mapGet(doc, job, 'defaults'), 'run'), 'working-directory')) ??
    str(doc, mapGet(doc, mapGet(doc, mapGet(doc, root, 'defaults'), 'run'), 'working-directory'));
  const written = new Map<string, string>();
  for (const step of seqItems(doc, mapGet(doc, job, 'steps'))) {
    if (!isMap(step) || !s.spend(1)) continue;
    const stepEnv = new Map([...env, ...written]);
    addGithubEnv(s, doc, stepEnv, mapGet(doc, step, 'env'), { env: new Map(stepEnv), matrix, workspace });
    const ctx: GithubExprContext = { env: stepEnv, matrix, workspace };
    const usesNode = mapGet(doc, step, 'uses');
    const uses = str(doc, usesNode);
    if (uses !== undefined) {
      const usesScalar = deref(doc, usesNode);
      const line = index.lineOf((isScalar(usesScalar) ? usesScalar.range?.[0] : undefined) ?? 0);
      workspace = githubUses(s, doc, step, uses, ctx, line) ?? workspace;
      continue;
    }
    const src = scalarSource(s, index, doc, mapGet(doc, step, 'run'));
    if (!src) continue;
    const dir = str(doc, mapGet(doc, step, 'working-directory')) ?? defaultDir;
    let cwd = workspace;
    if (dir !== undefined) {
      const uri = s.resolve(workspace, githubSubstitute(s, dir, ctx));
      cwd = uri === undefined ? UNKNOWN : s.place(uri);
    }
    const shellCtx: ShellContext = { ambient: (name) => githubAmbient(s, name, ctx.workspace), scriptWord: UNKNOWN, githubEnv: written };
    const shell = new Shell(s, shellCtx, new Map(stepEnv), cwd);
    shell.runScript({ text: githubSubstitute(s, src.text, ctx), lines: src.lines });
  }
}

/**
 * A `uses:` step. The push action (FLUX_PUSH_ACTION) pushes its `path:`; checking the repository
 * out into a subfolder moves it inside the workspace (returns the new workspace); anything else
 * given a `path:` (another repository, a downloaded build artifact) puts generated files there.
 */
function githubUses(s: Session, doc: YDoc, step: unknown, uses: string, ctx: GithubExprContext, line: number): string | undefined {
  const action = uses.split('@')[0].toLowerCase();
  const withNode = mapGet(doc, step, 'with');
  if (action === FLUX_PUSH_ACTION) {
    fluxPushAction(s, doc, withNode, ctx, line);
    return undefined;
  }
  const pathText = str(doc, mapGet(doc, withNode, 'path'));
  const path = pathText === undefined ? undefined : githubSubstitute(s, pathText, ctx);
  if (action === 'actions/checkout') {
    const repoText = str(doc, mapGet(doc, withNode, 'repository'));
    const repo = repoText === undefined ? undefined : githubSubstitute(s, repoText, ctx).toLowerCase();
    const own = s.input.repository ? `${s.input.repository.owner}/${s.input.repository.name}`.toLowerCase() : undefined;
    if (repo === undefined || repo === '' || repo === own) {
      if (path === undefined || !clean(path) || path.replace(/^\.\/?|\/$/g, '') === '') return undefined;
      const from = joinPath(SYNTHETIC_WORKSPACE, path);
      if (from === undefined) return undefined;
      s.workspaceMap = { from, to: s.rootUri };
      return s.place(SYNTHETIC_WORKSPACE);
    }
  }
  if (path !== undefined) for (const p of path.split('\n')) if (p.trim()) s.addWrite(s.resolve(ctx.workspace, p.trim()));
  return undefined;
}

/**
 * ControlPlane's push action (github.com/controlplaneio-fluxcd/distribution, actions/push/action.yaml;
 * Flux's own fluxcd/flux2/action only installs the CLI). Its inputs: `repository` (required, no
 * `oci://`, no tag), `path` (default `.`, from the workspace), `ignore-paths` and `annotations`
 * (one per line), `diff-tag` and `tags` (one per line). It pushes to `diff-tag` when given, else
 * to the first of `tags`, else untagged (`latest`), then copies the push to every tag of `tags`;
 * a repository with an upper-case letter makes it fail before pushing. Its own commands are
 * replayed here, so the entries are those of the `flux push artifact` and `flux tag artifact`
 * lines it runs, on the `uses:` line.
 */
const FLUX_PUSH_ACTION = 'controlplaneio-fluxcd/distribution/actions/push';

function fluxPushAction(s: Session, doc: YDoc, withNode: unknown, ctx: GithubExprContext, line: number): void {
  // The runner substitutes `${{ }}` into inputs; the action's shell never expands them again.
  const input = (name: string): string | undefined => {
    const text = str(doc, mapGet(doc, withNode, name));
    return text === undefined ? undefined : githubSubstitute(s, text, ctx);
  };
  // Multi-line inputs go through `xargs`: words, blanks and line breaks alike separate them.
  const words = (name: string): string[] => (input(name) ?? '').split(/\s+/).filter((w) => w !== '');
  const repository = (input('repository') ?? '').trim();
  if (repository === '' || /[A-Z]/.test(repository)) return;
  const diffTag = input('diff-tag') ?? '';
  const tags = words('tags');
  const vars = new Map<string, string>([
    ['URL', `oci://${repository}${diffTag !== '' ? `:${diffTag}` : tags.length ? `:${tags[0]}` : ''}`],
    ['INPUT_PATH', input('path') || '.'],
  ]);
  let push = 'flux push artifact "$URL" --path="$INPUT_PATH"';
  const ignore = words('ignore-paths');
  if (ignore.length) {
    vars.set('IGNORE', ignore.join(','));
    push += ' --ignore-paths="$IGNORE"';
  }
  (input('annotations') ?? '').split('\n').map((a) => a.trim()).filter((a) => a !== '').forEach((a, k) => {
    vars.set(`A${k}`, a);
    push += ` --annotations="$A${k}"`;
  });
  let script = push;
  if (tags.length) {
    vars.set('TAGS', tags.join(','));
    script += '\nflux tag artifact "$URL" --tag="$TAGS"';
  }
  const shellCtx: ShellContext = { ambient: (name) => githubAmbient(s, name, ctx.workspace), scriptWord: UNKNOWN };
  // Composite actions run in the workspace, whatever the job's `defaults.run.working-directory`.
  new Shell(s, shellCtx, vars, ctx.workspace).runScript({ text: script, lines: [line, line] });
}

function addGithubEnv(s: Session, doc: YDoc, into: Map<string, string>, node: unknown, ctx: GithubExprContext): void {
  for (const [k, v] of mapEntries(doc, node)) {
    const text = str(doc, v);
    // Values are literal for the shell: the runner substitutes `${{ }}` but never `$VAR`.
    if (text !== undefined) into.set(k, capped(githubSubstitute(s, text, ctx)));
  }
}

function githubAmbient(s: Session, name: string, workspace: string): string | undefined {
  const known = s.repositoryVariable(name, workspace);
  if (known !== undefined) return known;
  if (name === 'CI') return 'true';
  // The runner sets these, so they are never "unset" (a `${GITHUB_SHA:-dev}` is not `dev`).
  if (/^(GITHUB|RUNNER|ACTIONS)_/.test(name)) return UNKNOWN;
  return undefined;
}

function githubSubstitute(s: Session, text: string, ctx: GithubExprContext): string {
  let out = '';
  let i = 0;
  for (;;) {
    const a = text.indexOf('${{', i);
    if (a < 0) break;
    const b = text.indexOf('}}', a + 3);
    if (b < 0) break;
    out += text.slice(i, a) + githubExpression(s, text.slice(a + 3, b), ctx).replace(/\n/g, ' ');
    i = b + 2;
  }
  return capped(out + text.slice(i));
}

function githubExpression(s: Session, expr: string, ctx: GithubExprContext): string {
  const e = expr.trim();
  if (e.length > 512) return UNKNOWN;
  const literal = /^'((?:[^']|'')*)'$/.exec(e);
  if (literal) return literal[1].replace(/''/g, "'");
  if (!/^[A-Za-z_][\w-]*(?:\.[\w-]+|\[\s*'[^']*'\s*\])*$/.test(e)) return UNKNOWN;
  const path: string[] = [];
  for (const m of e.matchAll(/([\w-]+)|\[\s*'([^']*)'\s*\]/g)) path.push(m[1] ?? m[2] ?? '');
  const head = path[0].toLowerCase();
  if (head === 'env') return path.length === 2 ? (ctx.env.get(path[1]) ?? UNKNOWN) : UNKNOWN;
  if (head === 'matrix') return matrixValue(ctx.matrix, path.slice(1));
  if (head !== 'github') return UNKNOWN;
  const repo = s.input.repository;
  switch (path.slice(1).join('.').toLowerCase()) {
    case 'workspace':
      return ctx.workspace;
    case 'repository':
    case 'event.repository.full_name':
      return repo ? `${repo.owner}/${repo.name}` : UNKNOWN;
    case 'repository_owner':
    case 'event.repository.owner.login':
      return repo?.owner ?? UNKNOWN;
    case 'event.repository.name':
      return repo?.name ?? UNKNOWN;
  }
  return UNKNOWN;
}

function isRecord(v: unknown): v is Combo {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function scalarText(v: unknown): string | undefined {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

function matrixValue(combo: Combo | undefined, path: string[]): string {
  let v: unknown = combo;
  for (const key of path) {
    if (!isRecord(v) || !(key in v)) return UNKNOWN;
    v = v[key];
  }
  return scalarText(v) ?? UNKNOWN;
}

function sameValue(a: unknown, b: unknown): boolean {
  const x = scalarText(a);
  const y = scalarText(b);
  return x !== undefined || y !== undefined ? x === y : JSON.stringify(a) === JSON.stringify(b);
}

/** The combinations a `strategy.matrix` runs, with GitHub's include/exclude rules. */
function matrixCombos(doc: YDoc, node: unknown): (Combo | undefined)[] {
  if (node === undefined) return [{}];
  let json: unknown;
  try {
    json = isMap(node) ? node.toJS(doc, { maxAliasCount: 50 }) : undefined;
  } catch {
    json = undefined;
  }
  if (!isRecord(json)) return [undefined];
  const keys = Object.keys(json).filter((k) => k !== 'include' && k !== 'exclude');
  let combos: Combo[] = [{}];
  for (const k of keys) {
    const values = json[k];
    if (!Array.isArray(values)) return [undefined];
    const next: Combo[] = [];
    for (const c of combos) for (const v of values) next.push({ ...c, [k]: v });
    if (next.length > MAX_LOOP) return [undefined];
    combos = next;
  }
  const exclude = Array.isArray(json.exclude) ? json.exclude.filter(isRecord) : [];
  combos = combos.filter((c) => !exclude.some((e) => Object.entries(e).every(([k, v]) => sameValue(c[k], v))));
  const include = Array.isArray(json.include) ? json.include.filter(isRecord) : [];
  if (keys.length === 0 && include.length) combos = [];
  for (const e of include) {
    const matches = keys.length === 0 ? [] : combos.filter((c) => Object.keys(e).filter((k) => keys.includes(k)).every((k) => sameValue(c[k], e[k])));
    if (matches.length) for (const c of matches) Object.assign(c, e);
    else combos.push({ ...e });
    if (combos.length > MAX_LOOP) return [undefined];
  }
  return combos.length ? combos : [{}];
}

// ---------------------------------------------------------------------------------------------
// GitLab CI: global and job `variables:` (GitLab expands `$VAR` in them), `extends:`,
// `default:`/top-level `before_script`, `!reference` tags, `parallel: matrix:`.

const GITLAB_KEYWORDS = new Set(['default', 'include', 'stages', 'variables', 'workflow', 'image', 'services', 'before_script', 'after_script', 'cache', 'spec']);

function gitlabContext(s: Session): ShellContext {
  const root = s.rootWord;
  return {
    ambient: (name) => {
      const known = s.repositoryVariable(name, root);
      if (known !== undefined) return known;
      if (name === 'CI') return 'true';
      return /^(CI|GITLAB)_/.test(name) ? UNKNOWN : undefined;
    },
    scriptWord: UNKNOWN,
  };
}

function gitlabPushes(s: Session, doc: YDoc): void {
  const index = new LineIndex(s.text);
  const root = doc.contents;
  const jobs = new Map(mapEntries(doc, root).filter(([k, v]) => !GITLAB_KEYWORDS.has(k) && isMap(v)));
  const extendsOf = (job: unknown): string[] => {
    const e = mapGet(doc, job, 'extends');
    const one = str(doc, e);
    return one !== undefined ? [one] : seqItems(doc, e).map((x) => str(doc, x) ?? '').filter((x) => x !== '');
  };
  const extended = new Set<string>();
  for (const job of jobs.values()) for (const e of extendsOf(job)) extended.add(e);
  const jobValue = (name: string, key: string, depth = 0): unknown => {
    const job = jobs.get(name);
    if (!job || depth > 10) return undefined;
    const own = mapGet(doc, job, key);
    if (own !== undefined) return own;
    const bases = extendsOf(job);
    for (let i = bases.length - 1; i >= 0; i--) {
      const v = jobValue(bases[i], key, depth + 1);
      if (v !== undefined) return v;
    }
    return undefined;
  };
  const variableNodes = (name: string, depth = 0): unknown[] => {
    const job = jobs.get(name);
    if (!job || depth > 10) return [];
    return [...extendsOf(job).flatMap((b) => variableNodes(b, depth + 1)), mapGet(doc, job, 'variables')];
  };
  const sources = (node: unknown, depth = 0): ShellSource[] => {
    if (depth > 10) return [];
    const n = deref(doc, node);
    if (isSeq(n) && n.tag === '!reference') {
      const [jobName, ...keys] = n.items.map((x) => str(doc, x) ?? '');
      let target: unknown = mapGet(doc, root, jobName);
      for (const k of keys) target = mapGet(doc, target, k);
      return sources(target, depth + 1);
    }
    if (isSeq(n)) return n.items.flatMap((x) => sources(x, depth + 1));
    const src = scalarSource(s, index, doc, n);
    return src ? [src] : [];
  };
  const ctx = gitlabContext(s);
  const globals = mapGet(doc, root, 'variables');
  const dflt = mapGet(doc, root, 'default');
  for (const name of jobs.keys()) {
    if (name.startsWith('.') && extended.has(name)) continue;
    const script = jobValue(name, 'script');
    if (script === undefined || !s.spend(1)) continue;
    const vars = new Map<string, string>();
    for (const node of [globals, ...variableNodes(name)]) addGitlabVariables(doc, vars, node, ctx);
    const before = jobValue(name, 'before_script') ?? mapGet(doc, dflt, 'before_script') ?? mapGet(doc, root, 'before_script');
    const after = jobValue(name, 'after_script') ?? mapGet(doc, dflt, 'after_script') ?? mapGet(doc, root, 'after_script');
    for (const combo of gitlabMatrix(doc, mapGet(doc, jobValue(name, 'parallel'), 'matrix'))) {
      const env = new Map([...vars, ...combo]);
      new Shell(s, ctx, new Map(env), s.rootWord).runScript(concatSources([...sources(before), ...sources(script)]));
      if (after !== undefined) new Shell(s, ctx, new Map(env), s.rootWord).runScript(concatSources(sources(after)));
    }
  }
}

function addGitlabVariables(doc: YDoc, into: Map<string, string>, node: unknown, ctx: ShellContext): void {
  for (const [k, v] of mapEntries(doc, node)) {
    const value = str(doc, v) ?? str(doc, mapGet(doc, v, 'value'));
    if (value === undefined) continue;
    const expand = str(doc, mapGet(doc, v, 'expand')) !== 'false';
    into.set(k, capped(expand ? gitlabExpand(value, into, ctx) : value));
  }
}

/** GitLab's own expansion of `$VAR` / `${VAR}` in variable values (`$$` is a dollar). */
function gitlabExpand(value: string, vars: Map<string, string>, ctx: ShellContext): string {
  return value.replace(/\$(\$|\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))/g, (_match: string, dollar: string, braced?: string, bare?: string) => {
    if (dollar === '$') return '$';
    const name = braced ?? bare ?? '';
    return vars.get(name) ?? ctx.ambient(name) ?? UNKNOWN;
  });
}

function gitlabMatrix(doc: YDoc, node: unknown): [string, string][][] {
  const combos: [string, string][][] = [];
  for (const entry of seqItems(doc, node)) {
    let partial: [string, string][][] = [[]];
    for (const [k, v] of mapEntries(doc, entry)) {
      const one = str(doc, v);
      const values = one !== undefined ? [one] : seqItems(doc, v).map((x) => str(doc, x) ?? UNKNOWN);
      const next: [string, string][][] = [];
      for (const c of partial) for (const value of values) next.push([...c, [k, value]]);
      partial = next;
      if (partial.length > MAX_LOOP) return [[]];
    }
    combos.push(...partial);
    if (combos.length > MAX_LOOP) return [[]];
  }
  return combos.length ? combos : [[]];
}

// ---------------------------------------------------------------------------------------------
// Taskfile: global and task `vars:` with `{{.VAR}}` templating (task vars win over the caller's,
// as in Task), `env:`, `dir:`, `deps:`, `cmds:` (strings, `cmd:`, `task:` calls with vars, `for:`).

interface TaskRun {
  s: Session;
  doc: YDoc;
  index: LineIndex;
  tasks: unknown;
  globalVars: Map<string, string>;
  globalEnv: Map<string, string>;
}

function taskPushes(s: Session, doc: YDoc): void {
  const root = doc.contents;
  const base = new Map<string, string>([['ROOT_DIR', s.fileFolderWord], ['TASKFILE_DIR', s.fileFolderWord]]);
  const globalVars = new Map(base);
  taskVariables(s, doc, mapGet(doc, root, 'vars'), globalVars, globalVars);
  const globalEnv = new Map<string, string>();
  taskVariables(s, doc, mapGet(doc, root, 'env'), globalEnv, globalVars);
  const run: TaskRun = { s, doc, index: new LineIndex(s.text), tasks: mapGet(doc, root, 'tasks'), globalVars, globalEnv };
  // A task other tasks call is run through them, with the vars they pass; alone it would run
  // with its defaults, which is not how this file uses it (like `internal: true` tasks).
  const called = new Set<string>();
  for (const [, def] of mapEntries(doc, run.tasks)) {
    for (const cmd of seqItems(doc, mapGet(doc, def, 'cmds'))) {
      const target = str(doc, mapGet(doc, cmd, 'task'));
      if (target !== undefined) called.add(target);
    }
    for (const dep of seqItems(doc, mapGet(doc, def, 'deps'))) {
      const target = str(doc, dep) ?? str(doc, mapGet(doc, dep, 'task'));
      if (target !== undefined) called.add(target);
    }
  }
  for (const [name, def] of mapEntries(doc, run.tasks)) {
    if (called.has(name) || str(doc, mapGet(doc, def, 'internal')) === 'true') continue;
    runTask(run, name, undefined, 0);
  }
}

function runTask(run: TaskRun, name: string, callVars: Map<string, string> | undefined, depth: number): void {
  const { s, doc } = run;
  const def = mapGet(doc, run.tasks, name);
  if (def === undefined || depth > 6 || !s.spend(1)) return;
  const vars = new Map(run.globalVars);
  vars.set('TASK', name);
  for (const [k, v] of callVars ?? []) vars.set(k, v);
  taskVariables(s, doc, mapGet(doc, def, 'vars'), vars, vars);
  const env = new Map(run.globalEnv);
  taskVariables(s, doc, mapGet(doc, def, 'env'), env, vars);
  const dirText = str(doc, mapGet(doc, def, 'dir'));
  let cwd = s.fileFolderWord;
  if (dirText !== undefined) {
    const uri = s.resolve(cwd, template(dirText, vars, s));
    cwd = uri === undefined ? UNKNOWN : s.place(uri);
  }
  for (const dep of seqItems(doc, mapGet(doc, def, 'deps'))) {
    const target = str(doc, dep) ?? str(doc, mapGet(doc, dep, 'task'));
    if (target !== undefined) runTask(run, target, callArguments(run, dep, vars), depth + 1);
  }
  const cmds = isMap(def) ? (mapGet(doc, def, 'cmds') ?? mapGet(doc, def, 'cmd')) : def;
  const list = isSeq(cmds) ? seqItems(doc, cmds) : cmds === undefined ? [] : [cmds];
  for (const cmd of list) {
    if (isScalar(cmd)) {
      taskCommand(run, cmd, vars, env, cwd);
      continue;
    }
    const target = str(doc, mapGet(doc, cmd, 'task'));
    if (target !== undefined) {
      runTask(run, template(target, vars, s), callArguments(run, cmd, vars), depth + 1);
      continue;
    }
    const text = mapGet(doc, cmd, 'cmd') ?? mapGet(doc, cmd, 'defer');
    if (text === undefined) continue;
    const loop = mapGet(doc, cmd, 'for');
    if (loop === undefined) {
      taskCommand(run, text, vars, env, cwd);
      continue;
    }
    const as = str(doc, mapGet(doc, loop, 'as')) ?? 'ITEM';
    let items: string[] | undefined = seqItems(doc, loop).map((x) => str(doc, x) ?? UNKNOWN);
    const fromVar = str(doc, mapGet(doc, loop, 'var'));
    if (fromVar !== undefined) {
      const value = vars.get(fromVar);
      items = value !== undefined && clean(value) ? value.split(/\s+/).filter((x) => x) : undefined;
    }
    if (!items || items.length > MAX_LOOP) items = [UNKNOWN];
    for (const item of items) taskCommand(run, text, new Map(vars).set(as, item), env, cwd);
  }
}

function callArguments(run: TaskRun, call: unknown, callerVars: Map<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  taskVariables(run.s, run.doc, mapGet(run.doc, call, 'vars'), out, callerVars);
  return out;
}

function taskVariables(s: Session, doc: YDoc, node: unknown, into: Map<string, string>, context: Map<string, string>): void {
  for (const [k, v] of mapEntries(doc, node)) {
    const text = str(doc, v);
    if (text !== undefined) into.set(k, template(text, context, s));
    else {
      const ref = str(doc, mapGet(doc, v, 'ref'));
      // `sh:` values are a command's output: not known here.
      into.set(k, ref !== undefined ? template(`{{${ref}}}`, context, s) : UNKNOWN);
    }
  }
}

function taskCommand(run: TaskRun, node: unknown, vars: Map<string, string>, env: Map<string, string>, cwd: string): void {
  const src = scalarSource(run.s, run.index, run.doc, node);
  if (!src) return;
  const shell = new Shell(run.s, run.s.plainContext(), new Map(env), cwd);
  shell.runScript({ text: template(src.text, vars, run.s), lines: src.lines });
}

/** Go-template `{{ … }}` as Task uses it: `.VAR`, literals, and default/lower/upper/trim pipes. */
function template(text: string, vars: Map<string, string>, s: Session): string {
  let out = '';
  let i = 0;
  for (;;) {
    const a = text.indexOf('{{', i);
    if (a < 0) break;
    const b = text.indexOf('}}', a + 2);
    if (b < 0) break;
    out += text.slice(i, a) + (templateExpression(text.slice(a + 2, b), vars, s) ?? UNKNOWN).replace(/\n/g, ' ');
    i = b + 2;
  }
  return capped(out + text.slice(i));
}

function templateExpression(expr: string, vars: Map<string, string>, s: Session): string | undefined {
  const e = expr.replace(/^-\s|\s-$/g, '').trim();
  if (e.length > 512) return UNKNOWN;
  const stages = e.split('|').map((x) => x.trim());
  let value: string | undefined;
  for (let n = 0; n < stages.length; n++) {
    const words = stages[n].match(/"(?:[^"\\]|\\.)*"|\S+/g) ?? [];
    const term = (w: string): string | undefined => {
      if (w.startsWith('"')) return w.slice(1, -1);
      if (/^\.[A-Za-z_]\w*$/.test(w)) return vars.get(w.slice(1)) ?? s.repositoryVariable(w.slice(1), s.rootWord);
      return UNKNOWN;
    };
    if (n === 0 && words.length === 1) {
      value = term(words[0]);
      continue;
    }
    const args = words.slice(1).map(term);
    if (n > 0) args.push(value);
    value = templateFunction(words[0] ?? '', args);
  }
  return value;
}

function templateFunction(name: string, args: (string | undefined)[]): string | undefined {
  const last = args[args.length - 1];
  switch (name) {
    case 'default': {
      if (last === undefined || last === '') return args[0];
      return mayBeEmpty(last) ? UNKNOWN : last;
    }
    case 'lower':
      return last?.toLowerCase();
    case 'upper':
      return last?.toUpperCase();
    case 'trim':
      return last?.trim();
  }
  return UNKNOWN;
}

// ---------------------------------------------------------------------------------------------
// Makefile: variables (`=`, `:=`, `?=`, `+=`, `export`), rules and their tab-indented recipes,
// each recipe line its own shell (unless .ONESHELL), run in the Makefile's folder.

interface MakeVar {
  raw: string;
  recursive: boolean;
  exported: boolean;
}

interface MakeRule {
  target: string;
  /** Logical recipe lines, each its physical lines (`first`: where `@`/`-`/`+` prefixes go). */
  recipes: { text: string; line: number; first: boolean }[][];
}

function endsWithOddBackslashes(line: string): boolean {
  let n = 0;
  for (let i = line.length - 1; i >= 0 && line[i] === '\\'; i--) n++;
  return n % 2 === 1;
}

function makePushes(s: Session): void {
  const lines = s.text.split('\n');
  const vars = new Map<string, MakeVar>();
  const rules: MakeRule[] = [];
  const cond: { name?: string; inElse: boolean }[] = [];
  let rule: MakeRule | undefined;
  let exportAll = false;
  let oneShell = false;
  const expander = new MakeExpander(s, vars);
  for (let i = 0; i < lines.length; i++) {
    if (!s.spend(1)) return;
    const line = lines[i];
    if (rule && line.startsWith('\t')) {
      const phys = [{ text: line.slice(1), line: i, first: true }];
      while (endsWithOddBackslashes(phys[phys.length - 1].text) && i + 1 < lines.length) {
        i++;
        phys.push({ text: lines[i].replace(/^\t/, ''), line: i, first: false });
      }
      rule.recipes.push(phys);
      continue;
    }
    if (/^\s*(?:#.*)?$/.test(line)) continue;
    rule = undefined;
    const first = i;
    const parts = [line];
    while (endsWithOddBackslashes(parts[parts.length - 1]) && i + 1 < lines.length) {
      parts[parts.length - 1] = parts[parts.length - 1].slice(0, -1);
      parts.push(lines[++i].trimStart());
    }
    const text = stripMakeComment(parts.join(' ')).trim();
    // Long logical lines are not assignments or rules anyone writes; skipping them keeps the
    // regexes below linear.
    if (text === '' || text.length > 4096) continue;
    const directive = /^(ifeq|ifneq|ifdef|ifndef|else|endif|define|endef|-?include|sinclude|override\s+define)\b\s*(.*)$/.exec(text);
    if (directive) {
      const [, word, arg] = directive;
      if (word === 'ifndef') cond.push({ name: arg.trim(), inElse: false });
      else if (word.startsWith('if')) cond.push({ inElse: false });
      else if (word === 'else' && cond.length) cond[cond.length - 1] = { inElse: true };
      else if (word === 'endif') cond.pop();
      else if (word.endsWith('define')) {
        const name = arg.trim().split(/\s+/)[0];
        if (name) vars.set(name, { raw: UNKNOWN, recursive: false, exported: false });
        while (i + 1 < lines.length && !/^\s*endef\b/.test(lines[i + 1])) i++;
        i++;
      }
      continue;
    }
    if (text === 'export') {
      exportAll = true;
      continue;
    }
    const assign = /^((?:(?:export|override|private)\s+)*)([^\s:#=?+!$()]+)\s*(\?=|:::=|::=|:=|\+=|!=|=)\s*(.*)$/.exec(text);
    if (assign) {
      const [, modifiers, name, op, value] = assign;
      makeAssign(vars, expander, cond, name, op, value, /\bexport\b/.test(modifiers));
      continue;
    }
    const exported = /^export\s+(.*)$/.exec(text);
    if (exported) {
      for (const name of exported[1].split(/\s+/)) {
        const v = vars.get(name);
        if (v) v.exported = true;
      }
      continue;
    }
    const colon = text.search(/:(?!=)/);
    if (colon > 0) {
      const targets = text.slice(0, colon).trim();
      const rest = text.slice(colon + 1).replace(/^:/, '');
      if (/^\.ONESHELL\b/.test(targets)) oneShell = true;
      if (/^\.EXPORT_ALL_VARIABLES\b/.test(targets)) exportAll = true;
      // `target: VAR = value` sets a target-specific variable; it starts no recipe.
      if (/^[^;]*[^:!?+]=/.test(rest) && !rest.includes(';')) continue;
      rule = { target: targets.split(/\s+/)[0], recipes: [] };
      rules.push(rule);
      const semi = rest.indexOf(';');
      if (semi >= 0) rule.recipes.push([{ text: rest.slice(semi + 1), line: first, first: true }]);
    }
  }
  expander.freeze();
  const env = new Map<string, string>();
  for (const [name, v] of vars) if (v.exported || exportAll) env.set(name, expander.variable(name));
  for (const r of rules) {
    expander.target = r.target;
    expander.clearMemo();
    const groups = oneShell && r.recipes.length ? [r.recipes.flat()] : r.recipes;
    for (const phys of groups) {
      const texts = phys.map((p) => {
        const text = expander.expand(p.text, 0, p.line);
        return p.first ? text.replace(/^\s*[@+-]+/, '') : text;
      });
      const shell = new Shell(s, s.plainContext(), new Map(env), s.fileFolderWord);
      shell.runScript({ text: texts.join('\n'), lines: phys.map((p) => p.line) });
    }
  }
}

function stripMakeComment(line: string): string {
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\\') i++;
    else if (line[i] === '#') return line.slice(0, i);
  }
  return line;
}

function makeAssign(vars: Map<string, MakeVar>, expander: MakeExpander, cond: { name?: string; inElse: boolean }[], name: string, op: string, value: string, exported: boolean): void {
  const previous = vars.get(name);
  const exp = exported || (previous?.exported ?? false);
  expander.clearMemo();
  if (cond.length) {
    // `ifndef TAG` + `TAG = latest` is the long way to write `TAG ?= latest`; any other
    // assignment under a condition depends on what make is given, so its value is unknown.
    const top = cond[cond.length - 1];
    if (cond.length === 1 && top.name === name && !top.inElse) op = '?=';
    else {
      vars.set(name, { raw: UNKNOWN, recursive: false, exported: exp });
      return;
    }
  }
  switch (op) {
    case '?=':
      if (!previous) vars.set(name, { raw: value, recursive: true, exported: exp });
      return;
    case '=':
      vars.set(name, { raw: value, recursive: true, exported: exp });
      return;
    case ':=':
    case '::=':
    case ':::=':
      vars.set(name, { raw: expander.expand(value, 0, -1), recursive: false, exported: exp });
      return;
    case '+=':
      if (!previous) vars.set(name, { raw: value, recursive: true, exported: exp });
      else vars.set(name, { raw: `${previous.raw} ${previous.recursive ? value : expander.expand(value, 0, -1)}`, recursive: previous.recursive, exported: exp });
      return;
    default:
      vars.set(name, { raw: UNKNOWN, recursive: false, exported: exp });
  }
}

/** make's `$(VAR)` / `${VAR}` / `$(function …)` expansion, to the text the recipe's shell reads. */
class MakeExpander {
  target: string | undefined;
  private memo = new Map<string, string>();
  private readonly busy = new Set<string>();
  private frozen = false;

  constructor(
    private readonly s: Session,
    private readonly vars: Map<string, MakeVar>,
  ) {}

  /** From now on the variables no longer change, so expansions of a rule can be remembered. */
  freeze(): void {
    this.frozen = true;
  }

  clearMemo(): void {
    this.memo = new Map();
  }

  expand(text: string, depth: number, line: number): string {
    let out = '';
    let i = 0;
    while (i < text.length) {
      const d = text.indexOf('$', i);
      if (d < 0) {
        out += text.slice(i);
        break;
      }
      out += text.slice(i, d);
      const c = text[d + 1];
      if (c === undefined) {
        out += '$';
        break;
      }
      if (c === '$') {
        out += '$';
        i = d + 2;
        continue;
      }
      if (c === '(' || c === '{') {
        const end = closeOf(text, d + 2, c, c === '(' ? ')' : '}');
        out += this.reference(text.slice(d + 2, end), depth, line);
        i = end + 1;
      } else {
        out += this.reference(c, depth, line);
        i = d + 2;
      }
      if (out.length > MAX_VALUE || !this.s.spend(1)) return UNKNOWN;
    }
    return out;
  }

  variable(name: string): string {
    return this.reference(name, 0, -1);
  }

  private reference(inner: string, depth: number, line: number): string {
    if (depth > 16) return UNKNOWN;
    const fn = /^([a-z-]+)[ \t]+([\s\S]*)$/.exec(inner);
    if (fn) return this.call(fn[1], fn[2], depth, line);
    const name = this.expand(inner, depth + 1, line);
    if (!clean(name) || /[:=]/.test(name)) return UNKNOWN;
    switch (name) {
      case 'CURDIR':
        return this.s.fileFolderWord;
      case 'MAKEFILE_LIST':
        return this.s.place(`${this.s.input.uri}/`);
      case 'MAKE':
        return 'make';
      case 'SHELL':
        return '/bin/sh';
      case '@':
        return this.target ?? UNKNOWN;
    }
    const v = this.vars.get(name);
    if (!v) return this.s.repositoryVariable(name, this.s.rootWord) ?? UNKNOWN;
    if (!v.recursive) return v.raw;
    const memo = this.frozen ? this.memo.get(name) : undefined;
    if (memo !== undefined) return memo;
    if (this.busy.has(name)) return UNKNOWN;
    this.busy.add(name);
    const value = this.expand(v.raw, depth + 1, line);
    this.busy.delete(name);
    if (this.frozen) this.memo.set(name, value);
    return value;
  }

  private call(name: string, argText: string, depth: number, line: number): string {
    const arg = (): string => this.expand(argText, depth + 1, line).trim();
    const words = (): string[] => arg().split(/\s+/).filter((w) => w);
    switch (name) {
      case 'shell': {
        const shell = new Shell(this.s, this.s.plainContext(), new Map(), this.s.fileFolderWord);
        return shell.output({ text: arg(), lines: [Math.max(line, 0)] }).replace(/\n/g, ' ');
      }
      case 'abspath':
      case 'realpath':
        return words()
          .map((w) => {
            const uri = this.s.resolve(this.s.fileFolderWord, w);
            return uri === undefined ? UNKNOWN : this.s.place(uri);
          })
          .join(' ');
      case 'dir':
        return words()
          .map((w) => {
            if (w.startsWith(PLACE)) {
              const uri = this.s.resolve(this.s.fileFolderWord, w);
              const parent = uri === undefined ? undefined : joinPath(uri, '..');
              return parent === undefined ? UNKNOWN : `${this.s.place(parent)}/`;
            }
            return clean(w) ? w.slice(0, w.lastIndexOf('/') + 1) || './' : UNKNOWN;
          })
          .join(' ');
      case 'notdir':
        return words()
          .map((w) => (clean(w) ? w.slice(w.lastIndexOf('/') + 1) : UNKNOWN))
          .join(' ');
      case 'lastword': {
        const w = words();
        return w[w.length - 1] ?? '';
      }
      case 'firstword':
        return words()[0] ?? '';
      case 'strip':
        return words().join(' ');
    }
    return UNKNOWN;
  }
}

/** The index of the parenthesis closing one opened before `from` (same kind, nested). */
function closeOf(text: string, from: number, open: string, close: string): number {
  let depth = 1;
  for (let j = from; j < text.length; j++) {
    if (text[j] === open) depth++;
    else if (text[j] === close && --depth === 0) return j;
  }
  return text.length;
}
