// Hover: what a field means (our own words from schemas/docs), its type, default, allowed values
// and pattern in words, with a link to the Flux reference; whether an apiVersion is served; and
// for a reference (sourceRef.name, chartRef.name, dependsOn, secretRef) a summary of its target.
import type { YamlFile } from './documents';
import { appliedBySection, appliesSection } from './appliedHover';
import { defaultFieldDocs, type FieldDocs } from './fieldDocs';
import { defaultCatalog, type SchemaCatalog, type SchemaNode } from './schemas';
import { describeType, isObjectNode, schemaAt } from './schemaAt';
import { describePattern } from './patterns';
import { removedApiVersion } from './apiVersions';
import { isFluxGroup } from './fluxObjects';
import type { Position, Range } from './types';
import type { IndexedObject, WorkspaceIndex } from './workspaceIndex';
import { isMap, isScalar, type Node } from 'yaml';
import { nodeAtPath, pathAtOffset, type PathSegment } from './yamlPath';
import { documentView, linesOf, type DocumentView } from './completion/documentView';
import type { LineEntry } from './completion/yamlLines';
import { referenceTarget, type ReferenceTarget } from './completion/references';
import { markerHover } from './imagePolicyMarker';
import { relativeName } from './paths';

export interface HoverRequest {
  file: YamlFile;
  position: Position;
  index: WorkspaceIndex;
  catalog?: SchemaCatalog;
  docs?: FieldDocs;
}

export interface HoverResult {
  markdown: string;
  /** The key or value hovered, in file coordinates. */
  range: Range;
}

/** When each served Flux API version became generally available. */
const GA_SINCE: Record<string, string> = {
  'GitRepository source.toolkit.fluxcd.io/v1': 'Flux 2.0 (source-controller v1.0.0)',
  'Kustomization kustomize.toolkit.fluxcd.io/v1': 'Flux 2.0 (kustomize-controller v1.0.0)',
  'HelmRelease helm.toolkit.fluxcd.io/v2': 'Flux 2.3 (helm-controller v1.0.0)',
  'HelmRepository source.toolkit.fluxcd.io/v1': 'Flux 2.3 (source-controller v1.3.0)',
  'HelmChart source.toolkit.fluxcd.io/v1': 'Flux 2.3 (source-controller v1.3.0)',
  'OCIRepository source.toolkit.fluxcd.io/v1': 'Flux 2.6 (source-controller v1.6.0)',
  'ExternalArtifact source.toolkit.fluxcd.io/v1': 'Flux 2.7 (source-controller v1.7.0)',
  'Receiver notification.toolkit.fluxcd.io/v1': 'notification-controller v1.0.0',
  'ImageRepository image.toolkit.fluxcd.io/v1': 'image-reflector-controller v1.0.0',
  'ImagePolicy image.toolkit.fluxcd.io/v1': 'image-reflector-controller v1.0.0',
  'ImageUpdateAutomation image.toolkit.fluxcd.io/v1': 'image-automation-controller v1.0.0',
};

/** Served versions that are still beta: what to know about them instead of a GA release. */
const BETA_NOTE: Record<string, string> = {
  'Alert notification.toolkit.fluxcd.io/v1beta3': 'still a beta API (served since notification-controller v1.2.0); Alert has no v1 yet, so this is the version to write',
  'Provider notification.toolkit.fluxcd.io/v1beta3': 'still a beta API (served since notification-controller v1.2.0); Provider has no v1 yet, so this is the version to write',
  'ArtifactGenerator source.extensions.fluxcd.io/v1beta1': 'still a beta API, and the only version source-watcher serves',
};

/** Short texts for the standard metadata fields, which schemas/docs leaves out on purpose. */
const METADATA_TEXT: Record<string, string> = {
  'metadata.name': 'The object\'s name, unique per kind within its namespace. Other Flux objects refer to it by this name (sourceRef, chartRef, dependsOn).',
  'metadata.namespace': 'The namespace the object lives in. References written without a namespace, and Secrets the object names, are looked up here.',
  'metadata.labels': 'Labels for selecting and grouping objects; Flux itself does not need any.',
  'metadata.labels.*': 'One label value, under the key written on the left.',
  'metadata.annotations': 'Free-form annotations, for example reconcile.fluxcd.io/requestedAt to ask for an immediate reconciliation.',
  'metadata.annotations.*': 'One annotation value, under the key written on the left.',
};

const code = (text: string) => `\`${text.replace(/`/g, "'")}\``;

