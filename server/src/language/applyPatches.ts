// Kustomize patch targets and what a patch supplies: which applied documents a patch changes
// (selector: group, version, kind, name, namespace as anchored regular expressions; label and
// annotation selectors), and whether it writes a given field.
import type { PatchFacts, Selector } from './applyFacts';
import { RE2JS } from 're2js';

/** What a selector is matched against: the document as kustomize sees it. */
export interface PatchSubject {
  group: string;
  version: string;
  kind: string;
  name?: string;
  /** Every namespace the object may have at patch time (written, kustomization.yaml, target). */
  namespaces: readonly (string | undefined)[];
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
}

/**
 * kustomize matches target fields as Go regular expressions, anchored; RE2's engine matches in
 * linear time, where JavaScript's backtracks: a target such as `(a+)+` against a long name
 * would stop the graph for hours. A pattern RE2 cannot compile is compared as plain text.
 */
const regexCache = new Map<string, RE2JS | null>();
function matchesPattern(pattern: string, value: string | undefined): boolean {
  let re = regexCache.get(pattern);
  if (re === undefined) {
    try {
      re = RE2JS.compile(`^(?:${pattern})$`);
    } catch {
      re = null;
    }
    if (regexCache.size > 10000) regexCache.clear();
    regexCache.set(pattern, re);
  }
  const v = value ?? '';
  return re ? re.matches(v) : pattern === v;
}

/** Splits a selector at commas outside parentheses. */
function terms(selector: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  out.push(selector.slice(start));
  return out.map((t) => t.trim()).filter(Boolean);
}

/** Kubernetes label selector syntax: `a=b`, `a==b`, `a!=b`, `a`, `!a`, `a in (x,y)`, `a notin (x)`. */
export function matchesLabelSelector(selector: string, labels: Readonly<Record<string, string>>): boolean {
  for (const term of terms(selector)) {
    let m: RegExpMatchArray | null;
    if ((m = term.match(/^([^\s!=]+)\s+(in|notin)\s+\((.*)\)$/))) {
      const values = m[3].split(',').map((v) => v.trim());
      const has = Object.prototype.hasOwnProperty.call(labels, m[1]);
      const inSet = has && values.includes(labels[m[1]]);
      if (m[2] === 'in' ? !inSet : inSet) return false;
    } else if ((m = term.match(/^([^\s!=]+)\s*!=\s*(.*)$/))) {
      if (labels[m[1]] === m[2].trim()) return false;
    } else if ((m = term.match(/^([^\s!=]+)\s*==?\s*(.*)$/))) {
      if (labels[m[1]] !== m[2].trim()) return false;
    } else if ((m = term.match(/^!\s*(\S+)$/))) {
      if (Object.prototype.hasOwnProperty.call(labels, m[1])) return false;
    } else if (!Object.prototype.hasOwnProperty.call(labels, term)) return false;
  }
  return true;
}

export function matchesSelector(selector: Selector, subject: PatchSubject): boolean {
  if (selector.group !== undefined && !matchesPattern(selector.group, subject.group)) return false;
  if (selector.version !== undefined && !matchesPattern(selector.version, subject.version)) return false;
  if (selector.kind !== undefined && !matchesPattern(selector.kind, subject.kind)) return false;
  if (selector.name !== undefined && !matchesPattern(selector.name, subject.name)) return false;
  if (selector.namespace !== undefined && !subject.namespaces.some((ns) => matchesPattern(selector.namespace!, ns))) return false;
  if (selector.labelSelector !== undefined && !matchesLabelSelector(selector.labelSelector, subject.labels)) return false;
  if (selector.annotationSelector !== undefined && !matchesLabelSelector(selector.annotationSelector, subject.annotations)) return false;
  return true;
}

const obj = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : undefined);

/**
 * Does the patch apply to the subject? With a target, the target decides. Without one, a
 * strategic-merge patch names its object itself (apiVersion, kind, metadata.name).
 */
export function patchApplies(patch: PatchFacts, body: unknown, subject: PatchSubject): boolean {
  if (patch.target) return matchesSelector(patch.target, subject);
  const o = obj(body);
  if (!o) return false;
  const kind = typeof o.kind === 'string' ? o.kind : undefined;
  const name = typeof obj(o.metadata)?.name === 'string' ? obj(o.metadata)!.name as string : undefined;
  if (kind !== undefined && kind !== subject.kind) return false;
  if (name !== undefined && name !== subject.name) return false;
  if (typeof o.apiVersion === 'string') {
    const slash = o.apiVersion.lastIndexOf('/');
    const group = slash === -1 ? '' : o.apiVersion.slice(0, slash);
    if (group !== subject.group) return false;
  }
  return kind !== undefined;
}

/** Walks plain data along a path of keys. */
function hasPath(value: unknown, path: readonly string[]): boolean {
  let at: unknown = value;
  for (const key of path) {
    const o = obj(at);
    if (!o || !Object.prototype.hasOwnProperty.call(o, key)) return false;
    at = o[key];
  }
  return at !== null && at !== undefined;
}

const unescapePointer = (s: string) => s.replace(/~1/g, '/').replace(/~0/g, '~');

/** Does a patch body (strategic merge map or JSON6902 operation list) write this field? */
export function patchSupplies(body: unknown, field: readonly string[]): boolean {
  if (Array.isArray(body)) {
    for (const op of body) {
      const o = obj(op);
      if (!o || (o.op !== 'add' && o.op !== 'replace' && o.op !== 'copy' && o.op !== 'move') || typeof o.path !== 'string') continue;
      const opPath = o.path.split('/').slice(1).map(unescapePointer);
      if (opPath.length > field.length || opPath.some((s, i) => s !== field[i])) continue;
      // copy/move take the value from elsewhere in the object: the field is written either way.
      if (o.op === 'copy' || o.op === 'move') {
        if (opPath.length === field.length) return true;
        continue;
      }
      if (hasPath(o.value, field.slice(opPath.length))) return true;
    }
    return false;
  }
  return hasPath(body, field);
}

/** The value a patch body writes at a field (the last write wins), if it writes one. */
export function patchedValue(body: unknown, field: readonly string[]): unknown {
  const walk = (value: unknown, path: readonly string[]): unknown => {
    let at: unknown = value;
    for (const key of path) {
      const o = obj(at);
      if (!o || !Object.prototype.hasOwnProperty.call(o, key)) return undefined;
      at = o[key];
    }
    return at;
  };
  if (!Array.isArray(body)) return walk(body, field);
  let found: unknown;
  for (const op of body) {
    const o = obj(op);
    if (!o || (o.op !== 'add' && o.op !== 'replace') || typeof o.path !== 'string') continue;
    const opPath = o.path.split('/').slice(1).map(unescapePointer);
    if (opPath.length > field.length || opPath.some((s, i) => s !== field[i])) continue;
    const value = walk(o.value, field.slice(opPath.length));
    if (value !== undefined) found = value;
  }
  return found;
}
