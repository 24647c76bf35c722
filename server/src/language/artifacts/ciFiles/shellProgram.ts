// Shell: commands. A flat list of simple commands and keywords, with each opener (`if`, `for`,
// `{`, `(`) matched to its closer, so the interpreter (shell.ts) jumps instead of recursing.
import { CHARS_PER_UNIT, type Session } from './session';
import { type CmdItem, isWord, type Item, type Kw, type Program, type Tok, type WordTok } from './shellSyntax';
import { Lexer } from './shellWords';

const KEYWORDS = new Set<string>(['if', 'then', 'elif', 'else', 'fi', 'while', 'until', 'do', 'done', '{', '}']);
const REDIR_OPS = new Set(['>', '>>', '<', '<<', '<<-', '<<<', '>&', '<&', '&>', '&>>', '>|', '<>']);
const CLOSER = new Map<string, string>([['if', 'fi'], ['case', 'esac'], ['while', 'done'], ['until', 'done'], ['for', 'done'], ['{', '}'], ['(', ')']]);
const CLOSERS = new Set(['fi', 'esac', 'done', '}', ')']);

/**
 * Reads a script, paying for it from the session's budget; a text longer than what is left is
 * read up to a line break within it (a command is never cut in its middle: a cut `--path`
 * would name a wrong folder).
 */
export function parseProgram(s: Session, text: string, lines: readonly number[], kBase: number): Program {
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
