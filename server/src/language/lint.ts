// Lints the documents of one YAML file: syntax, Flux identity, schema.
// Findings of a document depend only on its text and the settings, so they are cached on it.
import { shiftRange } from './lineIndex';
import type { ParsedDocument, PlacedDocument, YamlFile } from './documents';
import { isMap, type Node } from 'yaml';
import { findPair, isFluxGroup, looksLikeFlux, scalarString, splitApiVersion } from './fluxObjects';
import { defaultCatalog, type SchemaCatalog } from './schemas';
import { schemaFindings } from './diagnostics/schema';
import { removedApiVersion } from './apiVersions';
import { nodeAtPath } from './yamlPath';
import { planMigration, describeMigration } from './rules/removedApiVersion';
import { localRuleFindings } from './rules/local';
import { isPartialFile, usesFluxOperator } from './workspaceIndex';
import type { Finding, LintSettings } from './types';
import { DEFAULT_LINT_SETTINGS } from './types';
import { documentGraphFacts } from './applyFacts';

const settingsKey = (s: LintSettings) => `${s.unknownFields}${s.fluxOperator ? '|operator' : ''}`;

export interface LintContext {
  catalog: SchemaCatalog;
  settings: LintSettings;
  /**
   * How to report sourceRef/chartRef/dependsOn names found nowhere in the workspace. The editor
   * passes its setting (default warning); unset means off (the CLI, linting a slice of a repo).
   */
  unresolvedReferences?: 'warning' | 'off';
}

export function defaultLintContext(settings: Partial<LintSettings> = {}): LintContext {
  return { catalog: defaultCatalog(), settings: { ...DEFAULT_LINT_SETTINGS, ...settings } };
}

/** Findings of one document, positions relative to the document's first line. */
export function lintDocument(parsed: ParsedDocument, context: LintContext): Finding[] {
  const key = settingsKey(context.settings);
  let findings = parsed.localFindings.get(key);
  if (!findings) {
    findings = computeDocumentFindings(parsed, context);
    parsed.localFindings.set(key, findings);
    parsed.releasePlainValue();
  }
  return findings;
}

/**
 * Checks a document the index has read, caches what the apply graph and the checks read from it
 * (`warm` adds the caller's own), then drops its syntax tree: it is parsed again where a hover,
 * completion, edit or later check lands. Holding the trees of every document made opening a big
 * file, indexing a workspace and linting a tree mostly garbage collection.
 */
export function checkThenRelease(parsed: ParsedDocument, context: LintContext, warm?: (parsed: ParsedDocument) => void): void {
  documentGraphFacts(parsed); // before the lint, which drops the plain-data copy both read
  lintDocument(parsed, context);
  warm?.(parsed);
  parsed.releaseParse();
}

function computeDocumentFindings(parsed: ParsedDocument, { catalog, settings }: LintContext): Finding[] {
  const { yaml, identity } = parsed;
  if (yaml.errors.length > 0) {
    // Only speak up for documents that are recognisably Flux: Helm templates and other
    // non-YAML-ish files must stay silent.
    if (!(identity ? isFluxGroup(identity.group) : looksLikeFlux(parsed.text))) return [];
    return yaml.errors.map((e) => ({
      range: parsed.lines.rangeOf(e.pos[0], Math.max(e.pos[1], e.pos[0] + 1)),
      severity: 'error' as const,
      code: 'yaml/syntax',
      message: `YAML syntax error: ${e.message.split('\n')[0]}`,
    }));
  }
  if (!identity) {
    const missingKind = missingKindFinding(parsed, catalog);
    return missingKind ? [missingKind] : localRuleFindings(parsed);
  }
  if (!isFluxGroup(identity.group) || !catalog.knowsGroup(identity.group)) return localRuleFindings(parsed);
  const plain = parsed.plainValue;
  if (!plain.ok) {
    const [start, end] = plain.at ?? [0, 1];
    const message = plain.unresolvedAlias !== undefined
      ? `alias *${plain.unresolvedAlias} has no anchor &${plain.unresolvedAlias} earlier in this document (anchors do not carry across ---)`
      : `YAML error: ${plain.message.split('\n')[0]}`;
    return [{ range: parsed.lines.rangeOf(start, end), severity: 'error', code: 'yaml/alias', message }];
  }
  const entry = catalog.find(identity.group, identity.version, identity.kind);
  const rangeOf = (path: string[]) => {
    const r = nodeAtPath(yaml, path).value?.range;
    return parsed.lines.rangeOf(r?.[0] ?? 0, r?.[1] ?? 0);
  };
  if (!catalog.kindsOf(identity.group).includes(identity.kind)) {
    const kinds = catalog.kindsOf(identity.group).join(', ');
    return [{ range: rangeOf(['kind']), severity: 'error', code: 'flux/unknown-kind', message: `${identity.group} has no kind "${identity.kind}"; its kinds are ${kinds}` }];
  }
  const removed = removedApiVersion(identity.group, identity.version, identity.kind);
  if (removed) {
    const served = catalog.servedVersion(identity.kind);
    const plan = planMigration(parsed, catalog);
    const changes = plan ? describeMigration(plan) : '';
    return [{
      range: rangeOf(['apiVersion']),
      severity: 'error',
      code: 'flux/removed-api-version',
      message: `${identity.apiVersion} ${identity.kind} is no longer served: ${removed.removedIn} removed it${served ? `; use ${served.group}/${served.version}` : ''}${changes ? ` (${changes})` : ''}`,
      data: { kind: identity.kind, from: identity.apiVersion, to: served ? `${served.group}/${served.version}` : undefined },
    }];
  }
  if (!entry || !entry.served) {
    const served = catalog.servedVersion(identity.kind);
    return [{ range: rangeOf(['apiVersion']), severity: 'error', code: 'flux/unknown-api-version', message: `${identity.kind} has no API version ${identity.version}${served ? `; current Flux serves ${served.group}/${served.version}` : ''}` }];
  }
  return [...schemaFindings(parsed, entry, catalog, settings), ...localRuleFindings(parsed)];
}

