// A Kustomization as the cluster gets it when its parent's patches write some of its fields
// (fleets give every child its interval, prune, postBuild and targetNamespace so): the render of a
// child must use the patched object, or its variables and namespace would be the wrong ones.
// A strategic-merge body is merged map by map (a list or a scalar replaces; null removes); a JSON
// 6902 body's add, replace and remove operations are applied. Kustomizations are plain maps, so
// no list needs a merge key here.
import { isRecord } from './spec';

function mergeInto(target: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else if (isRecord(value) && isRecord(out[key])) out[key] = mergeInto(out[key] as Record<string, unknown>, value);
    else out[key] = structuredClone(value);
  }
  return out;
}

const unescape = (s: string) => s.replace(/~1/g, '/').replace(/~0/g, '~');

function applyOperation(root: Record<string, unknown>, op: Record<string, unknown>): Record<string, unknown> {
  if (typeof op.path !== 'string' || !op.path.startsWith('/')) return root;
  const path = op.path.split('/').slice(1).map(unescape);
  const out = structuredClone(root);
  let at: unknown = out;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i];
    if (Array.isArray(at)) at = at[Number(key)];
    else if (isRecord(at)) {
      if (at[key] === undefined && op.op !== 'remove') at[key] = {};
      at = at[key];
    } else return root;
  }
  const last = path[path.length - 1];
  if (Array.isArray(at)) {
    const index = last === '-' ? at.length : Number(last);
    if (op.op === 'remove') at.splice(index, 1);
    else if (op.op === 'add') at.splice(index, 0, structuredClone(op.value));
    else if (op.op === 'replace') at[index] = structuredClone(op.value);
  } else if (isRecord(at)) {
    if (op.op === 'remove') delete at[last];
    else if (op.op === 'add' || op.op === 'replace') at[last] = structuredClone(op.value);
  }
  return out;
}

/** The object with each patch body applied in order (bodies as the apply graph resolved them). */
export function applyParentPatches(object: unknown, bodies: readonly unknown[]): unknown {
  if (!isRecord(object)) return object;
  let out = object;
  for (const body of bodies) {
    if (Array.isArray(body)) for (const op of body) out = isRecord(op) ? applyOperation(out, op) : out;
    else if (isRecord(body)) {
      // A strategic-merge patch names its target (kind, name, namespace): those are not written.
      const { apiVersion, kind, metadata, ...rest } = body;
      void apiVersion; void kind;
      if (isRecord(metadata)) {
        const { name, namespace, ...written } = metadata;
        void name; void namespace;
        if (Object.keys(written).length) rest.metadata = written;
      }
      out = mergeInto(out, rest);
    }
  }
  return out;
}
