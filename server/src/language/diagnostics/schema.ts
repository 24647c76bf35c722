// Schema validation of one Flux document: ajv errors turned into findings with exact ranges
// and wording a Flux user understands.
import type { ErrorObject } from 'ajv';
import type { Node } from 'yaml';
import type { ParsedDocument } from '../documents';
import type { SchemaCatalog, SchemaEntry } from '../schemas';
import type { Finding, LintSettings, Severity } from '../types';
import { FLUX_OPERATOR_KINDS } from '../rules/referenceFields';
import { nodeAtPath, parseInstancePath, formatPath, type PathSegment } from '../yamlPath';
import { readDuration } from '../durations';
import { DURATION_PATTERN, DURATION_NO_HOURS_PATTERN, GO_DURATION, describePattern, withoutHours } from '../patterns';

const article = (kind: string) => (/^[AEIOU]/.test(kind) ? 'an' : 'a');

interface Located {
  start: number;
  end: number;
  value: unknown;
}

function locate(parsed: ParsedDocument, path: readonly PathSegment[], preferKey: boolean): Located {
  const found = nodeAtPath(parsed.yaml, path);
  const node: Node | null | undefined = preferKey ? found.key ?? found.value : found.value ?? found.key;
  const range = node?.range;
  if (range) return { start: range[0], end: range[1], value: found.value && 'toJSON' in found.value ? found.value.toJSON() : undefined };
  // Root: point at the kind value, the most recognisable place in the document.
  const kind = nodeAtPath(parsed.yaml, ['kind']).value?.range;
  return kind ? { start: kind[0], end: kind[1], value: undefined } : { start: 0, end: 0, value: undefined };
}

const show = (value: unknown): string => (typeof value === 'string' ? `"${value}"` : JSON.stringify(value));

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return `the string ${show(value)}`;
  return `the ${typeof value} ${JSON.stringify(value)}`;
}

function expectedType(type: unknown): string {
  const t = Array.isArray(type) ? type[0] : type;
  switch (t) {
    case 'object': return 'a map of fields';
    case 'array': return 'a list';
    case 'boolean': return 'true or false';
    case 'integer': return 'a whole number';
    case 'number': return 'a number';
    case 'string': return 'a string';
    default: return String(t);
  }
}

/** `data` of a schema/duration finding: the Go duration the value can be rewritten as. */
export interface DurationFixData { duration: string }

function patternMessage(field: string, value: unknown, pattern: string, kind: string): { code: string; message: string; data?: DurationFixData } {
  const text = typeof value === 'string' ? value : String(value);
  const fix = (duration: string | undefined) => (duration ? { data: { duration } } : {});
  if (pattern === DURATION_PATTERN) {
    return { code: 'schema/duration', message: `${field} ${show(text)} is not a duration; use a Go duration such as 10m or 1h30m`, ...fix(readDuration(text)) };
  }
  if (pattern === DURATION_NO_HOURS_PATTERN) {
    if (GO_DURATION.test(text)) {
      return { code: 'schema/duration', message: `${field} of ${article(kind)} ${kind} accepts ms, s and m only, not hours; write ${show(text)} as ${show(withoutHours(text))}`, ...fix(withoutHours(text)) };
    }
    return { code: 'schema/duration', message: `${field} ${show(text)} is not a duration; use ms, s or m units such as 60s or 5m`, ...fix(readDuration(text, false)) };
  }
  return { code: 'schema/pattern', message: `${field} ${show(text)} is not valid: ${field} must be ${describePattern(pattern)}` };
}

