// Text edits on one placed YAML document that keep the user's layout: each helper touches
// only the lines of the fields it changes, never the rest of the document.
import { shiftRange } from '../lineIndex';
import { isMap, isScalar, isSeq, type Node, type Pair, type YAMLMap } from 'yaml';
import type { PlacedDocument } from '../documents';
import type { Range, TextEdit } from '../types';
import { nodeAtPath, type PathSegment } from '../yamlPath';

/** A change to the workspace: the edits of each file, by URI. */
export type WorkspaceEdits = Record<string, TextEdit[]>;

/** A quick fix computed by the language core; the LSP layer turns it into a CodeAction. */
export interface QuickFix {
  title: string;
  kind: 'quickfix';
  isPreferred?: boolean;
  edits: WorkspaceEdits;
}

/** File range of document-relative offsets. */
export function fileRange(doc: PlacedDocument, start: number, end: number): Range {
  return shiftRange(doc.parsed.lines.rangeOf(start, end), doc.chunk.startLine);
}

export function replaceNode(doc: PlacedDocument, node: Node, newText: string): TextEdit {
  const [start, end] = node.range ?? [0, 0];
  // Block scalars own their final line break; keep it so the next line stays on its own.
  const keepBreak = doc.parsed.text[end - 1] === '\n' && !newText.endsWith('\n');
  return { range: fileRange(doc, start, end), newText: keepBreak ? `${newText}\n` : newText };
}

/** Column (in characters) at which a node starts. */
export function columnOf(doc: PlacedDocument, offset: number): number {
  return doc.parsed.lines.positionAt(offset).character;
}

const lineStartOf = (text: string, offset: number) => text.lastIndexOf('\n', offset - 1) + 1;
const lineEndAfter = (text: string, offset: number) => {
  const nl = text.indexOf('\n', offset);
  return nl === -1 ? text.length : nl + 1;
};

/** Offsets of the whole lines a block pair occupies (key line through the value's last line). */
export function pairLines(doc: PlacedDocument, pair: Pair<Node, Node | null>): [number, number] | undefined {
  const text = doc.parsed.text;
  const keyStart = pair.key?.range?.[0];
  if (keyStart === undefined) return undefined;
  const start = lineStartOf(text, keyStart);
  if (text.slice(start, keyStart).trim() !== '') return undefined;
  const value = pair.value;
  let end = value?.range?.[2] ?? pair.key.range?.[2] ?? keyStart;
  // Block collections end after their last newline; step back onto the last content character.
  while (end > keyStart && /\s/.test(text[end - 1])) end--;
  return [start, lineEndAfter(text, end)];
}

/** Deletes a pair with its lines; undefined when the pair is not on lines of its own (flow style). */
export function deletePair(doc: PlacedDocument, pair: Pair<Node, Node | null>): TextEdit | undefined {
  const lines = pairLines(doc, pair);
  return lines ? { range: fileRange(doc, lines[0], lines[1]), newText: '' } : undefined;
}

/** The pairs to delete to remove `paths`; a map left empty is removed with its own key. */
export function deletePaths(doc: PlacedDocument, paths: readonly (readonly PathSegment[])[]): TextEdit[] | undefined {
  const doomed = new Set<Pair<Node, Node | null>>();
  const pairOf = (path: readonly PathSegment[]) => {
    const found = nodeAtPath(doc.parsed.yaml, path);
    return found.depth === path.length ? found.pair : undefined;
  };
  for (const path of paths) {
    let current = path;
    let pair = pairOf(current);
    if (!pair) continue;
    doomed.add(pair);
    // Climb while the parent map would be left empty.
    while (current.length > 1) {
      const parentPath = current.slice(0, -1);
      const parent = nodeAtPath(doc.parsed.yaml, parentPath);
      if (parent.depth !== parentPath.length || !isMap(parent.value) || !parent.pair) break;
      if (!parent.value.items.every((p) => doomed.has(p as Pair<Node, Node | null>))) break;
      pair = parent.pair;
      doomed.add(pair);
      current = parentPath;
    }
  }
  // Keep only outermost pairs: an ancestor's deletion already covers its children.
  const ranges: [number, number][] = [];
  for (const pair of doomed) {
    const lines = pairLines(doc, pair);
    if (!lines) return undefined;
    ranges.push(lines);
  }
  ranges.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const outer: [number, number][] = [];
  for (const r of ranges) {
    const last = outer.at(-1);
    if (last && r[0] < last[1]) continue;
    outer.push(r);
  }
  return outer.map(([s, e]) => ({ range: fileRange(doc, s, e), newText: '' }));
}

/** Indentation (spaces) of the items of a block map, or of a new child of a pair's key. */
export function childIndent(doc: PlacedDocument, map: YAMLMap | undefined, parentKey: Node | undefined): string {
  const first = map?.items[0]?.key as Node | undefined;
  if (first?.range && !map?.flow) return ' '.repeat(columnOf(doc, first.range[0]));
  const parentColumn = parentKey?.range ? columnOf(doc, parentKey.range[0]) : -2;
  return ' '.repeat(parentColumn + 2);
}

/** Offset just after the last line of a block map (where new pairs are appended). */
export function endOfBlock(doc: PlacedDocument, node: Node): number {
  const text = doc.parsed.text;
  let end = node.range?.[2] ?? text.length;
  while (end > 0 && /\s/.test(text[end - 1])) end--;
  return lineEndAfter(text, end);
}

/** Inserts text (whole lines) at an offset; adds a newline first when the document does not end with one. */
export function insertLines(doc: PlacedDocument, offset: number, lines: string): TextEdit {
  const text = doc.parsed.text;
  const needsBreak = offset === text.length && text.length > 0 && !text.endsWith('\n');
  return { range: fileRange(doc, offset, offset), newText: (needsBreak ? '\n' : '') + lines };
}

/**
 * Sets `key: value` (value already rendered as YAML lines relative to the key's indentation)
 * in the block map at `path`: replaces an existing value or appends a new pair.
 */
export function setField(doc: PlacedDocument, mapPath: readonly PathSegment[], key: string, rendered: string, asBlock = rendered.includes('\n')): TextEdit[] | undefined {
  const found = nodeAtPath(doc.parsed.yaml, mapPath);
  if (found.depth !== mapPath.length || !isMap(found.value) || found.value.flow) return undefined;
  const map = found.value;
  const indent = childIndent(doc, map, found.key);
  const existing = map.items.find((p) => isScalar(p.key) && p.key.value === key) as Pair<Node, Node | null> | undefined;
  const block = renderPair(indent, key, rendered, asBlock);
  if (existing) {
    const lines = pairLines(doc, existing);
    return lines ? [{ range: fileRange(doc, lines[0], lines[1]), newText: block }] : undefined;
  }
  return [insertLines(doc, endOfBlock(doc, map), block)];
}

/** `key: value` lines at an indentation; multi-line values are indented one level deeper. */
export function renderPair(indent: string, key: string, rendered: string, asBlock = false): string {
  const lines = rendered.replace(/\n$/, '').split('\n');
  if (!asBlock) return `${indent}${key}: ${rendered}\n`;
  return `${indent}${key}:\n${lines.map((l) => (l ? `${indent}  ${l}` : l)).join('\n')}\n`;
}

/** Is the node a block sequence we can append items to? */
export function isBlockSeq(node: unknown): boolean {
  return isSeq(node) && !node.flow;
}
