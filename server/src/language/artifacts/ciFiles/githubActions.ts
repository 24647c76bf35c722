// GitHub Actions: workflow, job and step `env:` (innermost wins), `${{ … }}` substituted into
// the run text before the shell reads it (as the runner does), `strategy.matrix` expanded,
// `working-directory`, `>> $GITHUB_ENV` carried to later steps.
import { isMap, isScalar } from 'yaml';
import { capped, clean, UNKNOWN } from './shellValues';
import { joinPath, SYNTHETIC_WORKSPACE } from './uris';
import type { Session, ShellContext } from './session';
import { MAX_LOOP, Shell } from './shell';
import { deref, LineIndex, mapEntries, mapGet, scalarSource, seqItems, str, type YDoc } from './yamlNodes';

type Combo = Record<string, unknown>;

interface GithubExprContext {
  env: Map<string, string>;
  /** undefined: a matrix the file does not spell out (`${{ fromJSON(…) }}`). */
  matrix: Combo | undefined;
  workspace: string;
}

export function githubPushes(s: Session, doc: YDoc): void {
  const index = new LineIndex(s.text);
  const root = doc.contents;
  const jobs = mapGet(doc, root, 'jobs');
  for (const [, job] of mapEntries(doc, jobs)) {
    if (!isMap(job)) continue;
    for (const combo of matrixCombos(doc, mapGet(doc, mapGet(doc, job, 'strategy'), 'matrix'))) {
      githubJob(s, doc, index, root, job, combo);
    }
  }
}

function githubJob(s: Session, doc: YDoc, index: LineIndex, root: unknown, job: unknown, matrix: Combo | undefined): void {
  s.workspaceMap = undefined;
  let workspace = s.rootWord;
  const env = new Map<string, string>();
  addGithubEnv(s, doc, env, mapGet(doc, root, 'env'), { env: new Map(), matrix, workspace });
  addGithubEnv(s, doc, env, mapGet(doc, job, 'env'), { env: new Map(env), matrix, workspace });
  const defaultDir =
    str(doc, mapGet(doc, mapGet(doc, mapGet(doc, job, 'defaults'), 'run'), 'working-directory')) ??
    str(doc, mapGet(doc, mapGet(doc, mapGet(doc, root, 'defaults'), 'run'), 'working-directory'));
  const written = new Map<string, string>();
  for (const step of seqItems(doc, mapGet(doc, job, 'steps'))) {
    if (!isMap(step) || !s.spend(1)) continue;
    const stepEnv = new Map([...env, ...written]);
    addGithubEnv(s, doc, stepEnv, mapGet(doc, step, 'env'), { env: new Map(stepEnv), matrix, workspace });
    const ctx: GithubExprContext = { env: stepEnv, matrix, workspace };
    const usesNode = mapGet(doc, step, 'uses');
    const uses = str(doc, usesNode);
    if (uses !== undefined) {
      const usesScalar = deref(doc, usesNode);
      const line = index.lineOf((isScalar(usesScalar) ? usesScalar.range?.[0] : undefined) ?? 0);
      workspace = githubUses(s, doc, step, uses, ctx, line) ?? workspace;
      continue;
    }
    const src = scalarSource(s, index, doc, mapGet(doc, step, 'run'));
    if (!src) continue;
    const dir = str(doc, mapGet(doc, step, 'working-directory')) ?? defaultDir;
    let cwd = workspace;
    if (dir !== undefined) {
      const uri = s.resolve(workspace, githubSubstitute(s, dir, ctx));
      cwd = uri === undefined ? UNKNOWN : s.place(uri);
    }
    const shellCtx: ShellContext = { ambient: (name) => githubAmbient(s, name, ctx.workspace), scriptWord: UNKNOWN, githubEnv: written };
    const shell = new Shell(s, shellCtx, new Map(stepEnv), cwd);
    shell.runScript({ text: githubSubstitute(s, src.text, ctx), lines: src.lines });
  }
}

/**
 * A `uses:` step. The push action (FLUX_PUSH_ACTION) pushes its `path:`; checking the repository
 * out into a subfolder moves it inside the workspace (returns the new workspace); anything else
 * given a `path:` (another repository, a downloaded build artifact) puts generated files there.
 */
