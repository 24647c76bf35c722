// The paths rule: a Kustomization whose source is the repository being edited must point its
// spec.path at a folder that exists (else Flux fails it: "kustomization path not found") and
// that holds manifests (else it applies nothing, and with prune deletes what it applied before).
// Only judged when the source is known to be this repository, never on a guess.
import type { YamlFile } from './documents';
import type { Finding, Range } from './types';
import { shiftRange } from './lineIndex';
import { nodeAtPath } from './yamlPath';
import { applyGraphOf, normalizeSourcePath, keyOf, type ApplyGraph, type Applier } from './applyGraph';
import type { WorkspaceIndex } from './workspaceIndex';
import type { QuickFix } from './rules/edits';
import ignore from 'ignore';

export const PATH_NOT_FOUND = 'flux/path-not-found';
export const PATH_EMPTY = 'flux/path-empty';

interface PathFixData {
  candidates: string[];
}

function pathValueRange(file: YamlFile, applier: Applier): Range | undefined {
  const doc = file.documents[applier.documentIndex];
  if (!doc) return undefined;
  // The Kustomization a FluxInstance (or the flux-instance chart) makes reads its path from the sync.
  const at = applier.facts.madeBy === 'FluxInstance' ? ['spec', 'sync', 'path']
    : applier.facts.madeBy === 'flux-instance chart' ? ['spec', 'values', 'instance', 'sync', 'path'] : ['spec', 'path'];
  const found = nodeAtPath(doc.parsed.yaml, at);
  const node = found.depth === at.length ? found.value : undefined;
  const r = node?.range;
  if (!r) return undefined;
  return shiftRange(doc.parsed.lines.rangeOf(r[0], r[1]), doc.chunk.startLine);
}

/** Levenshtein distance (small strings: folder paths). */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = up;
    }
  }
  return row[b.length];
}

/** Folders of the workspace under a root, relative to it (those holding files, and their parents). */
function foldersUnder(graph: ApplyGraph, root: string): string[] {
  const out: string[] = [];
  const stack = [root];
  while (stack.length) {
    const folder = stack.pop()!;
    if (folder !== root) out.push(folder.slice(root.length, -1));
    stack.push(...graph.subFolders(folder));
  }
  return out;
}

/** The existing folders nearest to a missing path, written the way the path was. */
export function nearestFolders(graph: ApplyGraph, applier: Applier, limit = 3): string[] {
  const wanted = normalizeSourcePath(applier.facts.path);
  const prefix = applier.facts.path.startsWith('./') ? './' : applier.facts.path.startsWith('/') ? '/' : '';
  const scored = foldersUnder(graph, keyOf(applier.root.uri))
    .filter((f) => !f.split('/').some((s) => s.startsWith('.')))
    .map((f) => ({ f, d: distance(wanted, f) }))
    .sort((a, b) => a.d - b.d || a.f.length - b.f.length || a.f.localeCompare(b.f));
  return scored.slice(0, limit).map((s) => `${prefix}${s.f}`);
}

/** Path findings of the Kustomizations in a file (file coordinates). */
export function pathFindings(file: YamlFile, index: WorkspaceIndex): Finding[] {
  const graph = applyGraphOf(index);
  const out: Finding[] = [];
  for (const applier of graph.appliersIn(file.uri)) {
    if (applier.relation !== 'workspace' || !applier.root.repository || !applier.folder) continue;
    const state = graph.folderState(applier.folder);
    const excluded = state === 'manifests' ? excludedBy(applier) : undefined;
    if (state !== 'missing' && state !== 'empty' && !excluded) continue;
    const range = pathValueRange(file, applier);
    if (!range) continue;
    const written = applier.facts.path;
    if (excluded) {
      out.push({
        range,
        severity: 'error',
        code: PATH_NOT_FOUND,
        message: `path "${written}" exists here but is left out of the artifact (${excluded}), so Flux fails this Kustomization ("kustomization path not found"); ${applier.sourceNote}`,
      });
    } else if (state === 'missing') {
      const candidates = nearestFolders(graph, applier);
      const data: PathFixData = { candidates };
      out.push({
        range,
        severity: 'error',
        code: PATH_NOT_FOUND,
        message: `path "${written}" does not exist in ${applier.artifact ? 'the folder the artifact is built from' : 'this repository'}, so Flux fails this Kustomization ("kustomization path not found"); ${applier.sourceNote}${candidates.length ? `. Nearest folders: ${candidates.join(', ')}` : ''}`,
        data,
      });
    } else {
      out.push({
        range,
        severity: 'warning',
        code: PATH_EMPTY,
        message: `path "${written}" holds no manifests: this Kustomization applies nothing, and with prune it deletes what it applied before`,
      });
    }
  }
  return out;
}

