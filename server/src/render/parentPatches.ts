// A Kustomization as the cluster gets it when its parent's patches write some of its fields
// (fleets give every child its interval, prune, postBuild and targetNamespace so): the render of a
// child must use the patched object, or its variables and namespace would be the wrong ones.
// A strategic-merge body is merged map by map (a list or a scalar replaces; null removes); a JSON
// 6902 body is applied whole or not at all. Kustomizations are plain maps, so no list needs a
// merge key here.
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

/** A JSON pointer's tokens, or undefined when it is not one. */
function pointer(path: unknown): string[] | undefined {
  if (path === '') return [];
  return typeof path === 'string' && path.startsWith('/') ? path.split('/').slice(1).map(unescape) : undefined;
}

/**
 * The container holding the pointer's last token, and that token. With `create`, maps missing on
 * the way are made: kustomize would fail the parent's build there instead (its own render says
 * so), and the child is shown as the patch means it.
 */
function parentOf(root: unknown, tokens: readonly string[], create: boolean): { at: unknown; last: string } | undefined {
  let at = root;
  for (let i = 0; i < tokens.length - 1; i++) {
    const key = tokens[i];
    if (Array.isArray(at)) at = at[Number(key)];
    else if (isRecord(at)) {
      if (at[key] === undefined && create) at[key] = {};
      at = at[key];
    } else return undefined;
  }
  return tokens.length ? { at, last: tokens[tokens.length - 1] } : undefined;
}

function valueAt(root: unknown, tokens: readonly string[]): { found: boolean; value?: unknown } {
  let at = root;
  for (const key of tokens) {
    if (Array.isArray(at) && /^\d+$/.test(key) && Number(key) < at.length) at = at[Number(key)];
    else if (isRecord(at) && Object.hasOwn(at, key)) at = at[key];
    else return { found: false };
  }
  return { found: true, value: at };
}

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

function removeAt(root: unknown, tokens: readonly string[]): boolean {
  const parent = parentOf(root, tokens, false);
  if (!parent) return false;
  if (Array.isArray(parent.at)) {
    const index = Number(parent.last);
    if (!/^\d+$/.test(parent.last) || index >= parent.at.length) return false;
    parent.at.splice(index, 1);
    return true;
  }
  if (!isRecord(parent.at) || !Object.hasOwn(parent.at, parent.last)) return false;
  delete parent.at[parent.last];
  return true;
}

function putAt(root: unknown, tokens: readonly string[], value: unknown, insert: boolean): boolean {
  const parent = parentOf(root, tokens, true);
  if (!parent) return false;
  if (Array.isArray(parent.at)) {
    const index = parent.last === '-' ? parent.at.length : Number(parent.last);
    if (!Number.isInteger(index) || index < 0 || index > parent.at.length - (insert ? 0 : 1)) return false;
    if (insert) parent.at.splice(index, 0, value);
    else parent.at[index] = value;
    return true;
  }
  if (!isRecord(parent.at)) return false;
  parent.at[parent.last] = value;
  return true;
}

/**
 * A JSON 6902 patch (RFC 6902: add, remove, replace, move, copy, test) applied to a copy of the
 * object; undefined when an operation cannot apply (a failed test, a missing path), since
 * kustomize then applies none of it and the parent's build fails.
 */
function applyJsonPatch(root: Record<string, unknown>, operations: readonly unknown[]): Record<string, unknown> | undefined {
  const out = structuredClone(root);
  for (const op of operations) {
    if (!isRecord(op)) return undefined;
    const path = pointer(op.path);
    if (!path?.length) return undefined;
    let done: boolean;
    switch (op.op) {
      case 'add': done = putAt(out, path, structuredClone(op.value), true); break;
      case 'replace': done = valueAt(out, path).found && putAt(out, path, structuredClone(op.value), false); break;
      case 'remove': done = removeAt(out, path); break;
      case 'test': {
        const current = valueAt(out, path);
        done = current.found && sameJson(current.value, op.value);
        break;
      }
      case 'move':
      case 'copy': {
        const from = pointer(op.from);
        const source = from?.length ? valueAt(out, from) : { found: false };
        done = source.found && (op.op === 'copy' || removeAt(out, from!)) && putAt(out, path, structuredClone(source.value), true);
        break;
      }
      default: done = false;
    }
    if (!done) return undefined;
  }
  return out;
}

/** The object with each patch body applied in order (bodies as the apply graph resolved them). */
export function applyParentPatches(object: unknown, bodies: readonly unknown[]): unknown {
  if (!isRecord(object)) return object;
  let out = object;
  for (const body of bodies) {
    if (Array.isArray(body)) out = applyJsonPatch(out, body) ?? out;
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