interface Hovered {
  path: PathSegment[];
  /** On the key (field help) or on the value (value-specific help). */
  on: 'key' | 'value';
  /** The scalar value hovered (or of the hovered key's pair). */
  value: string | undefined;
  start: number;
  end: number;
  /** The other fields of the map holding the hovered pair (for references: kind, namespace). */
  siblings: () => ReadonlyMap<string, string | undefined>;
}

interface LineHit {
  path: PathSegment[];
  on: 'key' | 'value';
  entry: LineEntry;
  start: number;
  end: number;
  startsItem: boolean;
}

const isFlowStart = (value: string | undefined) => value !== undefined && (value.startsWith('{') || value.startsWith('['));

/** Reads the hovered place from the lines (works on broken YAML); flow collections from the parse. */
function hoveredAt(view: DocumentView, line: number, character: number): Hovered | undefined {
  const hit = hovered(view, line, character);
  if (hit && hit.on === 'value' && isFlowStart(hit.entry.value)) return inFlowCollection(view, line, character);
  if (!hit) return undefined;
  return {
    path: hit.path,
    on: hit.on,
    value: hit.entry.value,
    start: hit.start,
    end: hit.end,
    siblings: () => view.lines.siblings(line, hit.entry.col, hit.startsItem),
  };
}

/**
 * Inside `{...}` or `[...]` the lines say too little, so the parsed document decides which key or
 * value is under the cursor (only when it parsed cleanly; a half-typed flow map gets no hover).
 */
function inFlowCollection(view: DocumentView, line: number, character: number): Hovered | undefined {
  const parsed = view.placed?.parsed;
  if (!parsed || parsed.yaml.errors.length > 0) return undefined;
  const offset = parsed.lines.offsetAt({ line, character });
  const { path, pair, onKey } = pathAtOffset(parsed.yaml, offset);
  if (!pair || path.length === 0) return undefined;
  const node = (onKey ? pair.key : pair.value) as Node | null;
  if (!node?.range || (!onKey && !isScalar(node))) return undefined;
  const start = parsed.lines.positionAt(node.range[0]);
  const end = parsed.lines.positionAt(node.range[1]);
  if (start.line !== line || offset < node.range[0] || offset > node.range[1]) return undefined;
  const value = isScalar(pair.value) && pair.value.value !== null ? String(pair.value.value) : undefined;
  const parent = nodeAtPath(parsed.yaml, path.slice(0, -1)).value;
  return {
    path,
    on: onKey ? 'key' : 'value',
    value,
    start: start.character,
    end: end.line === line ? end.character : (view.lines.lines[line] ?? '').length,
    siblings: () => {
      const out = new Map<string, string | undefined>();
      if (isMap(parent)) {
        for (const p of parent.items) {
          if (isScalar(p.key)) out.set(String(p.key.value), isScalar(p.value) && p.value.value !== null ? String(p.value.value) : undefined);
        }
      }
      return out;
    },
  };
}

function hovered(view: DocumentView, line: number, character: number): LineHit | undefined {
  const entries = view.lines.entries(line);
  const text = view.lines.lines[line] ?? '';
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i];
    if (character < entry.col) continue;
    const left = entries.slice(0, i);
    if (entry.type === 'dash') {
      // On the `-` itself: help for the list item.
      if (character > entry.col + 1) return undefined;
      const list = view.lines.containerPath(line, entry.col, left, 'item');
      return list ? { path: [...list, 0], on: 'key', entry, start: entry.col, end: entry.col + 1, startsItem: false } : undefined;
    }
    const startsItem = left.length > 0 && left[left.length - 1].type === 'dash';
    const container = view.lines.containerPath(line, entry.col, left, 'key');
    if (!container) return undefined;
    const valueEnd = text.replace(/\s+#.*$/, '').trimEnd().length;
    if (entry.type === 'scalar') return { path: container, on: 'value', entry, start: entry.col, end: valueEnd, startsItem };
    const keyEnd = (entry.colonEnd ?? entry.col + 1) - 1;
    if (character <= keyEnd) return { path: [...container, entry.key ?? ''], on: 'key', entry, start: entry.col, end: keyEnd, startsItem };
    if (entry.value === undefined || character < (entry.valueCol ?? 0)) return undefined;
    return { path: [...container, entry.key ?? ''], on: 'value', entry, start: entry.valueCol ?? 0, end: Math.max(valueEnd, entry.valueCol ?? 0), startsItem };
  }
  return undefined;
}