function githubUses(s: Session, doc: YDoc, step: unknown, uses: string, ctx: GithubExprContext, line: number): string | undefined {
  const action = uses.split('@')[0].toLowerCase();
  const withNode = mapGet(doc, step, 'with');
  if (action === FLUX_PUSH_ACTION) {
    fluxPushAction(s, doc, withNode, ctx, line);
    return undefined;
  }
  const pathText = str(doc, mapGet(doc, withNode, 'path'));
  const path = pathText === undefined ? undefined : githubSubstitute(s, pathText, ctx);
  if (action === 'actions/checkout') {
    const repoText = str(doc, mapGet(doc, withNode, 'repository'));
    const repo = repoText === undefined ? undefined : githubSubstitute(s, repoText, ctx).toLowerCase();
    const own = s.input.repository ? `${s.input.repository.owner}/${s.input.repository.name}`.toLowerCase() : undefined;
    if (repo === undefined || repo === '' || repo === own) {
      if (path === undefined || !clean(path) || path.replace(/^\.\/?|\/$/g, '') === '') return undefined;
      const from = joinPath(SYNTHETIC_WORKSPACE, path);
      if (from === undefined) return undefined;
      s.workspaceMap = { from, to: s.rootUri };
      return s.place(SYNTHETIC_WORKSPACE);
    }
  }
  if (path !== undefined) for (const p of path.split('\n')) if (p.trim()) s.addWrite(s.resolve(ctx.workspace, p.trim()));
  return undefined;
}

/**
 * ControlPlane's push action (github.com/controlplaneio-fluxcd/distribution, actions/push/action.yaml;
 * Flux's own fluxcd/flux2/action only installs the CLI). Its inputs: `repository` (required, no
 * `oci://`, no tag), `path` (default `.`, from the workspace), `ignore-paths` and `annotations`
 * (one per line), `diff-tag` and `tags` (one per line). It pushes to `diff-tag` when given, else
 * to the first of `tags`, else untagged (`latest`), then copies the push to every tag of `tags`;
 * a repository with an upper-case letter makes it fail before pushing. Its own commands are
 * replayed here, so the entries are those of the `flux push artifact` and `flux tag artifact`
 * lines it runs, on the `uses:` line.
 */
const FLUX_PUSH_ACTION = 'controlplaneio-fluxcd/distribution/actions/push';

function fluxPushAction(s: Session, doc: YDoc, withNode: unknown, ctx: GithubExprContext, line: number): void {
  // The runner substitutes `${{ }}` into inputs; the action's shell never expands them again.
  const input = (name: string): string | undefined => {
    const text = str(doc, mapGet(doc, withNode, name));
    return text === undefined ? undefined : githubSubstitute(s, text, ctx);
  };
  // Multi-line inputs go through `xargs`: words, blanks and line breaks alike separate them.
  const words = (name: string): string[] => (input(name) ?? '').split(/\s+/).filter((w) => w !== '');
  const repository = (input('repository') ?? '').trim();
  if (repository === '' || /[A-Z]/.test(repository)) return;
  const diffTag = input('diff-tag') ?? '';
  const tags = words('tags');
  const vars = new Map<string, string>([
    ['URL', `oci://${repository}${diffTag !== '' ? `:${diffTag}` : tags.length ? `:${tags[0]}` : ''}`],
    ['INPUT_PATH', input('path') || '.'],
  ]);
  let push = 'flux push artifact "$URL" --path="$INPUT_PATH"';
  const ignore = words('ignore-paths');
  if (ignore.length) {
    vars.set('IGNORE', ignore.join(','));
    push += ' --ignore-paths="$IGNORE"';
  }
  (input('annotations') ?? '').split('\n').map((a) => a.trim()).filter((a) => a !== '').forEach((a, k) => {
    vars.set(`A${k}`, a);
    push += ` --annotations="$A${k}"`;
  });
  let script = push;
  if (tags.length) {
    vars.set('TAGS', tags.join(','));
    script += '\nflux tag artifact "$URL" --tag="$TAGS"';
  }
  const shellCtx: ShellContext = { ambient: (name) => githubAmbient(s, name, ctx.workspace), scriptWord: UNKNOWN };
  // Composite actions run in the workspace, whatever the job's `defaults.run.working-directory`.
  new Shell(s, shellCtx, vars, ctx.workspace).runScript({ text: script, lines: [line, line] });
}

function addGithubEnv(s: Session, doc: YDoc, into: Map<string, string>, node: unknown, ctx: GithubExprContext): void {
  for (const [k, v] of mapEntries(doc, node)) {
    const text = str(doc, v);
    // Values are literal for the shell: the runner substitutes `${{ }}` but never `$VAR`.
    if (text !== undefined) into.set(k, capped(githubSubstitute(s, text, ctx)));
  }
}

