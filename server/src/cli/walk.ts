// Finds the YAML files under the paths given on the command line, honouring .gitignore files.
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';

const ALWAYS_SKIPPED = new Set(['.git', 'node_modules']);

interface IgnoreScope {
  base: string;
  rules: Ignore;
}

function loadGitignore(dir: string): IgnoreScope | undefined {
  const path = join(dir, '.gitignore');
  if (!existsSync(path)) return undefined;
  try {
    return { base: dir, rules: ignore().add(readFileSync(path, 'utf8')) };
  } catch {
    return undefined;
  }
}

function isIgnored(path: string, isDir: boolean, scopes: readonly IgnoreScope[]): boolean {
  for (const scope of scopes) {
    const rel = relative(scope.base, path).split(sep).join('/');
    if (rel && !rel.startsWith('..') && scope.rules.ignores(isDir ? `${rel}/` : rel)) return true;
  }
  return false;
}

/** YAML files under each path (files given explicitly are always included). Sorted, absolute. */
export function findYamlFiles(paths: readonly string[]): string[] {
  const found = new Set<string>();
  const walk = (dir: string, scopes: readonly IgnoreScope[]) => {
    const own = loadGitignore(dir);
    const active = own ? [...scopes, own] : scopes;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!ALWAYS_SKIPPED.has(entry.name) && !isIgnored(path, true, active)) walk(path, active);
      } else if (entry.isFile() && /\.ya?ml$/i.test(entry.name) && !isIgnored(path, false, active)) {
        found.add(path);
      }
    }
  };
  for (const p of paths) {
    const abs = resolve(p);
    const stat = statSync(abs, { throwIfNoEntry: false });
    if (!stat) throw new Error(`no such file or folder: ${p}`);
    if (stat.isDirectory()) walk(abs, []);
    else found.add(abs);
  }
  return [...found].sort();
}
