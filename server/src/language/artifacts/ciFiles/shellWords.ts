// Shell: lexer. Words keep their pieces (literal, `$VAR`/`${…}`, `$(…)`) so they are expanded
// when the command runs, with the variables of that moment.
import type { Seg, Tok, WordTok } from './shellSyntax';

const OPS = ['<<-', '&>>', ';;&', '<<<', '&&', '||', ';;', ';&', '>>', '<<', '>&', '<&', '&>', '>|', '|&', '<>', ';', '&', '|', '(', ')', '<', '>'];
const OP_CHARS = ';&|()<>';

function isNameStart(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z_]/.test(c);
}

export function countNewlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

export class Lexer {
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
