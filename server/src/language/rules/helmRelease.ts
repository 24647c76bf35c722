// HelmRelease: exactly one of chart / chartRef (a CEL rule of the CRD, which the JSON Schema
// cannot express), and a chartRef to an OCIRepository must select the Helm chart layer.
import { isMap } from 'yaml';
import type { ParsedDocument } from '../documents';
import { findPair } from '../fluxObjects';
import type { Finding } from '../types';
import { HELM_CHART_MEDIA_TYPE, type ObjectReference, type WorkspaceIndex } from '../workspaceIndex';
import { setField, type QuickFix } from './edits';


export function helmReleaseFindings(parsed: ParsedDocument): Finding[] {
  if (parsed.identity?.kind !== 'HelmRelease') return [];
  const spec = findPair(parsed.yaml.contents, 'spec');
  if (!isMap(spec?.value)) return [];
  const chart = findPair(spec.value, 'chart');
  const chartRef = findPair(spec.value, 'chartRef');
  const keyRange = (node: { range?: [number, number, number] | null } | null | undefined) => parsed.lines.rangeOf(node?.range?.[0] ?? 0, node?.range?.[1] ?? 0);
  if (chart && chartRef) {
    return [{ range: keyRange(chartRef.key as never), severity: 'error', code: 'flux/helmrelease-chart-both', message: 'a HelmRelease takes either chart or chartRef, not both; the API server rejects it' }];
  }
  if (!chart && !chartRef) {
    return [{ range: keyRange(spec.key as never), severity: 'error', code: 'flux/helmrelease-chart-missing', message: 'a HelmRelease needs chart (a chart template) or chartRef (an OCIRepository, HelmChart or ExternalArtifact); the API server rejects it without one' }];
  }
  return [];
}

export function chartRefFindings(index: WorkspaceIndex, refs: readonly ObjectReference[]): Finding[] {
  const findings: Finding[] = [];
  for (const ref of refs) {
    if (ref.role !== 'chart' || ref.kind !== 'OCIRepository') continue;
    const targets = index.resolveRef(ref, 'OCIRepository');
    if (targets.length !== 1) continue;
    // Without a selector source-controller takes the first layer, which for a chart pushed by
    // `helm push` is the chart (Flux's own samples rely on this); a selector must pick the
    // chart layer and copy it.
    if (targets[0].layerSelector !== 'other') continue;
    findings.push({
      range: ref.nameRange,
      severity: 'warning',
      code: 'flux/chartref-layer-selector',
      message: `the layerSelector of OCIRepository "${ref.name}" does not select the Helm chart layer with operation copy (mediaType ${HELM_CHART_MEDIA_TYPE}); helm-controller gets something other than the packaged chart`,
      data: { uri: targets[0].uri, documentIndex: targets[0].documentIndex },
    });
  }
  return findings;
}

export function layerSelectorFix(index: WorkspaceIndex, data: unknown): QuickFix[] {
  const { uri, documentIndex } = (data ?? {}) as { uri?: unknown; documentIndex?: unknown };
  if (typeof uri !== 'string' || typeof documentIndex !== 'number') return [];
  const doc = index.file(uri)?.documents[documentIndex];
  if (!doc || doc.parsed.identity?.kind !== 'OCIRepository') return [];
  const edits = setField(doc, ['spec'], 'layerSelector', `mediaType: ${HELM_CHART_MEDIA_TYPE}\noperation: copy`);
  return edits ? [{ title: 'Make the OCIRepository select the Helm chart layer (operation: copy)', kind: 'quickfix', isPreferred: true, edits: { [uri]: edits } }] : [];
}
