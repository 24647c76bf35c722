// Completion and hover inside `# {"$imagepolicy": "<namespace>:<policy>"}` setter markers, which
// may sit in any YAML file (plain manifests, HelmRelease values), Flux or not.
import type { YamlFile } from './documents';
import type { CompletionEntry } from './completion/types';
import type { Position, Range } from './types';
import type { IndexedObject, WorkspaceIndex } from './workspaceIndex';
import { findMarkers, type SetterMarker } from './rules/imagePolicyMarkers';
import { linesOf } from './completion/documentView';
import { relativeName } from './paths';

/** The marker whose string value holds the position, with the line's text. */
export function markerAt(file: YamlFile, position: Position): { marker: SetterMarker; lineStart: number } | undefined {
  const text = file.text;
  const lineStart = file.lines.offsetAt({ line: position.line, character: 0 });
  const newline = text.indexOf('\n', lineStart);
  const line = text.slice(lineStart, newline === -1 ? text.length : newline);
  const marker = findMarkers(line).find((m) => position.character >= m.valueStart && position.character <= m.valueEnd);
  return marker ? { marker, lineStart } : undefined;
}

const label = (index: WorkspaceIndex, o: IndexedObject) => `${index.objectNamespace(o)}:${o.identity.name}`;

/** Policy names for the marker under the cursor; undefined when the cursor is not in one. */
export function markerCompletions(file: YamlFile, position: Position, index: WorkspaceIndex): CompletionEntry[] | undefined {
  const hit = markerAt(file, position);
  if (!hit) return undefined;
  const { marker } = hit;
  // Replace `namespace:name`, keeping a `:tag`/`:name`/`:digest` suffix.
  const end = marker.nameEnd ?? marker.valueEnd;
  const range: Range = { start: { line: position.line, character: marker.valueStart }, end: { line: position.line, character: end } };
  const policies = index.objectsOfKind('ImagePolicy').filter((o) => index.objectNamespace(o) !== undefined);
  policies.sort((a, b) => label(index, a).localeCompare(label(index, b)));
  return policies.map((o, i) => ({
    label: label(index, o),
    kind: 'reference',
    detail: 'ImagePolicy',
    documentation: `Defined in \`${relativeName(o.uri, file.uri)}\` line ${o.nameRange.start.line + 1}`,
    newText: label(index, o),
    snippet: false,
    range,
    sortText: String(i).padStart(4, '0'),
    filterText: label(index, o),
  }));
}

const code = (text: string) => `\`${text.replace(/`/g, "'")}\``;

const REPLACES: Record<string, string> = {
  tag: 'the tag only',
  name: 'the image name only (without the tag)',
  digest: 'the digest only',
};

/** Hover text for the marker under the cursor: the policy, its image repository and what gets written. */
export function markerHover(file: YamlFile, position: Position, index: WorkspaceIndex): { markdown: string; range: Range } | undefined {
  const hit = markerAt(file, position);
  if (!hit) return undefined;
  const { marker } = hit;
  const range: Range = { start: { line: position.line, character: marker.valueStart }, end: { line: position.line, character: marker.valueEnd } };
  const writes = marker.suffix ? REPLACES[marker.suffix] : 'the whole image reference (name and tag)';
  const intro = `**Image automation marker** · image-automation-controller writes ${writes ?? `nothing: ${code(`:${marker.suffix}`)} is not a suffix it knows`} here from the ImagePolicy's latest image.`;
  if (marker.name === undefined || marker.namespace === undefined) {
    return { markdown: `${intro}\n\nA marker names ${code('<namespace>:<policy>')}; this one has no namespace, so it matches no policy.`, range };
  }
  const found = index.resolve({ kind: 'ImagePolicy', name: marker.name, namespace: marker.namespace });
  if (found.length === 0) {
    return { markdown: `${intro}\n\nNo ImagePolicy ${code(`${marker.namespace}/${marker.name}`)} in the workspace.`, range };
  }
  const policy = found[0];
  const facts: string[] = [];
  const parsed = index.file(policy.uri)?.documents[policy.documentIndex]?.parsed;
  if (parsed) {
    const lines = linesOf(parsed);
    const semver = lines.scalarAt(['spec', 'policy', 'semver', 'range']);
    const alphabetical = lines.scalarAt(['spec', 'policy', 'alphabetical', 'order']);
    const numerical = lines.scalarAt(['spec', 'policy', 'numerical', 'order']);
    if (semver !== undefined) facts.push(`policy: highest version in semver range ${code(semver)}`);
    else if (numerical !== undefined) facts.push(`policy: numerical order ${code(numerical)}`);
    else if (alphabetical !== undefined) facts.push(`policy: alphabetical order ${code(alphabetical)}`);
    const pattern = lines.scalarAt(['spec', 'filterTags', 'pattern']);
    if (pattern !== undefined) facts.push(`filterTags.pattern: ${code(pattern)}${lines.scalarAt(['spec', 'filterTags', 'extract']) ? `, extract ${code(lines.scalarAt(['spec', 'filterTags', 'extract'])!)}` : ''}`);
  }
  const repoRef = index.referencesIn(policy.uri).find((r) => r.documentIndex === policy.documentIndex && r.role === 'image');
  const repo = repoRef ? index.resolveRef(repoRef)[0] : undefined;
  const repoDoc = repo ? index.file(repo.uri)?.documents[repo.documentIndex]?.parsed : undefined;
  const image = repoDoc ? linesOf(repoDoc).scalarAt(['spec', 'image']) : undefined;
  if (repoRef) facts.unshift(`image repository: ${repo ? `ImageRepository ${code(repo.identity.name)}` : `${code(repoRef.name)} (not in the workspace)`}${image ? `, image ${code(image)}` : ''}`);
  const line = policy.nameRange.start.line + 1;
  const out = [
    intro,
    '',
    `**ImagePolicy** ${code(`${marker.namespace}/${marker.name}`)}`,
    '',
    ...facts.map((f) => `- ${f}`),
    '',
    `Defined in [${relativeName(policy.uri, file.uri)}, line ${line}](${policy.uri}#L${line})`,
  ];
  return { markdown: out.join('\n'), range };
}
