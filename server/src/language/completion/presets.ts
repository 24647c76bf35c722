// Ready-made blocks: layerSelector for a Flux content layer or a Helm chart layer, and the
// whole-document snippets offered at the start of an empty document.
import { DOCUMENT_SNIPPETS } from '../snippets';
import { FLUX_CONTENT_MEDIA_TYPE, HELM_CHART_MEDIA_TYPE } from './values';
import type { CompletionEntry } from './types';
import type { CompletionSetting } from './setting';

interface LayerPreset {
  name: string;
  mediaType: string;
  operation: 'extract' | 'copy';
  documentation: string;
}

export const LAYER_PRESETS: readonly LayerPreset[] = [
  {
    name: 'Flux content',
    mediaType: FLUX_CONTENT_MEDIA_TYPE,
    operation: 'extract',
    documentation: 'Takes the layer written by `flux push artifact` and unpacks it, for a Kustomization to apply.',
  },
  {
    name: 'Helm chart',
    mediaType: HELM_CHART_MEDIA_TYPE,
    operation: 'copy',
    documentation: 'Takes the chart layer of a Helm OCI artifact and keeps the tarball as it is, for a HelmRelease `chartRef`.',
  },
];

function continuation(s: CompletionSetting): string {
  return ' '.repeat(Math.max(0, s.cursor.col - s.cursor.lineIndent));
}

/** Inside `layerSelector:` with nothing set yet: both fields at once. */
export function layerSelectorBodyPresets(s: CompletionSetting): CompletionEntry[] {
  const { cursor, view } = s;
  if (view.kind !== 'OCIRepository' || cursor.path.join('.') !== 'spec.layerSelector' || cursor.siblings.size > 0 || cursor.hasColon) return [];
  return LAYER_PRESETS.map((p, i) => ({
    label: `${p.name} layer (${p.operation})`,
    kind: 'snippet',
    detail: p.mediaType,
    documentation: p.documentation,
    newText: `mediaType: ${p.mediaType}\n${continuation(s)}operation: ${p.operation}`,
    snippet: false,
    range: s.range,
    sortText: `00_${i}`,
    filterText: `mediaType operation ${p.name}`,
  }));
}

/** At spec level of an OCIRepository without layerSelector: the whole block. */
export function layerSelectorFieldPresets(s: CompletionSetting): CompletionEntry[] {
  const { cursor, view } = s;
  if (view.kind !== 'OCIRepository' || cursor.path.join('.') !== 'spec' || cursor.siblings.has('layerSelector') || cursor.hasColon) return [];
  const pad = continuation(s);
  const u = s.indentUnit;
  return LAYER_PRESETS.map((p, i) => ({
    label: `layerSelector: ${p.name}`,
    kind: 'snippet',
    detail: `${p.mediaType}, ${p.operation}`,
    documentation: p.documentation,
    newText: `layerSelector:\n${pad}${u}mediaType: ${p.mediaType}\n${pad}${u}operation: ${p.operation}`,
    snippet: false,
    range: s.range,
    sortText: `1_layerSelector_${i}`,
    filterText: `layerSelector ${p.name}`,
  }));
}

/** At the start of an empty document (or after `---`): the whole-document snippets. */
export function documentSnippets(s: CompletionSetting): CompletionEntry[] {
  const { cursor, view } = s;
  if (cursor.mode !== 'key' || cursor.col !== 0 || cursor.path.length > 0 || cursor.hasColon) return [];
  if (!view.lines.isEmptyExcept(cursor.line)) return [];
  return DOCUMENT_SNIPPETS.map((snippet, i) => ({
    label: snippet.label,
    kind: 'snippet',
    detail: snippet.detail,
    documentation: snippet.documentation,
    newText: snippet.body,
    snippet: true,
    range: s.range,
    sortText: `!${i}`,
    filterText: snippet.label,
  }));
}