/**
 * A Flux apiVersion with no kind at all: the API server rejects the object, and nothing else can
 * be checked until the kind is known. (A kind that is present but not a string is left alone.)
 */
function missingKindFinding(parsed: ParsedDocument, catalog: SchemaCatalog): Finding | undefined {
  const root = parsed.yaml.contents;
  if (!isMap(root) || findPair(root, 'kind')) return undefined;
  const apiVersionPair = findPair(root, 'apiVersion');
  const apiVersion = scalarString(apiVersionPair?.value);
  if (!apiVersion || !apiVersionPair?.key) return undefined;
  const { group } = splitApiVersion(apiVersion);
  if (!isFluxGroup(group) || !catalog.knowsGroup(group)) return undefined;
  const key = (apiVersionPair.key as Node).range;
  return {
    range: parsed.lines.rangeOf(key?.[0] ?? 0, key?.[1] ?? 0),
    severity: 'error',
    code: 'schema/required',
    message: `missing required field "kind": the API server rejects an object without it (${group} kinds: ${catalog.kindsOf(group).join(', ')})`,
  };
}

/** Codes that do not apply to partial objects (kustomize patch files). */
const WHOLE_OBJECT_CODES = new Set(['schema/required', 'flux/helmrelease-chart-missing']);

/** Moves a document-relative finding to file coordinates. */
export function placeFinding(doc: PlacedDocument, finding: Finding): Finding {
  const offset = doc.chunk.startLine;
  return offset === 0 ? finding : { ...finding, range: shiftRange(finding.range, offset) };
}

/** The findings of one placed document in file coordinates (`partial`: the file is a kustomize patch). */
export function placedDocumentFindings(doc: PlacedDocument, context: LintContext, partial: boolean): Finding[] {
  const out: Finding[] = [];
  for (const finding of lintDocument(doc.parsed, context)) {
    if (partial && WHOLE_OBJECT_CODES.has(finding.code)) continue;
    out.push(placeFinding(doc, finding));
  }
  return out;
}

/**
 * The context a file's own documents are linted in: the settings say whether the workspace uses
 * the Flux Operator (a workspace-wide fact the file's index knows).
 */
export function fileLintContext(file: YamlFile, context: LintContext): LintContext {
  const operator = usesFluxOperator(file);
  return operator === (context.settings.fluxOperator === true) ? context : { ...context, settings: { ...context.settings, fluxOperator: operator } };
}

/** What `placedDocumentFindings` (in `fileLintContext`) depends on besides the document: equal keys, equal results. */
export function localFindingsKey(file: YamlFile, context: LintContext): string {
  return `${settingsKey(fileLintContext(file, context).settings)}|${isPartialFile(file) ? 'partial' : 'whole'}`;
}

/** All findings of a file, in file coordinates. */
export function lintFile(file: YamlFile, context: LintContext): Finding[] {
  const out: Finding[] = [];
  const partial = isPartialFile(file);
  context = fileLintContext(file, context);
  for (const doc of file.documents) {
    for (const finding of placedDocumentFindings(doc, context, partial)) out.push(finding);
  }
  return out;
}
