// Flux's post-build variable substitution, as kustomize-controller runs it on each rendered
// object: bash-style `${NAME}` expressions (with defaults and the string functions of the
// parameter-expansion family), `$$` for a literal `$`, and a bare `$NAME` left alone. A malformed
// expression fails the whole object (and so the Kustomization), so it is an error here too.
//
// Our own implementation, written from the documented behaviour: a small recursive-descent
// parser over the text, then evaluation against the variables.
import { RE2JS } from 're2js';

export class SubstitutionError extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
  }
}

/** What a variable is: a value, or known to exist with a value we cannot see (a SOPS-encrypted Secret). */
export type VariableValue = { kind: 'value'; value: string } | { kind: 'unknown'; why: string };

export interface SubstituteOptions {
  /** `--strict-substitute` / `spec.postBuild` strict mode: a variable neither set nor defaulted fails. */
  strict?: boolean;
  /**
   * A variable not in the map: missing (Flux substitutes an empty string), or unknown (it may come
   * from an object we could not read, so its expression is kept as written).
   */
  absent?: 'missing' | 'unknown';
}

export interface SubstitutionResult {
  text: string;
  /** Variables referenced with no value and no default (empty strings in the output). */
  missing: string[];
  /** Variables whose value exists but is not known here: their expressions are kept as written. */
  unknown: string[];
  /** Variables whose values were put into the text. */
  used: string[];
}

type Node =
  | { type: 'text'; value: string }
  | { type: 'expr'; name: string; op: string; args: Node[][]; source: string; offset: number };

const DEFAULT_OPS = new Set(['=', ':=', ':-', ':?', ':+']);
const isNameChar = (c: string) => /[\p{L}\p{N}_]/u.test(c);

class Parser {
  private pos = 0;
  constructor(private readonly text: string) {}

  /** The whole text: literal text and expressions, `$$` a literal `$`. */
  parseTop(): Node[] {
    return this.parseSequence(() => true, { dollar: true, backslash: false });
  }

  /** At `${`: an expression up to its closing brace. */
  private parseExpression(): Node {
    const start = this.pos;
    const t = this.text;
    this.pos += 2;
    const fail = (what: string): never => {
      throw new SubstitutionError(`${what} in "${t.slice(start, Math.min(t.length, Math.max(this.pos + 1, start + 2)))}"`, start);
    };
    if (t[this.pos] === '#') {
      // ${#NAME}: the length of the value.
      this.pos++;
      const name = this.readName();
      if (!name) fail('bad substitution');
      if (t[this.pos] !== '}') fail('bad substitution');
      this.pos++;
      return { type: 'expr', name, op: '#len', args: [], source: t.slice(start, this.pos), offset: start };
    }
    const name = this.readName();
    if (!name) fail('unable to parse variable name');
    const c = t[this.pos];
    let op = '';
    const args: Node[][] = [];
    if (c === '}') {
      this.pos++;
    } else if (c === ':' || c === '=') {
      const two = t.slice(this.pos, this.pos + 2);
      if (c === '=' || DEFAULT_OPS.has(two)) {
        op = c === '=' ? '=' : two;
        this.pos += op.length;
        args.push(this.parseArgument((ch) => ch !== '}'));
        this.expectClose(fail);
      } else {
        // ${NAME:offset} or ${NAME:offset:length}
        op = ':';
        this.pos++;
        args.push(this.parseArgument((ch) => ch !== ':' && ch !== '}'));
        if (t[this.pos] === ':') {
          this.pos++;
          args.push(this.parseArgument((ch) => ch !== '}'));
        }
        this.expectClose(fail);
      }
    } else if (c === ',' || c === '^') {
      op = t[this.pos + 1] === c ? c + c : c;
      this.pos += op.length;
      this.expectClose(fail);
    } else if (c === '#' || c === '%') {
      op = t[this.pos + 1] === c ? c + c : c;
      this.pos += op.length;
      args.push(this.parseArgument((ch) => ch !== '}'));
      this.expectClose(fail);
    } else if (c === '/') {
      const next = t[this.pos + 1];
      op = next === '/' || next === '#' || next === '%' ? `/${next}` : '/';
      this.pos += op.length;
      args.push(this.parseArgument((ch) => ch !== '/', true));
      if (t[this.pos] !== '/') fail('bad substitution');
      this.pos++;
      args.push(t[this.pos] === '}' ? [] : this.parseArgument((ch) => ch !== '}', true));
      this.expectClose(fail);
    } else {
      fail(this.pos >= t.length ? 'missing closing brace' : 'missing closing brace');
    }
    return { type: 'expr', name, op, args, source: t.slice(start, this.pos), offset: start };
  }

