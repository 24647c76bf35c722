// Object-level differences between two renders: which objects are added, removed or changed, and
// for a changed one, which fields (as dotted paths with list indices). What a push would change
// in the cluster, compared by object identity (group, kind, namespace, name).
import type { RenderedObject } from './postBuild';
import { isRecord } from './spec';

export interface FieldChange {
  path: string;
  before?: unknown;
  after?: unknown;
}

export interface ObjectChange {
  id: string;
  change: 'added' | 'removed' | 'changed';
  fields: FieldChange[];
}

export function objectId(o: Pick<RenderedObject, 'apiVersion' | 'kind' | 'name' | 'namespace'>): string {
  const group = o.apiVersion.includes('/') ? o.apiVersion.slice(0, o.apiVersion.indexOf('/')) : '';
  return `${o.kind}${group ? `.${group}` : ''}/${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
}

function leaves(value: unknown, path: string, out: Map<string, unknown>): void {
  if (isRecord(value) && Object.keys(value).length) {
    for (const [k, v] of Object.entries(value)) leaves(v, path ? `${path}.${/^[\w-]+$/.test(k) ? k : JSON.stringify(k)}` : k, out);
  } else if (Array.isArray(value) && value.length) {
    value.forEach((v, i) => leaves(v, `${path}[${i}]`, out));
  } else out.set(path, value);
}

export function fieldChanges(before: unknown, after: unknown): FieldChange[] {
  const a = new Map<string, unknown>();
  const b = new Map<string, unknown>();
  leaves(before, '', a);
  leaves(after, '', b);
  const changes: FieldChange[] = [];
  for (const [path, value] of a) {
    if (!b.has(path)) changes.push({ path, before: value });
    else if (JSON.stringify(b.get(path)) !== JSON.stringify(value)) changes.push({ path, before: value, after: b.get(path) });
  }
  for (const [path, value] of b) if (!a.has(path)) changes.push({ path, after: value });
  return changes.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}

/** From `before` (what is published) to `after` (the local folder). Sorted by object id. */
export function diffObjects(before: readonly RenderedObject[], after: readonly RenderedObject[]): ObjectChange[] {
  const old = new Map(before.map((o) => [objectId(o), o]));
  const now = new Map(after.map((o) => [objectId(o), o]));
  const out: ObjectChange[] = [];
  for (const [id, o] of now) {
    const was = old.get(id);
    if (!was) out.push({ id, change: 'added', fields: [] });
    else {
      const fields = fieldChanges(was.value, o.value);
      if (fields.length) out.push({ id, change: 'changed', fields });
    }
  }
  for (const id of old.keys()) if (!now.has(id)) out.push({ id, change: 'removed', fields: [] });
  return out.sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
}

const shown = (v: unknown) => (v === undefined ? '' : JSON.stringify(v));

/** The changes as text: `~ Deployment.apps/prod/web` with `spec.replicas: 2 → 3` lines. */
export function formatObjectChanges(changes: readonly ObjectChange[]): string {
  const mark = { added: '+', removed: '-', changed: '~' } as const;
  return changes.map((c) => [
    `${mark[c.change]} ${c.id}${c.change === 'changed' ? '' : ` (${c.change})`}`,
    ...c.fields.map((f) => f.before === undefined ? `    + ${f.path}: ${shown(f.after)}` : f.after === undefined ? `    - ${f.path}: ${shown(f.before)}` : `    ~ ${f.path}: ${shown(f.before)} → ${shown(f.after)}`),
  ].join('\n')).join('\n') + (changes.length ? '\n' : '');
}
