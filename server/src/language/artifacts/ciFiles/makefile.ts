// Makefile: variables (`=`, `:=`, `?=`, `+=`, `export`), rules and their tab-indented recipes,
// each recipe line its own shell (unless .ONESHELL), run in the Makefile's folder.
import { clean, MAX_VALUE, PLACE, UNKNOWN } from './shellValues';
import { joinPath } from './uris';
import type { Session } from './session';
import { Shell } from './shell';

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

export function makePushes(s: Session): void {
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
