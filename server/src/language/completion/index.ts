// Completion at a position of a YAML file: works out what the cursor is on, then asks each
// producer (keys, values, references, presets, document snippets) for entries.
import type { YamlFile } from '../documents';
import { defaultFieldDocs, type FieldDocs } from '../fieldDocs';
import { defaultCatalog, type SchemaCatalog } from '../schemas';
import { isArrayNode, isObjectNode, schemaAt } from '../schemaAt';
import type { Position } from '../types';
import type { WorkspaceIndex } from '../workspaceIndex';
import { cursorContext } from './cursor';
import { documentView, type DocumentView } from './documentView';
import { keyCompletions } from './keys';
import { documentSnippets, layerSelectorBodyPresets, layerSelectorFieldPresets } from './presets';
import { referenceCompletions } from './references';
import type { CompletionSetting } from './setting';
import type { CompletionEntry } from './types';
import { scalarValues, valueCompletions } from './values';
import { markerCompletions } from '../imagePolicyMarker';

export type { CompletionEntry, CompletionEntryKind } from './types';

export interface CompletionRequest {
  file: YamlFile;
  position: Position;
  index: WorkspaceIndex;
  catalog?: SchemaCatalog;
  docs?: FieldDocs;
}

/** The file's indentation step, read from the first indented line of the document (default two spaces). */
function indentUnit(view: DocumentView): string {
  const lines = view.lines;
  for (let l = 0; l < lines.length && l < 40; l++) {
    const first = lines.entries(l)[0];
    if (first && first.col > 0) return ' '.repeat(Math.min(first.col, 8));
  }
  return '  ';
}

export interface CompletionResult {
  entries: CompletionEntry[];
  /** Some entries were left out; typing more should ask again. */
  incomplete: boolean;
}

export function complete(request: CompletionRequest): CompletionResult {
  const markers = markerCompletions(request.file, request.position, request.index);
  if (markers) return { entries: markers, incomplete: false };
  const setting = completionSetting(request);
  if (!setting) return { entries: [], incomplete: false };
  const entries = produce(setting);
  return { entries, incomplete: setting.incomplete === true };
}

function completionSetting(request: CompletionRequest): CompletionSetting | undefined {
  const catalog = request.catalog ?? defaultCatalog();
  const docs = request.docs ?? defaultFieldDocs();
  const view = documentView(request.file, request.position.line, catalog);
  const line = request.position.line - view.startLine;
  const cursor = cursorContext(view.lines, line, request.position.character);
  if (!cursor) return undefined;
  const fileLine = request.position.line;
  const setting: CompletionSetting = {
    cursor,
    view,
    docs,
    catalog,
    index: request.index,
    uri: request.file.uri,
    range: { start: { line: fileLine, character: cursor.start }, end: { line: fileLine, character: cursor.end } },
    indentUnit: indentUnit(view),
  };
  return setting;
}

function produce(setting: CompletionSetting): CompletionEntry[] {
  const { cursor, view } = setting;
  if (cursor.mode === 'value') {
    return [...valueCompletions(setting), ...referenceCompletions(setting)];
  }
  if (cursor.inFlow) return keyCompletions(setting);
  // A list item of scalars (`- ` under components, buildMetadata...): complete the value.
  if (cursor.startsItem && view.schema) {
    const at = schemaAt(view.schema, cursor.path);
    if (at && !isObjectNode(at.node) && !isArrayNode(at.node)) return scalarValues(setting, at.node, String(cursor.path[cursor.path.length - 2] ?? ''));
  }
  return [
    ...documentSnippets(setting),
    ...layerSelectorBodyPresets(setting),
    ...keyCompletions(setting),
    ...layerSelectorFieldPresets(setting),
  ];
}
