// Go templates (Helm chart templates, `flux debug` test data, generated manifests) are not
// YAML until they are rendered: `namespace: {{ .ns }}` parses as a map, `{{- range }}` lines
// break the syntax. Such a document is never judged by the Flux schemas or rules: it keeps at
// most one YAML syntax finding for its file, as a warning. A quoted template value
// (`interval: "{{ .Values.interval }}"`) is left out of every finding that judges its text.
import type { ParsedDocument, YamlFile } from './documents';
import type { Finding } from './types';
import { NOT_FULLY_JUDGED } from './workBudget';

/** `{{` before any comment or quote on its line: a template action the YAML parser reads as flow maps. */
const UNQUOTED_ACTION = /^[^#"'\n]*\{\{/m;
const ACTION = /\{\{[\s\S]*?\}\}/;

const templates = new WeakMap<ParsedDocument, boolean>();

/** Does the document hold a Go template action outside quotes? (cached per parse) */
export function isTemplateDocument(parsed: ParsedDocument): boolean {
  let known = templates.get(parsed);
  if (known === undefined) {
    known = parsed.text.includes('{{') && UNQUOTED_ACTION.test(parsed.text);
    templates.set(parsed, known);
  }
  return known;
}

/** What becomes of one finding: itself, a quieter copy, or null (dropped); cached per finding object. */
const verdicts = new WeakMap<Finding, Finding | null>();

function verdict(file: YamlFile, finding: Finding): Finding | null {
  // Saying that a file was not fully judged is about the workspace, not about the template.
  if (finding.code === NOT_FULLY_JUDGED) return finding;
  const known = verdicts.get(finding);
  if (known !== undefined) return known;
  let out: Finding | null = finding;
  const doc = file.documentAtLine(finding.range.start.line);
  if (doc && isTemplateDocument(doc.parsed)) {
    out = finding.code.startsWith('yaml/')
      ? { ...finding, severity: 'warning', message: `${finding.message} (this document holds Go template actions {{ … }}: it is YAML only once rendered)` }
      : null;
  } else if (!finding.code.startsWith('yaml/') && doc?.parsed.text.includes('{{')) {
    const text = file.text.slice(file.lines.offsetAt(finding.range.start), file.lines.offsetAt(finding.range.end));
    if (ACTION.test(text)) out = null;
  }
  verdicts.set(finding, out);
  return out;
}

/** The findings of a file with Go templates made quiet (see the top of this file). */
export function quietTemplates(file: YamlFile, findings: readonly Finding[]): Finding[] {
  let syntaxKept = false;
  const out: Finding[] = [];
  for (const finding of findings) {
    const kept = verdict(file, finding);
    if (!kept) continue;
    if (kept !== finding) {
      // Template documents keep one syntax finding for the whole file.
      if (syntaxKept) continue;
      syntaxKept = true;
    }
    out.push(kept);
  }
  return out;
}
