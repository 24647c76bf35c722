// Shell: interpreter. Runs the commands with the values the file gives. Conditionals are not
// decided: a variable set differently in the branches becomes unknown after `fi`. Loops over
// known words run once per word; functions run where called (and once more, with unknown
// arguments, if the file never calls them).
import { addPiece, capped, clean, CWD, type Expansion, mayBeEmpty, PLACE, trimPattern, UNKNOWN } from './shellValues';
import { decode, joinPath, relativeDisplay, splitUri } from './uris';
import type { Session, ShellContext } from './session';
import { assignmentOf, type CmdItem, isWord, type Kw, type Program, type Seg, type ShellSource, type WordTok } from './shellSyntax';
import { Lexer } from './shellWords';
import { parseProgram } from './shellProgram';
import { baseName, OUTPUT_FLAGS, SILENT, translate, WRITE_ALL, WRITE_LAST, WRITE_REDIRS, WRITE_TOOLS } from './commonCommands';
import { FILE_RE, FLUX_FLAGS, FLUX_OCI_FLAGS, type ParsedFlags, parseFlags, splitReference, TAG_RE } from './pushCommand';

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
export const MAX_LOOP = 64;
const MAX_FRAMES = 256;

export class Shell {
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
