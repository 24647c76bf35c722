// Finds YAML nodes by object path, and object paths by offset.
import { isMap, isScalar, isSeq, isPair, type Document, type Node, type Pair } from 'yaml';

export type PathSegment = string | number;

export interface NodeAtPath {
  /** The key node of the pair holding the value (undefined for the root or sequence items). */
  key?: Node;
  value?: Node | null;
  pair?: Pair<Node, Node | null>;
}

/** Walks from the document root along `path`; stops at the deepest node found. */
export function nodeAtPath(doc: Document, path: readonly PathSegment[]): NodeAtPath & { depth: number } {
  // A plain loop without a result object per step: the rules call this several times for every
  // document of a file, so on opening a big file it runs hundreds of thousands of times.
  let value = doc.contents as Node | null;
  let pair: Pair<Node, Node | null> | undefined;
  let depth = 0;
  for (const segment of path) {
    let next: Pair<Node, Node | null> | undefined;
    let item: Node | undefined;
    if (isMap(value)) {
      for (const p of value.items) {
        const key = p.key;
        if (!isScalar(key)) continue;
        const k = key.value;
        if (typeof k === 'string' && typeof segment === 'string' ? k === segment : String(k) === String(segment)) {
          next = p as Pair<Node, Node | null>;
          break;
        }
      }
      if (!next) break;
      pair = next;
      value = next.value;
    } else if (isSeq(value) && typeof segment === 'number') {
      item = value.items[segment] as Node | undefined;
      if (item === undefined) break;
      pair = undefined;
      value = item;
    } else break;
    depth++;
  }
  return pair ? { key: pair.key, value, pair, depth } : { value, depth };
}

/** Parses an ajv instancePath (`/spec/ref/tag`, `/spec/dependsOn/0`) into segments. */
export function parseInstancePath(instancePath: string): PathSegment[] {
  if (!instancePath) return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

export function nodeRange(node: Node | null | undefined): [number, number] | undefined {
  const r = node?.range;
  return r ? [r[0], r[1]] : undefined;
}

/** Human-readable path: spec.dependsOn[0].name */
export function formatPath(path: readonly PathSegment[]): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

/**
 * The chain of pairs from the root to the innermost node containing `offset`,
 * as object path segments plus whether the offset sits on a key.
 */
export interface PathAtOffset {
  path: PathSegment[];
  /** The innermost pair, if the offset is inside one. */
  pair?: Pair<Node, Node | null>;
  onKey: boolean;
}

export function pathAtOffset(doc: Document, offset: number): PathAtOffset {
  const path: PathSegment[] = [];
  let node: unknown = doc.contents;
  let pair: Pair<Node, Node | null> | undefined;
  let onKey = false;
  for (;;) {
    if (isMap(node)) {
      const hit = node.items.find((p) => {
        const start = (p.key as Node | null)?.range?.[0];
        const end = (p.value as Node | null)?.range?.[2] ?? (p.key as Node | null)?.range?.[2];
        return start !== undefined && end !== undefined && offset >= start && offset <= end;
      });
      if (!hit || !isPair(hit) || !isScalar(hit.key)) break;
      path.push(String(hit.key.value));
      pair = hit as Pair<Node, Node | null>;
      const keyRange = (hit.key as Node).range;
      if (keyRange && offset <= keyRange[1]) { onKey = true; break; }
      onKey = false;
      node = hit.value;
    } else if (isSeq(node)) {
      const index = node.items.findIndex((item) => {
        const r = (item as Node | null)?.range;
        return r != null && offset >= r[0] && offset <= r[2];
      });
      if (index === -1) break;
      path.push(index);
      node = node.items[index];
    } else break;
  }
  return { path, pair, onKey };
}
