// Go regular expressions (RE2 syntax), as Flux compiles them (OCIRepository semverFilter,
// ImagePolicy filterTags.pattern), checked with JavaScript's engine after translating what the
// two spell differently, and refusing what RE2 lacks (look-around, back-references).
import { RE2JS } from 're2js';

/** What JavaScript cannot parse but RE2 can, rewritten; undefined parts are left alone. */
function toJavaScript(pattern: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (next === 'A' && !inClass) out += '^';
      else if (next === 'z' && !inClass) out += '$';
      else out += c + next;
      i++;
      continue;
    }
    if (inClass) {
      // POSIX classes such as [[:alpha:]] exist in RE2 only.
      const posix = /^\[:(\^?)([a-z]+):\]/.exec(pattern.slice(i));
      if (posix) {
        out += POSIX[posix[2]] ?? 'a-z';
        i += posix[0].length - 1;
        continue;
      }
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      if (pattern[i + 1] === '^') out += pattern[++i];
      if (pattern[i + 1] === ']') out += '\\' + pattern[++i];
      continue;
    }
    if (c === '(' && pattern[i + 1] === '?') {
      const rest = pattern.slice(i + 2);
      // Named group: (?P<name>...) in Go; (?<name>...) is accepted by newer Go as well.
      if (rest.startsWith('P<')) {
        out += '(?<';
        i += 3;
        continue;
      }
      // Flags: (?i) and (?i:...) have no JavaScript counterpart in a pattern; drop them.
      const flags = /^[imsU]*(?:-[imsU]*)?([:)])/.exec(rest);
      if (flags && flags[0].length > 1) {
        out += flags[1] === ':' ? '(?:' : '';
        i += 1 + flags[0].length;
        continue;
      }
    }
    out += c;
  }
  return out;
}

const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', ascii: '\\x00-\\x7F', blank: '\\t ', cntrl: '\\x00-\\x1F\\x7F', digit: '0-9',
  graph: '!-~', lower: 'a-z', print: ' -~', punct: '!-/:-@[-`{-~', space: '\\t\\n\\v\\f\\r ', upper: 'A-Z', word: '0-9A-Za-z_', xdigit: '0-9A-Fa-f',
};

/**
 * A test for "the Go pattern finds a match in this text" (unanchored, like Go's MatchString),
 * run by RE2's linear-time engine: tags come from registries and patterns from files, and a
 * pattern such as `(a+)+$` must not stop the server. Undefined when RE2 refuses the pattern.
 */
export function goPatternTest(pattern: string): ((text: string) => boolean) | undefined {
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch {
    return undefined;
  }
  return (text) => re.matcher(text).find();
}

/** A match of a Go pattern: its groups by number or name (undefined when absent or unmatched). */
export type GoMatchGroups = (ref: string) => string | undefined;

/**
 * The first match of the Go pattern in a text (unanchored, like Go's FindStringSubmatch), by
 * RE2's linear-time engine, for extracting groups from registry tags; undefined when RE2
 * refuses the pattern.
 */
export function goPatternMatcher(pattern: string): ((text: string) => GoMatchGroups | undefined) | undefined {
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch {
    return undefined;
  }
  return (text) => {
    const m = re.matcher(text);
    if (!m.find()) return undefined;
    return (ref) => {
      try {
        return (/^[0-9]+$/.test(ref) ? m.group(Number(ref)) : m.group(ref)) ?? undefined;
      } catch {
        return undefined; // a group the pattern does not have: empty, as in Go's Expand
      }
    };
  };
}

/** Why a pattern would not compile in Go's regexp package; undefined when it would. */
export function re2Problem(pattern: string): string | undefined {
  if (/\(\?<?[=!]/.test(pattern)) return 'look-ahead and look-behind groups are not supported (Go regular expressions)';
  if (/(^|[^\\])(\\\\)*\\([1-9]|k<)/.test(pattern)) return 'back-references are not supported (Go regular expressions)';
  try {
    new RegExp(toJavaScript(pattern));
  } catch (error) {
    return (error as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /, '').replace(/^Invalid regular expression: /, '');
  }
  return undefined;
}

export interface GroupInfo {
  /** Number of capturing groups. */
  count: number;
  names: string[];
}

/** The capturing groups of a pattern that compiles. */
export function re2Groups(pattern: string): GroupInfo {
  const names: string[] = [];
  let count = 0;
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      if (pattern[i + 1] === '^') i++;
      if (pattern[i + 1] === ']') i++;
      continue;
    }
    if (c !== '(') continue;
    if (pattern[i + 1] !== '?') {
      count++;
      continue;
    }
    const named = /^\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(pattern.slice(i));
    if (named) {
      count++;
      names.push(named[1]);
    }
  }
  return { count, names };
}

export interface TemplateReference {
  /** Offset of the `$` in the template. */
  offset: number;
  length: number;
  /** The group named: a number or a name. */
  group: string;
  /** Written without braces and followed by more name characters than meant? (`$1x` is group "1x".) */
  braced: boolean;
}

/** The group references of a Go Regexp.Expand template (`$name`, `${name}`, `$1`; `$$` is a dollar). */
export function templateReferences(template: string): TemplateReference[] {
  const out: TemplateReference[] = [];
  for (let i = 0; i < template.length; i++) {
    if (template[i] !== '$') continue;
    if (template[i + 1] === '$') {
      i++;
      continue;
    }
    const braced = /^\$\{([A-Za-z0-9_]+)\}/.exec(template.slice(i));
    if (braced) {
      out.push({ offset: i, length: braced[0].length, group: braced[1], braced: true });
      i += braced[0].length - 1;
      continue;
    }
    const bare = /^\$([A-Za-z0-9_]+)/.exec(template.slice(i));
    if (bare) {
      out.push({ offset: i, length: bare[0].length, group: bare[1], braced: false });
      i += bare[0].length - 1;
    }
  }
  return out;
}
