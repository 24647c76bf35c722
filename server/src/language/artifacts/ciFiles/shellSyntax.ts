// Shell syntax: the words the lexer (shellWords.ts) makes and the flat program the parser
// (shellProgram.ts) builds from them; the interpreter (shell.ts) runs both.

export interface ShellSource {
  text: string;
  /** File line (zero-based) of each text line; lines past the end take the last entry. */
  lines: readonly number[];
}

export interface Program {
  items: Item[];
  match: Int32Array;
}

export type Seg =
  | { t: 'lit'; s: string; q: boolean }
  | { t: 'param'; body: string; q: boolean }
  | { t: 'cmd'; src: string; q: boolean; k: number; lines: readonly number[]; prog?: Program }
  | { t: 'unknown' };

export interface WordTok {
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
export type Tok = WordTok | string;

export function isWord(t: Tok | undefined): t is WordTok {
  return t !== undefined && typeof t !== 'string';
}

export type Kw = 'if' | 'then' | 'elif' | 'else' | 'fi' | 'while' | 'until' | 'do' | 'done' | 'case' | 'esac' | 'pat' | '{' | '}' | '(' | ')';

interface Redir {
  op: string;
  fd: string;
  target: WordTok;
}

export interface CmdItem {
  k: 'cmd';
  words: WordTok[];
  redirs: Redir[];
  line: number;
  pipeIn: boolean;
  pipeOut: boolean;
}

export type Item = CmdItem | { k: 'kw'; w: Kw } | { k: 'for'; name?: string; words?: WordTok[] } | { k: 'func'; name: string; start: number; end: number };

/** `NAME=value` / `NAME+=value` as the shell sees it: the name unquoted, before any expansion. */
export function assignmentOf(w: WordTok): Assignment | undefined {
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
