// Key completion: the fields allowed at the cursor, required ones first, present ones left out.
// Inserting a field also writes the shape of its value (a nested block, a list item, enum choices).
import type { SchemaNode } from '../schemas';
import { schemaAt, describeType, isArrayNode, isMapNode, isObjectNode } from '../schemaAt';
import { durationDefault, isDurationNode } from './values';
import { snippetText } from '../snippets';
import type { CompletionEntry } from './types';
import type { CompletionSetting } from './setting';

/** Where new tab stops start; shared by one entry's snippet. */
interface Stops { next: number }

function choice(values: readonly unknown[], stops: Stops): string {
  const text = values.map((v) => String(v).replace(/[,|\\$}]/g, (c) => `\\${c}`)).join(',');
  return `\${${stops.next++}|${text}|}`;
}

/** The snippet for a scalar value: enum choices, booleans, a duration default, or an empty stop. */
function scalarValue(node: SchemaNode, stops: Stops): string {
  if (node.enum?.length) {
    const ordered = node.default !== undefined ? [node.default, ...node.enum.filter((v) => v !== node.default)] : node.enum;
    return choice(ordered, stops);
  }
  const types = Array.isArray(node.type) ? node.type : [node.type];
  if (types.includes('boolean')) return choice(node.default === true ? [true, false] : node.default === false ? [false, true] : [true, false], stops);
  if (isDurationNode(node)) return `\${${stops.next++}:${durationDefault(node)}}`;
  if (node.default !== undefined && typeof node.default !== 'object') return `\${${stops.next++}:${snippetText(String(node.default))}}`;
  return `\${${stops.next++}}`;
}

/**
 * Lines (relative indentation, first line without indent) for `name` and its value, filling
 * required children one level deep so `sourceRef` arrives with `kind` and `name`.
 */
export function fieldSnippet(name: string, node: SchemaNode, unit: string, stops: Stops, depth = 0): string[] {
  const key = /^[A-Za-z0-9_./-]+$/.test(name) ? name : JSON.stringify(name);
  if (isArrayNode(node)) {
    const item = node.items;
    if (item && isObjectNode(item) && item.properties) {
      const body = requiredChildren(item, unit, stops, depth);
      if (body.length === 0) return [`${key}:`, `${unit}- \${${stops.next++}}`];
      return [`${key}:`, `${unit}- ${body[0]}`, ...body.slice(1).map((l) => `${unit}  ${l}`)];
    }
    return [`${key}:`, `${unit}- ${item ? scalarValue(item, stops) : `\${${stops.next++}}`}`];
  }
  if (isMapNode(node)) return [`${key}:`, `${unit}\${${stops.next++}}`];
  if (isObjectNode(node)) {
    const body = depth < 2 ? requiredChildren(node, unit, stops, depth) : [];
    if (body.length === 0) return [`${key}:`, `${unit}\${${stops.next++}}`];
    return [`${key}:`, ...body.map((l) => unit + l)];
  }
  return [`${key}: ${scalarValue(node, stops)}`];
}

/** A field inside a one-line flow map: the value stays on the line (`{}` / `[]` for collections). */
function flowFieldSnippet(name: string, node: SchemaNode): string {
  const key = /^[A-Za-z0-9_./-]+$/.test(name) ? name : JSON.stringify(name);
  if (isArrayNode(node)) return `${key}: [\${1}]`;
  if (isObjectNode(node) || isMapNode(node)) return `${key}: {\${1}}`;
  return `${key}: ${scalarValue(node, { next: 1 })}`;
}

function requiredChildren(node: SchemaNode, unit: string, stops: Stops, depth: number): string[] {
  const out: string[] = [];
  for (const child of node.required ?? []) {
    const childNode = node.properties?.[child];
    if (childNode) out.push(...fieldSnippet(child, childNode, unit, stops, depth + 1));
  }
  return out;
}

/** Whether inserting the field should reopen the suggestion list for its value. */
function hasValueSuggestions(path: readonly (string | number)[], name: string, node: SchemaNode): boolean {
  if (path.length === 0 && (name === 'apiVersion' || name === 'kind')) return true;
  if (name === 'name' && typeof path[path.length - 1] === 'string' && /(sourceRef|chartRef|SecretRef|secretRef)$/.test(String(path[path.length - 1]))) return true;
  if (name === 'mediaType') return true;
  // Durations arrive with a default already selected; reopening the list would only show that one.
  return typeof node.pattern === 'string' && node.pattern.startsWith('^(') && node.pattern.includes('://');
}

export function keyCompletions(s: CompletionSetting): CompletionEntry[] {
  const { cursor, view, docs } = s;
  if (!view.schema) return [];
  const at = schemaAt(view.schema, cursor.path);
  if (!at) return [];
  let container = at.node;
  let itemPrefix = '';
  // Directly under a list key (no `- ` typed yet): offer the item's fields as new list items.
  if (isArrayNode(container) && container.items && isObjectNode(container.items) && !cursor.startsItem) {
    container = container.items;
    itemPrefix = '- ';
  }
  if (!container.properties) return [];
  const kind = view.kind ?? '';
  const out: CompletionEntry[] = [];
  const docPathOf = (name: string) => (at.docPath ? `${at.docPath}${itemPrefix ? '[]' : ''}.${name}` : name);
  const extra = ' '.repeat(Math.max(0, cursor.col - cursor.lineIndent));
  for (const [name, node] of Object.entries(container.properties)) {
    if (cursor.siblings.has(name)) continue;
    const required = container.required?.includes(name) ?? false;
    let newText: string;
    let snippet = true;
    if (cursor.hasColon) {
      newText = name;
      snippet = false;
    } else if (cursor.inFlow) {
      newText = flowFieldSnippet(name, node);
    } else {
      const lines = fieldSnippet(name, node, s.indentUnit, { next: 1 });
      if (itemPrefix) lines[0] = itemPrefix + lines[0];
      const continuation = extra + (itemPrefix ? '  ' : '');
      newText = lines.map((l, i) => (i === 0 ? l : continuation + l)).join('\n');
    }
    const doc = docs.field(kind, docPathOf(name));
    out.push({
      label: name,
      kind: 'field',
      detail: `${describeType(node)}${required ? ' · required' : ''}`,
      documentation: doc?.description,
      newText,
      snippet,
      range: s.range,
      sortText: `${required ? '0' : '1'}_${name}`,
      filterText: itemPrefix ? `- ${name}` : name,
      retrigger: !cursor.hasColon && hasValueSuggestions(cursor.path, name, node),
    });
  }
  return out;
}

