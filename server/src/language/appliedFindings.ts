// Judging documents as Flux applies them. The per-document lint (cached by text) and the
// workspace rules judge the raw file; this step, run last, drops what the apply graph shows is
// not a problem once Flux has built the document:
// - a required field that a patch of the Kustomization applying it supplies (`spec.patches`, or
//   a kustomization.yaml patch on the way): child Kustomizations often get interval and prune so;
// - a value holding `${VAR}` in a document applied by a Kustomization with postBuild
//   substitution: Flux replaces it before apply, so its text cannot be judged by a pattern,
//   enum or type.
// Where no Kustomization of the workspace is known to apply a file, one elsewhere (in the cluster,
// in another repository) may substitute: an error on a value holding `${VAR}` is then a warning.
// It also adds the paths rule (appliedPaths.ts). The caches of the other phases stay intact.
import type { YamlFile, PlacedDocument } from './documents';
import type { Finding } from './types';
import type { WorkspaceIndex } from './workspaceIndex';
import type { LintContext } from './lint';
import { lintFile } from './lint';
import { workspaceFindings } from './rules';
import { applyGraphOf } from './applyGraph';
import { pathFindings } from './appliedPaths';
import { pathAtOffset } from './yamlPath';
import type { FileChecker } from './fileChecker';
import { quietTemplates } from './templates';
import { NOT_FULLY_JUDGED } from './workBudget';

/** `${VAR}`, `${VAR:=default}`, `${VAR:-default}`, `${VAR=default}`: what Flux's envsubst replaces. */
export const SUBSTITUTION = /\$\{[A-Za-z_][A-Za-z0-9_]*(?::?[-=+?][^}]*)?\}/;

/** Codes that judge keys, structure or the API version, which substitution does not change. */
const NOT_VALUE_CODES = new Set(['schema/required', 'schema/unknown-field', 'flux/removed-api-version', 'flux/unknown-kind', 'flux/unknown-api-version']);

/**
 * The field a schema/required finding misses, e.g. ['spec', 'interval']: the finding names the
 * field and sits on the key of the map that lacks it (on the kind for a top-level field).
 */
function requiredField(doc: PlacedDocument, finding: Finding): string[] | undefined {
  const missing = finding.message.match(/^missing required field "([^"]+)"/)?.[1];
  if (!missing) return undefined;
  const line = finding.range.start.line - doc.chunk.startLine;
  // One character in: at the key's first character the previous pair's range (which ends after
  // its line break) would claim the offset.
  const offset = doc.parsed.lines.offsetAt({ line, character: finding.range.start.character + 1 });
  const { path, onKey } = pathAtOffset(doc.parsed.yaml, offset);
  if (path.some((s) => typeof s !== 'string')) return undefined;
  if (onKey) return [...path.map(String), missing];
  return path.length === 1 && path[0] === 'kind' ? [missing] : undefined;
}

/**
 * The test a finding of the file must pass to hold as applied; undefined when the apply graph
 * drops nothing from this file (no Kustomization applying it patches or substitutes).
 */
function appliedFilter(file: YamlFile, index: WorkspaceIndex): ((finding: Finding) => boolean) | undefined {
  const graph = applyGraphOf(index);
  const apps = graph.applicationsOf(file.uri);
  if (apps.length === 0) return undefined;
  const patched = apps.some((a) => a.kustomizePatches.length > 0 || a.by.facts.patches.length > 0);
  const substituted = apps.some((a) => graph.substitutes(a.by));
  if (!patched && !substituted) return undefined;
  return (finding) => {
    if (finding.code.startsWith('yaml/')) return true;
    const doc = file.documentAtLine(finding.range.start.line);
    if (!doc) return true;
    if (finding.code === 'schema/required') {
      const field = patched ? requiredField(doc, finding) : undefined;
      return !(field && graph.fieldSuppliedByPatch(file.uri, doc, field));
    }
    if (!substituted || NOT_VALUE_CODES.has(finding.code)) return true;
    const text = file.text.slice(file.lines.offsetAt(finding.range.start), file.lines.offsetAt(finding.range.end));
    return !(SUBSTITUTION.test(text) && graph.substitutedBy(file.uri, doc));
  };
}

/**
 * Errors on `${VAR}` values of a file no Kustomization of the workspace is known to apply, as
 * warnings: whether the one that applies it substitutes variables cannot be known.
 */