  private expectClose(fail: (what: string) => never): void {
    if (this.text[this.pos] !== '}') fail('bad substitution');
    this.pos++;
  }

  private readName(): string {
    const from = this.pos;
    while (this.pos < this.text.length && isNameChar(this.text[this.pos])) this.pos++;
    return this.text.slice(from, this.pos);
  }

  /** A function's argument: text and nested expressions while `accepts` holds; `\/`, `\\` and `$$` escape in replace patterns. */
  private parseArgument(accepts: (c: string) => boolean, replacePattern = false): Node[] {
    return this.parseSequence(accepts, { dollar: replacePattern, backslash: replacePattern });
  }

  /**
   * Text and nested `${…}` expressions while `accepts` holds. Escapes: `$$` is one literal `$`
   * (what follows it is read as text, so `$${X}` stays `${X}`); `\/` and `\\` in replace patterns.
   */
  private parseSequence(accepts: (c: string) => boolean, escapes: { dollar: boolean; backslash: boolean }): Node[] {
    const nodes: Node[] = [];
    let literal = '';
    const t = this.text;
    while (this.pos < t.length) {
      const c = t[this.pos];
      if (c === '$' && t[this.pos + 1] === '{') {
        if (literal) nodes.push({ type: 'text', value: literal });
        literal = '';
        nodes.push(this.parseExpression());
        continue;
      }
      if (escapes.dollar && c === '$' && t[this.pos + 1] === '$') {
        literal += '$';
        this.pos += 2;
        if (t[this.pos] === '{' && accepts('{')) {
          literal += '{';
          this.pos++;
        }
        continue;
      }
      if (escapes.backslash && c === '\\' && (t[this.pos + 1] === '/' || t[this.pos + 1] === '\\')) {
        literal += t[this.pos + 1];
        this.pos += 2;
        continue;
      }
      if (!accepts(c)) break;
      literal += c;
      this.pos++;
    }
    if (literal) nodes.push({ type: 'text', value: literal });
    return nodes;
  }
}

/** Does `text` contain anything substitution would act on (an expression or a `$$`)? */
export function hasSubstitutions(text: string): boolean {
  return text.includes('${') || text.includes('$$');
}

/**
 * Substitutes `${…}` expressions in `text` with `vars`. Throws SubstitutionError where Flux's
 * substitution fails (a malformed expression; in strict mode, a variable without value or default).
 */
export function substituteVariables(text: string, vars: ReadonlyMap<string, VariableValue>, options: SubstituteOptions = {}): SubstitutionResult {
  const nodes = new Parser(text).parseTop();
  const missing = new Set<string>();
  const unknown = new Set<string>();
  const used = new Set<string>();
  class Unknown extends Error {}

  const evalNodes = (list: Node[]): string => list.map(evalNode).join('');
  const evalNode = (node: Node): string => {
    if (node.type === 'text') return node.value;
    const variable = vars.get(node.name) ?? (options.absent === 'unknown' ? { kind: 'unknown' as const, why: 'not known here' } : undefined);
    if (variable?.kind === 'unknown') {
      unknown.add(node.name);
      throw new Unknown();
    }
    const set = variable !== undefined;
    const value = variable?.value ?? '';
    if (set) used.add(node.name);
    if (DEFAULT_OPS.has(node.op)) {
      // Flux's engine gives every default form the same meaning: the default when the value is empty.
      return value === '' ? evalNodes(node.args[0] ?? []) : value;
    }
    if (!set) {
      if (options.strict) throw new SubstitutionError(`variable not set (strict mode): "${node.name}"`, node.offset);
      missing.add(node.name);
    }
    const args = node.args.map(evalNodes);
    return applyFunction(node.op, value, args);
  };

  let out = '';
  for (const node of nodes) {
    try {
      out += evalNode(node);
    } catch (error) {
      if (!(error instanceof Unknown)) throw error;
      out += node.type === 'expr' ? node.source : '';
    }
  }
  return { text: out, missing: [...missing], unknown: [...unknown], used: [...used] };
}

