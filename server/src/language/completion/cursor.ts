// What the cursor is on: a key being typed (and the map around it) or a value of a known field.
import type { PathSegment } from '../yamlPath';
import { DocumentLines, tokenizeLine } from './yamlLines';
import { flowCursorContext, openBrackets } from './flowCursor';

export interface CursorContext {
  /** A map key is being typed, or the value of `path` is. */
  mode: 'key' | 'value';
  /** key mode: path of the collection holding the key; value mode: path of the field. */
  path: PathSegment[];
  /** Document-relative line of the cursor. */
  line: number;
  /** key mode: column of the key; value mode: column of the field's key. */
  col: number;
  /** The node directly follows a `- ` on the cursor line (it begins a list item). */
  startsItem: boolean;
  /** Text typed so far, without an opening quote. */
  partial: string;
  /** Columns of the text a completion replaces. */
  start: number;
  end: number;
  /** key mode: the key already has its `:` after the cursor, so only the name should be inserted. */
  hasColon: boolean;
  /** value mode: the cursor sits right after `key:` with no space yet. */
  needsSpace: boolean;
  /** Leading whitespace of the cursor line (editors re-indent inserted lines by it). */
  lineIndent: number;
  /** Keys of the surrounding map and their inline values (key mode: the map; value mode: the field's map). */
  siblings: Map<string, string | undefined>;
  /** Inside a one-line flow map (`{...}`): whatever is inserted must stay on the line. */
  inFlow?: boolean;
}

const WORD_AFTER = /^[^\s:#"',[\]{}]*/;

export function cursorContext(lines: DocumentLines, line: number, character: number): CursorContext | undefined {
  const text = lines.lines[line] ?? '';
  const before = text.slice(0, character);
  const after = text.slice(character);
  if (/^(---|\.\.\.)([ \t]|$)/.test(before)) return undefined;
  if (/(^|[ \t])#/.test(before.replace(/"[^"]*"|'[^']*'/g, '""'))) return undefined; // inside a comment
  // Inside `{...}` or `[...]` only the flow reader knows where the cursor is.
  if (/[{[]/.test(before) && openBrackets(before)?.length) return flowCursorContext(lines, line, character);
  const entries = tokenizeLine(before);
  const lineIndent = /^[ \t]*/.exec(text)![0].length;
  const last = entries[entries.length - 1];
  const tail = WORD_AFTER.exec(after)![0].length;

  if (last?.type === 'key') {
    const left = entries.slice(0, -1);
    const container = lines.containerPath(line, last.col, left, 'key');
    if (!container) return undefined;
    const raw = before.slice(last.valueCol ?? character);
    const quoted = raw.startsWith('"') || raw.startsWith("'");
    const startsItem = left.length > 0 && left[left.length - 1].type === 'dash';
    return {
      mode: 'value',
      path: [...container, last.key ?? ''],
      line,
      col: last.col,
      startsItem,
      partial: quoted ? raw.slice(1) : raw,
      start: (last.valueCol ?? character) + (quoted ? 1 : 0),
      end: character + tail,
      hasColon: true,
      needsSpace: last.colonEnd === character,
      lineIndent,
      siblings: lines.siblings(line, last.col, startsItem),
    };
  }

  let col = character;
  let partial = '';
  let left = entries;
  if (last?.type === 'scalar') {
    col = last.col;
    partial = before.slice(col);
    left = entries.slice(0, -1);
    if (/[\s]/.test(partial.trim())) return undefined; // free text, not a key
  }
  const startsItem = left.length > 0 && left[left.length - 1].type === 'dash';
  const container = lines.containerPath(line, col, left, 'key');
  if (!container) return undefined;
  return {
    mode: 'key',
    path: container,
    line,
    col,
    startsItem,
    partial,
    start: col,
    end: character + tail,
    hasColon: /^[^\s:#]*[ \t]*:([ \t]|$)/.test(after),
    needsSpace: false,
    lineIndent,
    siblings: lines.siblings(line, col, startsItem),
  };
}