function softenUnknownSubstitution(file: YamlFile, index: WorkspaceIndex, findings: Finding[]): Finding[] {
  // Only value errors can be softened; most publishes have none, and then nothing is read
  // (the whole text of a big file is not joined for every keystroke).
  const judgesValue = (f: Finding) => f.severity === 'error' && !f.code.startsWith('yaml/') && !NOT_VALUE_CODES.has(f.code);
  if (!findings.some(judgesValue) || applyGraphOf(index).applicationsOf(file.uri).length > 0) return findings;
  return findings.map((finding) => {
    if (!judgesValue(finding)) return finding;
    const doc = file.documentAtLine(finding.range.start.line);
    if (!doc || !doc.parsed.text.includes('${')) return finding;
    const at = (p: { line: number; character: number }) => doc.parsed.lines.offsetAt({ line: p.line - doc.chunk.startLine, character: p.character });
    const variable = SUBSTITUTION.exec(doc.parsed.text.slice(at(finding.range.start), at(finding.range.end)))?.[0];
    if (!variable) return finding;
    return { ...finding, severity: 'warning', message: `${finding.message} (unless ${variable} is substituted: no Kustomization of this workspace is known to apply this file, and one with postBuild substitution would replace it before applying)` };
  });
}

/** Drops the findings the apply graph shows do not hold for the document as applied. */
export function judgeAsApplied(file: YamlFile, index: WorkspaceIndex, findings: readonly Finding[]): Finding[] {
  const keep = findings.length ? appliedFilter(file, index) : undefined;
  return keep ? findings.filter(keep) : [...findings];
}

/**
 * Every finding of a file, judged as Flux applies it: the per-document lint and the workspace
 * rules, filtered by the apply graph, plus the paths rule. What the CLI and the server publish.
 */
export function lintAsApplied(file: YamlFile, index: WorkspaceIndex, context: LintContext): Finding[] {
  if (index.file(file.uri) !== file) index.setFile(file.uri, file.text);
  const raw = [...lintFile(file, context), ...workspaceFindings(file, index, context)];
  const abandoned = abandonedFindings(file, index, raw);
  if (abandoned) return quietTemplates(file, abandoned);
  return quietTemplates(file, [...softenUnknownSubstitution(file, index, judgeAsApplied(file, index, raw)), ...pathFindings(file, index)]);
}

/**
 * `lintAsApplied` for the editor: the file's findings kept current edit by edit by its checker,
 * judged as applied. A verdict depends on the finding's document (a finding object the checker
 * keeps belongs to an unchanged document) and on the apply graph and cross-file facts, so
 * verdicts are kept per finding until the graph version or the index structure version moves.
 */
export function checkAsApplied(checker: FileChecker, index: WorkspaceIndex, context: LintContext): Finding[] {
  const { file } = checker;
  const raw = checker.findings(index, context);
  const abandoned = abandonedFindings(file, index, raw);
  if (abandoned) return quietTemplates(file, abandoned);
  const keep = raw.length ? appliedFilter(file, index) : undefined;
  let judged = raw;
  if (keep) {
    const key = `${applyGraphOf(index).version}|${index.structureVersion}`;
    let cache = verdicts.get(checker);
    if (!cache || cache.key !== key) {
      cache = { key, keep: new WeakMap() };
      verdicts.set(checker, cache);
    }
    const known = cache.keep;
    judged = raw.filter((finding) => {
      let verdict = known.get(finding);
      if (verdict === undefined) {
        verdict = keep(finding);
        known.set(finding, verdict);
      }
      return verdict;
    });
  }
  judged = softenUnknownSubstitution(file, index, judged);
  const paths = pathFindings(file, index);
  return quietTemplates(file, paths.length ? [...judged, ...paths] : judged);
}

export { NOT_FULLY_JUDGED };

/**
 * When the apply graph stopped at its work budget, what it knows of any file may be partial (a
 * parent's patch or substitution it never reached could remove a finding): the file keeps its
 * YAML syntax findings and gets one information finding saying so. Undefined while the graph is whole.
 */
export function abandonedFindings(file: YamlFile, index: WorkspaceIndex, findings: readonly Finding[]): Finding[] | undefined {
  const graph = applyGraphOf(index);
  if (graph.judgesFully) return undefined;
  const shortfall = graph.shortfall!;
  const where = shortfall.at ? ` (it was at ${shortfall.at.slice(shortfall.at.lastIndexOf('/') + 1)})` : '';
  const notice: Finding = {
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    severity: 'info',
    code: NOT_FULLY_JUDGED,
    message: `not fully judged: ${shortfall.what} of this workspace stopped at its limit of ${shortfall.limit} steps${where}, `
      + 'so Kustomizations apply each other\'s folders more times over than can be followed; only YAML syntax is reported for this file',
  };
  return [...findings.filter((f) => f.code.startsWith('yaml/')), notice];
}

const verdicts = new WeakMap<FileChecker, { key: string; keep: WeakMap<Finding, boolean> }>();