/** Validates a parsed Flux document against its schema. */
export function schemaFindings(parsed: ParsedDocument, entry: SchemaEntry, catalog: SchemaCatalog, settings: LintSettings): Finding[] {
  const validate = catalog.validator(entry);
  const plain = parsed.plainValue;
  if (!plain.ok || validate(plain.value)) return [];
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const error of collapse(validate.errors ?? [])) {
    const finding = toFinding(parsed, error, entry, settings);
    if (!finding) continue;
    const key = `${finding.code}:${finding.range.start.line}:${finding.range.start.character}:${finding.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    findings.push(finding);
  }
  return findings.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
}

/** anyOf produces one error per branch plus a summary; keep only the summary. */
function collapse(errors: ErrorObject[]): ErrorObject[] {
  const anyOfPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  return errors.filter((e) => e.keyword === 'anyOf' || !anyOfPaths.has(e.instancePath));
}

function toFinding(parsed: ParsedDocument, error: ErrorObject, entry: SchemaEntry, settings: LintSettings): Finding | undefined {
  const path = parseInstancePath(error.instancePath);
  const field = path.length ? String(path.filter((s) => typeof s === 'string').at(-1)) : entry.kind;
  const where = path.length > 1 ? ` in ${formatPath(path)}` : '';
  let severity: Severity = 'error';
  let code: string;
  let message: string;
  let data: DurationFixData | undefined;
  let target: Located;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required': {
      const missing = String(params.missingProperty);
      target = locate(parsed, path, true);
      code = 'schema/required';
      message = `missing required field "${missing}"${where}`;
      break;
    }
    case 'additionalProperties': {
      if (settings.unknownFields === 'off') return undefined;
      const extra = String(params.additionalProperty);
      target = locate(parsed, [...path, extra], true);
      severity = 'warning';
      code = 'schema/unknown-field';
      message = `unknown field "${extra}"${path.length > 1 ? ` in ${formatPath(path)}` : ''}: the API server drops it`;
      break;
    }
    case 'pattern': {
      target = locate(parsed, path, false);
      if (entry.kind === 'GitRepository' && field === 'url' && typeof target.value === 'string' && target.value.startsWith('oci://')) {
        code = 'flux/git-oci-url';
        message = 'a GitRepository cannot pull an oci:// URL (the API server rejects it); OCI artifacts are pulled by an OCIRepository';
        break;
      }
      if (entry.kind === 'OCIRepository' && field === 'url' && typeof target.value === 'string' && /^https?:\/\//i.test(target.value)) {
        code = 'flux/oci-url-scheme';
        message = `an OCIRepository url starts with oci://, not ${target.value.split(':')[0]}://; source-controller speaks the registry API itself (write oci://host/repository)`;
        break;
      }
      ({ code, message, data } = patternMessage(field, target.value, String(params.pattern), entry.kind));
      break;
    }
    case 'enum': {
      target = locate(parsed, path, false);
      code = 'schema/enum';
      const allowed = (params.allowedValues as unknown[]).map((v) => String(v)).join(', ');
      message = `${field} must be one of ${allowed}`;
      const refField = path.length >= 2 && field === 'kind' ? path.at(-2) : undefined;
      const listField = path.length === 4 && field === 'kind' && path[0] === 'spec' && typeof path[2] === 'number' ? `${entry.kind}.${String(path[1])}` : undefined;
      if ((listField === 'Alert.eventSources' || listField === 'Receiver.resources') && FLUX_OPERATOR_KINDS.includes(String(target.value))) {
        // The Flux Operator patches the notification CRDs to accept its own kinds. Whether the
        // cluster runs it cannot be read from files, so without evidence this is only a warning.
        if (settings.fluxOperator) return undefined;
        severity = 'warning';
        code = 'flux/operator-kind';
        message = `${String(target.value)} is a Flux Operator kind: the ${entry.kind} CRD takes it only in a cluster where the Operator runs (it adds its kinds to the CRD). Nothing in this workspace shows the Operator (no fluxcd.controlplane.io object, no flux-operator or flux-instance chart); if the cluster does not run it, the API server rejects this ${entry.kind}`;
      }
      if (refField === 'sourceRef' || refField === 'chartRef') {
        code = 'flux/ref-kind-not-allowed';
        message = `${article(entry.kind)} ${entry.kind} cannot use ${show(target.value)} as its ${refField}; ${refField}.kind must be one of ${allowed}`;
      }
      break;
    }
    case 'type': {
      target = locate(parsed, path, false);
      code = 'schema/type';
      const written = parsed.text.slice(target.start, target.end);
      const scalar = target.value === null || typeof target.value !== 'object';
      message = params.type === 'string' && scalar && written
        ? `${field} must be a string, not ${typeName(target.value)}; quote it: "${written.replace(/"/g, '\\"')}"`
        : `${field} must be ${expectedType(params.type)}, not ${typeName(target.value)}`;
      break;
    }
    case 'anyOf': {
      target = locate(parsed, path, false);
      code = 'schema/type';
      message = `${field} must be a whole number or a string, not ${typeName(target.value)}`;
      break;
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
    case 'minLength':
    case 'maxLength':
    case 'minItems':
    case 'maxItems':
    case 'minProperties':
    case 'maxProperties': {
      target = locate(parsed, path, false);
      code = 'schema/bounds';
      message = `${field} ${boundWords(error.keyword, params.limit)}`;
      break;
    }
    default: {
      target = locate(parsed, path, false);
      code = `schema/${error.keyword}`;
      message = `${field} ${error.message ?? 'is not valid'}`;
    }
  }
  return { range: parsed.lines.rangeOf(target.start, target.end), severity, code, message, ...(data ? { data } : {}) };
}

function boundWords(keyword: string, limit: unknown): string {
  switch (keyword) {
    case 'minimum': return `must be at least ${limit}`;
    case 'maximum': return `must be at most ${limit}`;
    case 'exclusiveMinimum': return `must be greater than ${limit}`;
    case 'exclusiveMaximum': return `must be less than ${limit}`;
    case 'minLength': return `must have at least ${limit} character${limit === 1 ? '' : 's'}`;
    case 'maxLength': return `must have at most ${limit} characters`;
    case 'minItems': return `must have at least ${limit} item${limit === 1 ? '' : 's'}`;
    case 'maxItems': return `must have at most ${limit} items`;
    case 'minProperties': return `must have at least ${limit} field${limit === 1 ? '' : 's'}`;
    default: return `must have at most ${limit} fields`;
  }
}

