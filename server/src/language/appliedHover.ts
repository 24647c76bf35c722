// Hover on a document's `kind:` or `metadata:`: which Flux Kustomization(s) of the workspace
// apply it, from which path, into which namespace, with which patches and substitution.
import type { YamlFile } from './documents';
import type { WorkspaceIndex } from './workspaceIndex';
import { applyGraphOf, type Application } from './applyGraph';
import { relativeName } from './hover';

const code = (text: string) => `\`${text.replace(/`/g, "'")}\``;

function describeApplication(index: WorkspaceIndex, app: Application, file: YamlFile, documentIndex: number): string {
  const graph = applyGraphOf(index);
  const by = app.by;
  const ownNamespace = graph.effectiveNamespace(by.uri, by.documentIndex) ?? by.facts.namespace;
  const name = `${ownNamespace ? `${ownNamespace}/` : ''}${by.facts.name ?? '(unnamed)'}`;
  const line = (index.documentsIn(by.uri)[by.documentIndex]?.object?.nameRange.start.line ?? 0) + 1;
  const lines = [`- Kustomization ${code(name)} in [${relativeName(by.uri, file.uri)}, line ${line}](${by.uri}#L${line}), path ${code(by.facts.path || './')}`];
  const facts: string[] = [];
  const namespace = graph.effectiveNamespace(file.uri, documentIndex);
  if (by.facts.targetNamespace) facts.push(`namespace ${code(by.facts.targetNamespace)} (its targetNamespace)`);
  else if (app.kustomizeNamespace) facts.push(`namespace ${code(app.kustomizeNamespace)} (kustomization.yaml)`);
  else if (namespace) facts.push(`namespace ${code(namespace)}`);
  const doc = file.documents[documentIndex];
  const patches = doc ? graph.patchesFor(file.uri, doc).filter((p) => p.by === by).length : 0;
  if (patches) facts.push(`${patches} patch${patches === 1 ? '' : 'es'} change${patches === 1 ? 's' : ''} it`);
  if (graph.substitutes(by)) facts.push('`${VAR}` values are substituted (postBuild)');
  if (facts.length) lines[0] += `: ${facts.join('; ')}`;
  return lines.join('\n');
}

/** The "applied by" section for a document of a file, or undefined when the workspace has no graph to tell. */
export function appliedBySection(index: WorkspaceIndex, file: YamlFile, line: number): string | undefined {
  const doc = file.documentAtLine(line);
  if (!doc?.parsed.identity) return undefined;
  const graph = applyGraphOf(index);
  const apps = graph.applicationsOf(file.uri);
  if (apps.length === 0) {
    if (!graph.allAppliers().some((a) => a.folder)) return undefined;
    return '**Applied by:** no Flux Kustomization of this workspace applies this file.';
  }
  return [`**Applied by** (${apps.length === 1 ? 'one Kustomization' : `${apps.length} Kustomizations`}):`, ...apps.map((a) => describeApplication(index, a, file, doc.index))].join('\n');
}

/**
 * Hover on a Kustomization's `spec.path` or `spec.sourceRef`: what it applies and from where
 * (the folder of this workspace, and for an OCI source the artifact and how its folder is known).
 */
export function appliesSection(index: WorkspaceIndex, file: YamlFile, line: number): string | undefined {
  const doc = file.documentAtLine(line);
  if (!doc) return undefined;
  const graph = applyGraphOf(index);
  const applier = graph.applierAt(file.uri, doc.index);
  if (!applier) return undefined;
  const path = applier.facts.path || './';
  if (applier.artifactNote) return `**Applies** ${code(path)} of ${applier.artifactNote}`;
  if (applier.folder) return `**Applies** ${code(graph.describeFolder(applier.folder))}: ${applier.sourceNote}.`;
  return `**Applies** ${code(path)} of its source: ${applier.sourceNote}.`;
}
