// The cursor's document as completion and hover see it: its lines, what kind of object it is
// (read from the lines, so it works while the YAML is broken) and the schema that applies.
import type { PlacedDocument, ParsedDocument, YamlFile } from '../documents';
import { isFluxGroup, splitApiVersion } from '../fluxObjects';
import type { SchemaCatalog, SchemaEntry, SchemaNode } from '../schemas';
import { objectSchema } from '../schemaAt';
import { DocumentLines } from './yamlLines';

export interface DocumentView {
  /** Placed document, undefined for an empty file. */
  placed?: PlacedDocument;
  /** First line of the document in the file. */
  startLine: number;
  lines: DocumentLines;
  apiVersion?: string;
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  /** The schema entry of the exact apiVersion, or the served one of the kind. */
  entry?: SchemaEntry;
  /** Envelope + spec schema; undefined for kinds we do not know (Secrets, Deployments...). */
  schema?: SchemaNode;
}

const linesCache = new WeakMap<ParsedDocument, DocumentLines>();

export function linesOf(parsed: ParsedDocument): DocumentLines {
  let lines = linesCache.get(parsed);
  if (!lines) {
    lines = DocumentLines.fromText(parsed.text);
    linesCache.set(parsed, lines);
  }
  return lines;
}

export function documentView(file: YamlFile, line: number, catalog: SchemaCatalog): DocumentView {
  const placed = file.documentAtLine(line);
  if (!placed) return { startLine: 0, lines: new DocumentLines(['']), schema: objectSchema(undefined) };
  const lines = linesOf(placed.parsed);
  const identity = placed.parsed.identity;
  const apiVersion = identity?.apiVersion ?? lines.topLevelValue('apiVersion');
  const kind = identity?.kind ?? lines.topLevelValue('kind');
  const view: DocumentView = { placed, startLine: placed.chunk.startLine, lines, apiVersion, kind };
  view.name = identity ? identity.name : lines.scalarAt(['metadata', 'name']);
  view.namespace = identity ? identity.namespace : lines.scalarAt(['metadata', 'namespace']);
  if (apiVersion) {
    const { group, version } = splitApiVersion(apiVersion);
    view.group = group;
    view.version = version;
  }
  if (kind) {
    const exact = view.group !== undefined && view.version !== undefined ? catalog.find(view.group, view.version, kind) : undefined;
    const usable = exact ?? (view.group === undefined || isFluxGroup(view.group) ? catalog.servedVersion(kind) : undefined);
    if (usable) {
      view.entry = usable;
      view.schema = objectSchema(catalog.schema(usable));
    }
  } else if (view.group === undefined || isFluxGroup(view.group)) {
    view.schema = objectSchema(undefined);
  }
  return view;
}
