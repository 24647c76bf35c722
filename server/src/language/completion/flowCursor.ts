// The cursor inside a flow map written on one line (`sourceRef: {kind: OCIRepository, name: |}`).
// The block-line reader cannot see into braces, so this reads the braces of the cursor line: the
// block key owning them gives the path, the comma-separated pairs give siblings and the typed part.
import type { PathSegment } from '../yamlPath';
import type { CursorContext } from './cursor';
import { type DocumentLines, tokenizeLine } from './yamlLines';

interface Open { char: '{' | '['; at: number }

const unquote = (text: string): string => {
  const t = text.trim();
  if (t.length >= 2 && ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'")))) return t.slice(1, -1);
  return t;
};

/** Brackets still open at the end of `text` (quotes and closed pairs skipped); undefined after a comment. */
export function openBrackets(text: string): Open[] | undefined {
  const stack: Open[] = [];
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]))) return undefined;
    else if (c === '{' || c === '[') stack.push({ char: c, at: i });
    else if ((c === '}' || c === ']') && stack.length) stack.pop();
  }
  return quote ? (stack.length ? stack : undefined) : stack;
}

/** Splits at commas that are not inside quotes or nested brackets. */
function topLevelParts(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) { if (c === quote) quote = undefined; continue; }
    if (c === '"' || c === "'") quote = c;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 0) { parts.push(text.slice(start, i)); start = i + 1; }
  }
  parts.push(text.slice(start));
  return parts;
}

/** `key: value` of one flow pair (the colon must be followed by a space or end the text). */
function splitPair(part: string): { key: string; value?: string; valueStart?: number } {
  const m = /^\s*("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s"'{}[\],:][^,:{}[\]]*?)\s*:(?=\s|$)/.exec(part);
  if (!m) return { key: unquote(part) };
  return { key: unquote(m[1]), value: part.slice(m[0].length), valueStart: m[0].length };
}

/** The innermost flow map's closing text after the cursor (up to its `}`), to read the siblings written there. */
function restOfMap(after: string): string {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < after.length; i++) {
    const c = after[i];
    if (quote) { if (c === quote) quote = undefined; continue; }
    if (c === '"' || c === "'") quote = c;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') { if (depth === 0) return after.slice(0, i); depth--; }
  }
  return after;
}

const WORD_AFTER = /^[^\s:#"',[\]{}]*/;

export function flowCursorContext(lines: DocumentLines, line: number, character: number): CursorContext | undefined {
  const text = lines.lines[line] ?? '';
  const before = text.slice(0, character);
  const after = text.slice(character);
  const stack = openBrackets(before);
  if (!stack || stack.length === 0) return undefined;
  // The block key that owns the outermost bracket.
  const head = tokenizeLine(before.slice(0, stack[0].at));
  const owner = head[head.length - 1];
  if (owner?.type !== 'key' || owner.key === undefined) return undefined;
  const blockPath = lines.containerPath(line, owner.col, head.slice(0, -1), 'key');
  if (!blockPath) return undefined;
  const path: PathSegment[] = [...blockPath, owner.key];
  for (let level = 0; level < stack.length; level++) {
    const open = stack[level];
    const end = level + 1 < stack.length ? stack[level + 1].at : before.length;
    const parts = topLevelParts(before.slice(open.at + 1, end));
    const current = parts[parts.length - 1];
    const innermost = level === stack.length - 1;
    if (open.char === '[') {
      if (innermost) return undefined; // a scalar in a flow list: nothing we complete
      path.push(parts.length - 1);
      continue;
    }
    const pair = splitPair(current);
    if (!innermost) {
      if (pair.value === undefined) return undefined;
      path.push(pair.key);
      continue;
    }
    const siblings = new Map<string, string | undefined>();
    const written = [...parts.slice(0, -1), ...topLevelParts(restOfMap(after)).slice(1)];
    for (const part of written) {
      const p = splitPair(part);
      if (p.key) siblings.set(p.key, p.value === undefined || p.value.trim() === '' ? undefined : unquote(p.value));
    }
    const tail = WORD_AFTER.exec(after)![0].length;
    const lineIndent = /^[ \t]*/.exec(text)![0].length;
    const partStart = end - current.length;
    if (pair.value !== undefined) {
      const raw = pair.value.trimStart();
      const quoted = raw.startsWith('"') || raw.startsWith("'");
      const valueCol = character - raw.length;
      return {
        mode: 'value', path: [...path, pair.key], line, col: partStart, startsItem: false, inFlow: true,
        partial: quoted ? raw.slice(1) : raw, start: valueCol + (quoted ? 1 : 0), end: character + tail,
        hasColon: true, needsSpace: pair.value === '', lineIndent, siblings,
      };
    }
    const typed = current.trimStart();
    if (/\s/.test(typed)) return undefined;
    const col = character - typed.length;
    return {
      mode: 'key', path, line, col, startsItem: false, inFlow: true, partial: typed, start: col, end: character + tail,
      hasColon: /^[^\s:#,{}[\]]*[ \t]*:([ \t]|$)/.test(after), needsSpace: false, lineIndent, siblings,
    };
  }
  return undefined;
}
