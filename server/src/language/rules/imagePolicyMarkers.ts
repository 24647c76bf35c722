// Image automation setter markers: a comment `# {"$imagepolicy": "<namespace>:<policy>"}` on a
// field of any YAML (plain manifests, HelmRelease values) tells image-automation-controller to
// write the policy's latest image there; a `:tag`, `:name` or `:digest` suffix writes only that part.
// Markers are references to ImagePolicies (role 'setter'), so resolution, navigation and
// find-references treat them like any other reference.
import { DocumentSlot, type ParsedDocument } from '../documents';
import type { Finding, Range } from '../types';

export const MARKER_SUFFIXES = ['tag', 'name', 'digest'] as const;

export interface SetterMarker {
  /** Offsets (in the document) of the marker's string value, inside the quotes. */
  valueStart: number;
  valueEnd: number;
  value: string;
  namespace?: string;
  name?: string;
  suffix?: string;
  /** Offsets of the policy name inside the value (only when the value has `ns:name`). */
  nameStart?: number;
  nameEnd?: number;
}

const MARKER = /#\s*\{\s*"\$imagepolicy"\s*:\s*"([^"\n]*)/g;

/** The setter markers of a text (a document, or a single line), with offsets into it. */
export function findMarkers(text: string): SetterMarker[] {
  if (!text.includes('$imagepolicy')) return [];
  const out: SetterMarker[] = [];
  MARKER.lastIndex = 0;
  for (let m = MARKER.exec(text); m; m = MARKER.exec(text)) {
    const value = m[1];
    // The value is the match's last group, so it ends the match.
    const valueStart = m.index + m[0].length - value.length;
    const marker: SetterMarker = { valueStart, valueEnd: valueStart + value.length, value };
    const parts = value.split(':');
    if (parts.length >= 2 && parts[0] && parts[1]) {
      marker.namespace = parts[0];
      marker.name = parts[1];
      marker.nameStart = valueStart + parts[0].length + 1;
      marker.nameEnd = marker.nameStart + parts[1].length;
      if (parts.length > 2) marker.suffix = parts.slice(2).join(':');
    }
    out.push(marker);
  }
  return out;
}

const cache = new DocumentSlot<SetterMarker[]>();
export function documentMarkers(parsed: ParsedDocument): SetterMarker[] {
  let markers = cache.get(parsed);
  if (!markers) {
    markers = findMarkers(parsed.text);
    cache.set(parsed, markers);
  }
  return markers;
}

/** Markers as ImagePolicy references, ranges relative to the document. */
export function setterMarkers(parsed: ParsedDocument) {
  return documentMarkers(parsed).flatMap((m) => {
    if (m.name === undefined || m.namespace === undefined || m.nameStart === undefined || m.nameEnd === undefined) return [];
    const identity = parsed.identity;
    return [{
      role: 'setter' as const,
      field: '$imagepolicy',
      path: [],
      fromKind: identity?.kind ?? '',
      fromName: identity?.name,
      fromNamespace: identity?.namespace,
      kind: 'ImagePolicy',
      explicitKind: true,
      allowedKinds: ['ImagePolicy'],
      name: m.name,
      namespace: m.namespace,
      writtenNamespace: m.namespace,
      // The whole `namespace:name`, so navigation works from either part.
      nameRange: parsed.lines.rangeOf(m.valueStart, m.nameEnd),
    }];
  });
}

/** Markers the controller can never match: no namespace, or a suffix it does not know. */
export function markerFormatFindings(parsed: ParsedDocument): Finding[] {
  const findings: Finding[] = [];
  for (const m of documentMarkers(parsed)) {
    const range: Range = parsed.lines.rangeOf(m.valueStart, Math.max(m.valueEnd, m.valueStart + 1));
    if (m.name === undefined) {
      findings.push({ range, severity: 'warning', code: 'flux/imagepolicy-marker', message: `"$imagepolicy": "${m.value}" must name <namespace>:<policy>; image-automation-controller matches markers by namespace and name, so this field is never updated` });
    } else if (m.suffix !== undefined && !(MARKER_SUFFIXES as readonly string[]).includes(m.suffix)) {
      findings.push({ range, severity: 'warning', code: 'flux/imagepolicy-marker', message: `"$imagepolicy" suffix ":${m.suffix}" is not one of :tag, :name or :digest; image-automation-controller does not update this field` });
    }
  }
  return findings;
}