/** Quick fixes for flux/path-not-found: point the path at one of the nearest existing folders. */
export function pathFixes(uri: string, file: YamlFile, finding: { range: Range; data?: unknown }): QuickFix[] {
  const candidates = (finding.data as Partial<PathFixData> | undefined)?.candidates;
  if (!Array.isArray(candidates)) return [];
  const start = file.lines.offsetAt(finding.range.start);
  const end = file.lines.offsetAt(finding.range.end);
  const written = file.text.slice(start, end);
  const quote = written.startsWith('"') || written.startsWith("'") ? written[0] : '';
  return candidates.filter((c): c is string => typeof c === 'string').map((candidate, i) => ({
    title: `Change the path to ${candidate}`,
    kind: 'quickfix' as const,
    ...(i === 0 ? { isPreferred: true } : {}),
    edits: { [uri]: [{ range: finding.range, newText: `${quote}${candidate}${quote}` }] },
  }));
}

/** Files Flux's push leaves out of every artifact (FLUX-FACTS: the default ignore list). */
const DEFAULT_EXCLUDED = ['.git/', '.gitignore', '.gitmodules', '.gitattributes', '*.jpg', '*.jpeg', '*.gif', '*.png', '*.wmv', '*.flv', '*.tar.gz', '*.zip'];

/** Why a Kustomization's folder is left out of its artifact (`--ignore-paths`, the default list), or undefined. */
function excludedBy(applier: Applier): string | undefined {
  const entry = applier.artifact;
  if (!entry || !applier.folder) return undefined;
  const relative = applier.folder.slice(applier.root.uri.length);
  if (!relative) return undefined;
  if (entry.ignorePaths.length && ignore().add(entry.ignorePaths).ignores(relative)) return `--ignore-paths ${entry.ignorePaths.join(',')}`;
  if (applier.sourceIgnore && ignore().add(applier.sourceIgnore).ignores(relative)) return 'the OCIRepository\'s spec.ignore';
  if (ignore().add(DEFAULT_EXCLUDED).ignores(relative)) return 'Flux leaves it out of every artifact it pushes';
  return undefined;
}

/**
 * Go to definition on a Kustomization's `spec.path`: the folder it applies, revealed through its
 * kustomization.yaml (else the first file the Kustomization applies from it).
 */
export function pathDefinition(file: YamlFile, index: WorkspaceIndex, position: { line: number; character: number }): { uri: string; range: Range }[] {
  const graph = applyGraphOf(index);
  for (const applier of graph.appliersIn(file.uri)) {
    const range = pathValueRange(file, applier);
    if (!range || !applier.folder || position.line < range.start.line || position.line > range.end.line) continue;
    if (position.line === range.start.line && position.character < range.start.character) continue;
    if (position.line === range.end.line && position.character > range.end.character) continue;
    const files = graph.filesAppliedBy(applier).filter((uri) => keyOf(uri).startsWith(applier.folder!));
    const top = files.find((uri) => /\/kustomization\.ya?ml$/.test(keyOf(uri).slice(applier.folder!.length - 1)) && !keyOf(uri).slice(applier.folder!.length).includes('/'));
    // Else the shallowest file, so the folder itself is what the editor reveals.
    const depth = (uri: string) => keyOf(uri).slice(applier.folder!.length).split('/').length;
    const target = top ?? [...files].sort((a, b) => depth(a) - depth(b) || (a < b ? -1 : 1))[0];
    return target ? [{ uri: target, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } }] : [];
  }
  return [];
}
