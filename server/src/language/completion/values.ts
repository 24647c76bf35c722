// Value completion: apiVersion and kind, enums, booleans, durations that fit the field's pattern,
// and the media types of layerSelector.
import type { SchemaNode } from '../schemas';
import { schemaAt } from '../schemaAt';
import { isFluxGroup } from '../fluxObjects';
import { DURATION_NO_HOURS_PATTERN, DURATION_PATTERN, describePattern } from '../patterns';
import type { CompletionEntry } from './types';
import type { CompletionSetting } from './setting';

export const FLUX_CONTENT_MEDIA_TYPE = 'application/vnd.cncf.flux.content.v1.tar+gzip';
export const HELM_CHART_MEDIA_TYPE = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';

/** Durations people commonly write, shortest first; each field keeps those its pattern accepts. */
export const GO_DURATION_SUGGESTIONS = ['30s', '1m', '2m', '5m', '10m', '15m', '30m', '1h', '2h', '12h', '24h'];

export function isDurationNode(node: SchemaNode): boolean {
  return node.pattern === DURATION_PATTERN || node.pattern === DURATION_NO_HOURS_PATTERN;
}

export function durationDefault(node: SchemaNode): string {
  return typeof node.default === 'string' ? node.default : node.pattern === DURATION_NO_HOURS_PATTERN ? '1m' : '5m';
}

const patternCache = new Map<string, RegExp | null>();
function compiled(pattern: string): RegExp | null {
  let re = patternCache.get(pattern);
  if (re === undefined) {
    try { re = new RegExp(pattern); } catch { re = null; }
    patternCache.set(pattern, re);
  }
  return re;
}

function value(s: CompletionSetting, label: string, extra: Partial<CompletionEntry> = {}): CompletionEntry {
  const text = (s.cursor.needsSpace ? ' ' : '') + label;
  return { label, kind: 'value', newText: text, snippet: false, range: s.range, ...extra };
}

function apiVersionValues(s: CompletionSetting): CompletionEntry[] {
  const { view, catalog } = s;
  const served = catalog.entries.filter((e) => e.served);
  if (view.kind) {
    return served.filter((e) => e.kind === view.kind).map((e) => value(s, `${e.group}/${e.version}`, {
      kind: 'version', detail: `${e.kind} · served by current Flux`, preselect: true,
    }));
  }
  // A new document: one entry per kind, writing the kind line as well.
  return served.map((e) => {
    const apiVersion = `${e.group}/${e.version}`;
    const kindLine = view.lines.topLevelValue('kind') === undefined && s.cursor.path.length === 1 ? `\nkind: ${e.kind}` : '';
    return value(s, apiVersion, {
      kind: 'kind',
      label: `${apiVersion} ${e.kind}`,
      filterText: `${apiVersion} ${e.kind}`,
      detail: e.kind,
      newText: (s.cursor.needsSpace ? ' ' : '') + apiVersion + kindLine,
      sortText: e.kind,
    });
  });
}

function kindValues(s: CompletionSetting): CompletionEntry[] {
  const { view, catalog } = s;
  if (view.group !== undefined && !isFluxGroup(view.group)) return [];
  const served = catalog.entries.filter((e) => e.served && (view.group === undefined || e.group === view.group));
  // A group can serve kinds at different versions (notification: Alert v1beta3, Receiver v1).
  const sameVersion = served.filter((e) => e.version === view.version);
  const list = sameVersion.length ? sameVersion : served.length ? served : catalog.entries.filter((e) => e.served);
  return list.map((e) => value(s, e.kind, { kind: 'kind', detail: `${e.group}/${e.version}`, documentation: s.docs.kind(e.kind)?.fields.get('kind')?.description }));
}

export function valueCompletions(s: CompletionSetting): CompletionEntry[] {
  const { cursor, view } = s;
  const path = cursor.path;
  if (path.length === 1 && path[0] === 'apiVersion') return apiVersionValues(s);
  if (path.length === 1 && path[0] === 'kind') return kindValues(s);
  if (!view.schema) return [];
  const at = schemaAt(view.schema, path);
  if (!at) return [];
  return scalarValues(s, at.node, String(path[path.length - 1]));
}

/** Values for a scalar schema node (also used for list items of scalars). */
export function scalarValues(s: CompletionSetting, node: SchemaNode, field: string): CompletionEntry[] {
  const out: CompletionEntry[] = [];
  const isDefault = (v: unknown) => node.default !== undefined && v === node.default;
  if (node.enum?.length) {
    node.enum.forEach((v, i) => out.push(value(s, String(v), {
      kind: 'enum',
      detail: isDefault(v) ? 'default' : undefined,
      preselect: isDefault(v) || undefined,
      sortText: String(i).padStart(3, '0'),
    })));
    if (field === 'operation') preferOperation(s, out);
    return out;
  }
  const types = Array.isArray(node.type) ? node.type : [node.type];
  if (types.includes('boolean')) {
    for (const v of [true, false]) out.push(value(s, String(v), { kind: 'enum', detail: isDefault(v) ? 'default' : undefined, preselect: isDefault(v) || undefined }));
    return out;
  }
  if (node.pattern && isDurationNode(node)) {
    const re = compiled(node.pattern);
    const candidates = [...GO_DURATION_SUGGESTIONS];
    if (typeof node.default === 'string' && !candidates.includes(node.default)) candidates.unshift(node.default);
    candidates.filter((d) => !re || re.test(d)).forEach((d, i) => out.push(value(s, d, {
      detail: isDefault(d) ? 'default' : describePattern(node.pattern!),
      preselect: isDefault(d) || undefined,
      sortText: String(i).padStart(3, '0'),
    })));
    return out;
  }
  if (node.pattern && /^\^\(?[a-z|]+\)?:\/\/\.\*\$$/.test(node.pattern)) {
    // URL fields: offer the schemes the pattern allows, oci:// first.
    const schemes = /^\^\(?([a-z|]+)\)?:/.exec(node.pattern)![1].split('|').sort((a, b) => Number(b === 'oci') - Number(a === 'oci'));
    schemes.forEach((scheme, i) => out.push(value(s, `${scheme}://`, { detail: describePattern(node.pattern!), sortText: String(i), retrigger: false })));
    return out;
  }
  if (field === 'mediaType' && s.cursor.path.includes('layerSelector')) {
    out.push(value(s, FLUX_CONTENT_MEDIA_TYPE, { detail: 'Flux artifact (flux push artifact); use operation extract', sortText: '0' }));
    out.push(value(s, HELM_CHART_MEDIA_TYPE, { detail: 'Helm chart; use operation copy for chartRef', sortText: '1' }));
    return out;
  }
  if (node.default !== undefined && typeof node.default !== 'object') out.push(value(s, String(node.default), { detail: 'default', preselect: true }));
  return out;
}

/** A Helm chart layer is copied, a Flux content layer extracted: preselect what fits the media type. */
function preferOperation(s: CompletionSetting, out: CompletionEntry[]): void {
  const mediaType = s.cursor.siblings.get('mediaType');
  const wanted = mediaType === HELM_CHART_MEDIA_TYPE ? 'copy' : mediaType === FLUX_CONTENT_MEDIA_TYPE ? 'extract' : undefined;
  for (const e of out) if (e.label === wanted) { e.preselect = true; e.sortText = '000'; }
}