function applyFunction(op: string, value: string, args: string[]): string {
  switch (op) {
    case '':
      return value;
    case '#len':
      return String([...value].length);
    case '^':
      return value ? value[0].toUpperCase() + value.slice(1) : value;
    case '^^':
      return value.toUpperCase();
    case ',':
      return value ? value[0].toLowerCase() + value.slice(1) : value;
    case ',,':
      return value.toLowerCase();
    case ':': {
      const position = Number.parseInt(args[0] ?? '', 10);
      if (!Number.isFinite(position)) return value;
      const from = Math.min(Math.max(position, 0), value.length);
      if (args.length < 2) return value.slice(from);
      const length = Number.parseInt(args[1], 10);
      if (!Number.isFinite(length)) return value.slice(from);
      return value.slice(from, from + Math.max(length, 0));
    }
    case '#':
      return trimPrefix(value, args[0] ?? '', false);
    case '##':
      return trimPrefix(value, args[0] ?? '', true);
    case '%':
      return trimSuffix(value, args[0] ?? '', false);
    case '%%':
      return trimSuffix(value, args[0] ?? '', true);
    case '/':
      return replaceLiteral(value, args[0] ?? '', args[1] ?? '', false);
    case '//':
      return replaceLiteral(value, args[0] ?? '', args[1] ?? '', true);
    case '/#':
      return args[0] && value.startsWith(args[0]) ? (args[1] ?? '') + value.slice(args[0].length) : value;
    case '/%':
      return args[0] && value.endsWith(args[0]) ? value.slice(0, value.length - args[0].length) + (args[1] ?? '') : value;
    default:
      return value;
  }
}

function replaceLiteral(value: string, pattern: string, replacement: string, all: boolean): string {
  if (!pattern) return value;
  return all ? value.split(pattern).join(replacement) : value.replace(pattern, () => replacement);
}

/**
 * A shell glob (`*`, `?`, `[…]`) as an anchored pattern; `*` also matches `/`. RE2's engine runs
 * it: a backtracking one takes polynomial time in the number of `*`s, and the trims below try
 * every prefix or suffix.
 */
function globToRegExp(glob: string): { test(text: string): boolean } {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') source += '[\\s\\S]*';
    else if (c === '?') source += '[\\s\\S]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) source += '\\[';
      else {
        const body = glob.slice(i + 1, end).replace(/\\/g, '\\\\');
        source += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
        i = end;
      }
    } else source += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return RE2JS.compile(`^(?:${source})$`, RE2JS.DOTALL);
}

function trimPrefix(value: string, glob: string, longest: boolean): string {
  const re = globToRegExp(glob);
  if (longest) {
    for (let i = value.length; i >= 0; i--) if (re.test(value.slice(0, i))) return value.slice(i);
  } else {
    for (let i = 0; i <= value.length; i++) if (re.test(value.slice(0, i))) return value.slice(i);
  }
  return value;
}

function trimSuffix(value: string, glob: string, longest: boolean): string {
  const re = globToRegExp(glob);
  if (longest) {
    for (let i = 0; i <= value.length; i++) if (re.test(value.slice(i))) return value.slice(0, i);
  } else {
    for (let i = value.length; i >= 0; i--) if (re.test(value.slice(i))) return value.slice(0, i);
  }
  return value;
}