function githubAmbient(s: Session, name: string, workspace: string): string | undefined {
  const known = s.repositoryVariable(name, workspace);
  if (known !== undefined) return known;
  if (name === 'CI') return 'true';
  // The runner sets these, so they are never "unset" (a `${GITHUB_SHA:-dev}` is not `dev`).
  if (/^(GITHUB|RUNNER|ACTIONS)_/.test(name)) return UNKNOWN;
  return undefined;
}

export function githubSubstitute(s: Session, text: string, ctx: GithubExprContext): string {
  let out = '';
  let i = 0;
  for (;;) {
    const a = text.indexOf('${{', i);
    if (a < 0) break;
    const b = text.indexOf('}}', a + 3);
    if (b < 0) break;
    out += text.slice(i, a) + githubExpression(s, text.slice(a + 3, b), ctx).replace(/\n/g, ' ');
    i = b + 2;
  }
  return capped(out + text.slice(i));
}

function githubExpression(s: Session, expr: string, ctx: GithubExprContext): string {
  const e = expr.trim();
  if (e.length > 512) return UNKNOWN;
  const literal = /^'((?:[^']|'')*)'$/.exec(e);
  if (literal) return literal[1].replace(/''/g, "'");
  if (!/^[A-Za-z_][\w-]*(?:\.[\w-]+|\[\s*'[^']*'\s*\])*$/.test(e)) return UNKNOWN;
  const path: string[] = [];
  for (const m of e.matchAll(/([\w-]+)|\[\s*'([^']*)'\s*\]/g)) path.push(m[1] ?? m[2] ?? '');
  const head = path[0].toLowerCase();
  if (head === 'env') return path.length === 2 ? (ctx.env.get(path[1]) ?? UNKNOWN) : UNKNOWN;
  if (head === 'matrix') return matrixValue(ctx.matrix, path.slice(1));
  if (head !== 'github') return UNKNOWN;
  const repo = s.input.repository;
  switch (path.slice(1).join('.').toLowerCase()) {
    case 'workspace':
      return ctx.workspace;
    case 'repository':
    case 'event.repository.full_name':
      return repo ? `${repo.owner}/${repo.name}` : UNKNOWN;
    case 'repository_owner':
    case 'event.repository.owner.login':
      return repo?.owner ?? UNKNOWN;
    case 'event.repository.name':
      return repo?.name ?? UNKNOWN;
  }
  return UNKNOWN;
}

function isRecord(v: unknown): v is Combo {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function scalarText(v: unknown): string | undefined {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

function matrixValue(combo: Combo | undefined, path: string[]): string {
  let v: unknown = combo;
  for (const key of path) {
    if (!isRecord(v) || !(key in v)) return UNKNOWN;
    v = v[key];
  }
  return scalarText(v) ?? UNKNOWN;
}

function sameValue(a: unknown, b: unknown): boolean {
  const x = scalarText(a);
  const y = scalarText(b);
  return x !== undefined || y !== undefined ? x === y : JSON.stringify(a) === JSON.stringify(b);
}

/** The combinations a `strategy.matrix` runs, with GitHub's include/exclude rules. */
function matrixCombos(doc: YDoc, node: unknown): (Combo | undefined)[] {
  if (node === undefined) return [{}];
  let json: unknown;
  try {
    json = isMap(node) ? node.toJS(doc, { maxAliasCount: 50 }) : undefined;
  } catch {
    json = undefined;
  }
  if (!isRecord(json)) return [undefined];
  const keys = Object.keys(json).filter((k) => k !== 'include' && k !== 'exclude');
  let combos: Combo[] = [{}];
  for (const k of keys) {
    const values = json[k];
    if (!Array.isArray(values)) return [undefined];
    const next: Combo[] = [];
    for (const c of combos) for (const v of values) next.push({ ...c, [k]: v });
    if (next.length > MAX_LOOP) return [undefined];
    combos = next;
  }
  const exclude = Array.isArray(json.exclude) ? json.exclude.filter(isRecord) : [];
  combos = combos.filter((c) => !exclude.some((e) => Object.entries(e).every(([k, v]) => sameValue(c[k], v))));
  const include = Array.isArray(json.include) ? json.include.filter(isRecord) : [];
  if (keys.length === 0 && include.length) combos = [];
  for (const e of include) {
    const matches = keys.length === 0 ? [] : combos.filter((c) => Object.keys(e).filter((k) => keys.includes(k)).every((k) => sameValue(c[k], e[k])));
    if (matches.length) for (const c of matches) Object.assign(c, e);
    else combos.push({ ...e });
    if (combos.length > MAX_LOOP) return [undefined];
  }
  return combos.length ? combos : [{}];
}
