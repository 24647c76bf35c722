// Values. A value is a string in which two private characters stand for what the file cannot
// spell out: UNKNOWN (anything) and PLACE + one index character (a folder or file URI, e.g. the
// repository root behind `$GITHUB_WORKSPACE` or `$(CURDIR)`). Strings concatenate, split and
// compare as the shell does, so the markers travel through any expansion without special cases.

export const UNKNOWN = '\u0000';
export const PLACE = '\u0001';
export const PLACE_BASE = 0xe000;
export const MAX_PLACES = 0x1800;
/** Longer values are treated as unknown: keeps doubling assignments (`A=$A$A`) bounded. */
export const MAX_VALUE = 65536;
export const CWD = '\u0000cwd';

export function clean(value: string): boolean {
  return !value.includes(UNKNOWN) && !value.includes(PLACE);
}

export function capped(value: string): string {
  return value.length > MAX_VALUE ? UNKNOWN : value;
}

/** Could the value be the empty string? (Only when nothing but unknowns is in it.) */
export function mayBeEmpty(value: string): boolean {
  for (const ch of value) if (ch !== UNKNOWN) return false;
  return true;
}

// Fields and patterns: an expansion split into words where the shell splits it, and the
// `${X#pat}`-style trims.

export interface Expansion {
  out: string[];
  cur: string;
  has: boolean;
  split: boolean;
}

/** Adds an expansion's value to the fields, splitting it at blanks when unquoted. */
export function addPiece(st: Expansion, v: string, quoted: boolean): void {
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

/** `${X#pat}`, `${X##pat}`, `${X%pat}`, `${X%%pat}` for `*` and `?` patterns on short values. */
export function trimPattern(value: string, pattern: string, prefix: boolean, longest: boolean, spend: (n: number) => boolean): string {
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
