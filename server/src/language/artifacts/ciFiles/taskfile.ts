// Taskfile: global and task `vars:` with `{{.VAR}}` templating (task vars win over the caller's,
// as in Task), `env:`, `dir:`, `deps:`, `cmds:` (strings, `cmd:`, `task:` calls with vars, `for:`).
import { isMap, isScalar, isSeq } from 'yaml';
import { capped, clean, mayBeEmpty, UNKNOWN } from './shellValues';
import type { Session } from './session';
import { MAX_LOOP, Shell } from './shell';
import { LineIndex, mapEntries, mapGet, scalarSource, seqItems, str, type YDoc } from './yamlNodes';

interface TaskRun {
  s: Session;
  doc: YDoc;
  index: LineIndex;
  tasks: unknown;
  globalVars: Map<string, string>;
  globalEnv: Map<string, string>;
}

export function taskPushes(s: Session, doc: YDoc): void {
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