export function hover(request: HoverRequest): HoverResult | undefined {
  const marker = markerHover(request.file, request.position, request.index);
  if (marker) return marker;
  const catalog = request.catalog ?? defaultCatalog();
  const docs = request.docs ?? defaultFieldDocs();
  const view = documentView(request.file, request.position.line, catalog);
  const line = request.position.line - view.startLine;
  const at = hoveredAt(view, line, request.position.character);
  // A document that is a bare scalar or list has no field to explain.
  if (!at || at.path.length === 0) return undefined;
  const range: Range = {
    start: { line: request.position.line, character: at.start },
    end: { line: request.position.line, character: at.end },
  };
  // On `kind:` or `metadata:` of any document: which Flux Kustomization applies it.
  const applied = at.path.length === 1 && (at.path[0] === 'kind' || at.path[0] === 'metadata') ? appliedBySection(request.index, request.file, request.position.line) : undefined;
  if (!view.schema || (view.group !== undefined && !isFluxGroup(view.group))) return applied ? { markdown: applied, range } : undefined;
  const sections: string[] = [];
  if (at.path.length === 1 && at.path[0] === 'apiVersion') sections.push(apiVersionStatus(view, catalog));
  if (at.on === 'value' && at.value !== undefined) {
    const target = referenceTarget(at.path, at.siblings(), view, view.lines.scalarAt(['spec', 'type']));
    if (target) {
      sections.push(referenceSummary(target, at.value, request.index, request.file.uri));
      return { markdown: sections.join('\n\n---\n\n'), range };
    }
  }
  const field = fieldHelp(view, at.path, docs);
  if (field) sections.push(field);
  if (applied) sections.push(applied);
  if (view.kind === 'Kustomization' && at.path[0] === 'spec' && (at.path[1] === 'path' || at.path[1] === 'sourceRef')) {
    const applies = appliesSection(request.index, request.file, request.position.line);
    if (applies) sections.push(applies);
  }
  if (sections.length === 0) return undefined;
  return { markdown: sections.join('\n\n---\n\n'), range };
}

function fieldHelp(view: DocumentView, path: readonly PathSegment[], docs: FieldDocs): string | undefined {
  const at = schemaAt(view.schema!, path);
  if (!at) return undefined;
  const kind = view.kind ?? '';
  const description = docs.field(kind, at.docPath)?.description ?? METADATA_TEXT[at.docPath];
  const lines: string[] = [];
  const title = `**${code(at.docPath)}**${kind ? ` · ${kind}` : ''}${at.required ? ' · required' : ''}`;
  lines.push(title);
  if (description) lines.push('', description);
  const facts = schemaFacts(at.node);
  if (facts.length) lines.push('', ...facts.map((f) => `- ${f}`));
  const link = kind ? docs.link(kind, at.docPath) : undefined;
  if (link) lines.push('', `[${kind} in the Flux API reference](${link})`);
  return lines.join('\n');
}

function schemaFacts(node: SchemaNode): string[] {
  const facts = [`Type: ${describeType(node)}`];
  if (node.pattern) facts.push(`Format: ${describePattern(node.pattern)}`);
  if (node.enum?.length) facts.push(`Allowed values: ${node.enum.map((v) => code(String(v))).join(', ')}`);
  if (node.default !== undefined) facts.push(`Default: ${code(typeof node.default === 'object' ? JSON.stringify(node.default) : String(node.default))}`);
  if (node.minimum !== undefined || node.maximum !== undefined) {
    facts.push(`Range: ${node.minimum ?? '…'} to ${node.maximum ?? '…'}`);
  }
  if (node.minLength !== undefined || node.maxLength !== undefined) {
    facts.push(`Length: ${node.minLength ?? 0} to ${node.maxLength ?? 'any number of'} characters`);
  }
  if (node.minItems !== undefined || node.maxItems !== undefined) {
    facts.push(`Items: ${node.minItems ?? 0} to ${node.maxItems ?? 'any number'}`);
  }
  if (isObjectNode(node) && node.required?.length) facts.push(`Required fields: ${node.required.map(code).join(', ')}`);
  return facts;
}

function apiVersionStatus(view: DocumentView, catalog: SchemaCatalog): string {
  const { apiVersion, group, version, kind } = view;
  if (!apiVersion || group === undefined || version === undefined) return 'No apiVersion set yet.';
  if (!kind) {
    const kinds = catalog.entries.filter((e) => e.served && e.group === group && e.version === version).map((e) => e.kind);
    return kinds.length
      ? `${code(apiVersion)} is served by current Flux for ${kinds.join(', ')}.`
      : `${code(apiVersion)} is not an API version current Flux serves.`;
  }
  const served = catalog.servedVersion(kind);
  const current = served ? `${served.group}/${served.version}` : undefined;
  const entry = catalog.find(group, version, kind);
  if (entry?.served) {
    const since = GA_SINCE[`${kind} ${apiVersion}`];
    const beta = BETA_NOTE[`${kind} ${apiVersion}`];
    const note = since ? `, generally available since ${since}` : beta ? `, ${beta}` : '';
    return `**Served.** ${code(apiVersion)} is served by current Flux: it is the current API version of ${kind}${note}.`;
  }
  const removed = removedApiVersion(group, version, kind);
  if (removed) {
    return `**Not served.** ${code(apiVersion)} ${kind} is no longer served: ${removed.removedIn} stopped serving it.${current ? ` Use ${code(current)}, the current version of ${kind}.` : ''}`;
  }
  return `**Unknown version.** ${kind} has no API version ${code(apiVersion)} in current Flux.${current ? ` The current one is ${code(current)}.` : ''}`;
}

