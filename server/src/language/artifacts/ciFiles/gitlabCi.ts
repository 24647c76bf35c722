// GitLab CI: global and job `variables:` (GitLab expands `$VAR` in them), `extends:`,
// `default:`/top-level `before_script`, `!reference` tags, `parallel: matrix:`.
import { isMap, isSeq } from 'yaml';
import { capped, UNKNOWN } from './shellValues';
import type { Session, ShellContext } from './session';
import type { ShellSource } from './shellSyntax';
import { MAX_LOOP, Shell } from './shell';
import { concatSources, deref, LineIndex, mapEntries, mapGet, scalarSource, seqItems, str, type YDoc } from './yamlNodes';

const GITLAB_KEYWORDS = new Set(['default', 'include', 'stages', 'variables', 'workflow', 'image', 'services', 'before_script', 'after_script', 'cache', 'spec']);

export function gitlabContext(s: Session): ShellContext {
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

export function gitlabPushes(s: Session, doc: YDoc): void {
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