/** Scalar fields worth showing for a referenced object, in this order. */
const SUMMARY_FIELDS: readonly (readonly string[])[] = [
  ['spec', 'url'], ['spec', 'type'], ['spec', 'provider'],
  ['spec', 'ref', 'tag'], ['spec', 'ref', 'semver'], ['spec', 'ref', 'digest'], ['spec', 'ref', 'branch'], ['spec', 'ref', 'commit'], ['spec', 'ref', 'name'],
  ['spec', 'layerSelector', 'mediaType'], ['spec', 'layerSelector', 'operation'],
  ['spec', 'chart'], ['spec', 'version'], ['spec', 'path'], ['spec', 'sourceRef', 'kind'], ['spec', 'sourceRef', 'name'],
  ['spec', 'image'], ['spec', 'imageRepositoryRef', 'name'],
  ['spec', 'policy', 'semver', 'range'], ['spec', 'policy', 'alphabetical', 'order'], ['spec', 'policy', 'numerical', 'order'],
  ['spec', 'filterTags', 'pattern'], ['spec', 'filterTags', 'extract'], ['spec', 'channel'],
  ['spec', 'interval'], ['spec', 'suspend'],
];

function referenceSummary(target: ReferenceTarget, name: string, index: WorkspaceIndex, from: string): string {
  if (name === '*') return `Every ${target.kinds.join(' or ')}${target.namespace ? ` in namespace ${code(target.namespace)}` : ''}${target.kinds.length ? '' : ' object'} (narrowed by matchLabels when set).`;
  const found: IndexedObject[] = [];
  for (const kind of target.kinds) found.push(...index.resolve({ kind, name, namespace: target.namespace }));
  const wanted = target.kinds.length === 1 ? target.kinds[0] : target.kinds.join(' or ');
  if (found.length === 0) {
    return `No ${wanted} named ${code(name)}${target.namespace ? ` in namespace ${code(target.namespace)}` : ''} in the workspace.`;
  }
  return found.slice(0, 3).map((o) => objectSummary(o, index, from)).join('\n\n');
}

export { relativeName } from './paths';

function objectSummary(o: IndexedObject, index: WorkspaceIndex, from: string): string {
  const where = `${o.identity.namespace ? `${o.identity.namespace}/` : ''}${o.identity.name}`;
  const out = [`**${o.identity.kind}** ${code(where)} · ${code(o.identity.apiVersion)}`];
  const parsed = index.file(o.uri)?.documents[o.documentIndex]?.parsed;
  if (o.generatedBy) {
    const by = `${o.generatedBy.kind} ${code(`${o.identity.namespace ? `${o.identity.namespace}/` : ''}${o.generatedBy.name}`)}`;
    out.push('', o.generatedBy.kind === 'ArtifactGenerator'
      ? `Declared by ${by}: source-watcher creates this ExternalArtifact from the generator's sources.`
      : `Made by the Flux Operator from the sync of ${by}.`);
  } else if (parsed) {
    const lines = linesOf(parsed);
    const facts: string[] = [];
    if (o.secretType !== undefined) {
      facts.push(`type: ${code(o.secretType)}`);
      // Key names only: Secret values never leave the file.
      const keys = [...lines.childKeys(['data']), ...lines.childKeys(['stringData'])];
      if (keys.length) facts.push(`keys: ${keys.map(code).join(', ')}`);
    } else {
      for (const path of SUMMARY_FIELDS) {
        const value = lines.scalarAt(path);
        if (value !== undefined) facts.push(`${path.slice(1).join('.')}: ${code(value)}`);
      }
    }
    out.push('', ...facts.map((f) => `- ${f}`));
  }
  const file = relativeName(o.uri, from);
  const line = o.nameRange.start.line + 1;
  out.push('', `Defined in [${file}, line ${line}](${o.uri}#L${line})`);
  return out.join('\n');
}
