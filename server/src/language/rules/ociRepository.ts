// OCIRepository url and ref: a tag or digest written into the url, an http(s) scheme, a
// repository path the registry will refuse, Docker Hub by omission; malformed digests,
// version ranges Flux cannot parse, semverFilter expressions that do not compile, and several
// refs at once (digest wins over semver, semver over tag).
import { isMap, type Node, type YAMLMap } from 'yaml';
import type { ParsedDocument, PlacedDocument } from '../documents';
import { scalarString } from '../fluxObjects';
import type { Finding, TextEdit } from '../types';
import { nodeAtPath } from '../yamlPath';
import { fileRange, replaceNode, setField, type QuickFix } from './edits';
import { checkConstraint, type RangeProblem } from './semverRange';
import { re2Problem } from './re2';

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const DIGEST = /^(sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128})$/;

export interface OciUrlParts {
  host?: string;
  path: string;
  tag?: string;
  digest?: string;
}

/** Splits the part after oci:// into host, repository path, tag and digest. */
export function splitOciUrl(url: string): OciUrlParts | undefined {
  if (!url.startsWith('oci://')) return undefined;
  let rest = url.slice('oci://'.length);
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const slash = rest.indexOf('/');
  const first = slash === -1 ? rest : rest.slice(0, slash);
  const hasHost = slash !== -1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const host = hasHost ? first : undefined;
  let path = hasHost ? rest.slice(slash + 1) : rest;
  let tag: string | undefined;
  const lastSlash = path.lastIndexOf('/');
  const colon = path.indexOf(':', lastSlash + 1);
  if (colon !== -1) {
    tag = path.slice(colon + 1);
    path = path.slice(0, colon);
  }
  return { host, path, tag, digest };
}

const scalarValue = (parsed: ParsedDocument, path: string[]) => {
  const node = nodeAtPath(parsed.yaml, path);
  return node.depth === path.length ? { node: node.value as Node | null | undefined, text: scalarString(node.value) } : undefined;
};

/** Checked constraints by text: a fleet's OCIRepositories mostly repeat a few ranges. */
const checkedConstraints = new Map<string, readonly RangeProblem[]>();
function constraintProblems(text: string): readonly RangeProblem[] {
  let problems = checkedConstraints.get(text);
  if (!problems) {
    problems = checkConstraint(text);
    if (checkedConstraints.size >= 1000) checkedConstraints.clear();
    checkedConstraints.set(text, problems);
  }
  return problems;
}

export function ociRepositoryFindings(parsed: ParsedDocument): Finding[] {
  const kind = parsed.identity?.kind;
  if (kind !== 'OCIRepository' && kind !== 'GitRepository') return [];
  const findings: Finding[] = [];
  const range = (node: Node | null | undefined, from = 0, to?: number) =>
    parsed.lines.rangeOf((node?.range?.[0] ?? 0) + from, to === undefined ? node?.range?.[1] ?? 0 : (node?.range?.[0] ?? 0) + to);
  const semver = scalarValue(parsed, ['spec', 'ref', 'semver']);
  if (semver?.text !== undefined) {
    const problems = constraintProblems(semver.text);
    if (problems.length) {
      findings.push({ range: range(semver.node), severity: 'error', code: 'flux/semver-range', message: `ref.semver "${semver.text}" is not a version range Flux can parse: ${problems[0].message}. Flux uses Masterminds/semver syntax, e.g. ">=1.0.0 <2.0.0", ">= 1.0, < 2.0", "~1.2", "^1.2" or "1.x"` });
    }
  }
  if (kind !== 'OCIRepository') return findings;

  const url = scalarValue(parsed, ['spec', 'url']);
  const parts = url?.text ? splitOciUrl(url.text) : undefined;
  if (url?.text && parts) {
    // Offsets inside the scalar are only exact for plain scalars; quoted ones shift by the quote.
    const written = parsed.text.slice(url.node?.range?.[0] ?? 0, url.node?.range?.[1] ?? 0);
    const shift = written.startsWith('"') || written.startsWith("'") ? 1 : 0;
    if (parts.tag !== undefined || parts.digest !== undefined) {
      const start = url.text.length - (parts.digest !== undefined ? parts.digest.length + 1 : 0) - (parts.tag !== undefined ? parts.tag.length + 1 : 0);
      findings.push({
        range: range(url.node, start + shift, url.text.length + shift),
        severity: 'error',
        code: 'flux/oci-url-reference',
        message: `the url must name the repository only: source-controller refuses a url with a ${parts.digest !== undefined ? 'digest' : 'tag'} in it ("URL must not contain a tag") and the OCIRepository never becomes ready. Put it in ref.${parts.digest !== undefined ? 'digest' : 'tag'}`,
      });
    }
    const components = parts.path.split('/');
    const bad = components.find((c) => !PATH_COMPONENT.test(c));
    if (bad !== undefined) {
      findings.push({
        range: range(url.node),
        severity: 'error',
        code: 'flux/oci-url-path',
        message: bad !== '' && PATH_COMPONENT.test(bad.toLowerCase())
          ? `repository path "${parts.path}" has upper-case letters; registries accept lower case only ("${parts.path.toLowerCase()}")`
          : `repository path "${parts.path}" is not valid: each part must be lower-case letters and digits, separated by ".", "_", "__" or "-"`,
      });
    }
    if (parts.host === undefined && bad === undefined) {
      findings.push({
        range: range(url.node),
        severity: 'hint',
        code: 'flux/oci-url-docker-hub',
        message: `no registry host: this resolves to Docker Hub, docker.io/${components.length === 1 ? 'library/' : ''}${parts.path}`,
      });
    }
  }

  const digest = scalarValue(parsed, ['spec', 'ref', 'digest']);
  if (digest?.text !== undefined && !DIGEST.test(digest.text)) {
    findings.push({ range: range(digest.node), severity: 'error', code: 'flux/oci-ref-digest', message: `ref.digest "${digest.text}" is not a digest; write sha256: followed by 64 lower-case hex characters` });
  }
  const tag = scalarValue(parsed, ['spec', 'ref', 'tag']);
  if (tag?.text !== undefined && !TAG.test(tag.text)) {
    findings.push({ range: range(tag.node), severity: 'error', code: 'flux/oci-ref-tag', message: `ref.tag "${tag.text}" is not a valid tag: up to 128 letters, digits, ".", "_" and "-", not starting with "." or "-"` });
  }
  const filter = scalarValue(parsed, ['spec', 'ref', 'semverFilter']);
  if (filter?.text !== undefined) {
    const problem = regexpProblem(filter.text);
    if (problem) findings.push({ range: range(filter.node), severity: 'error', code: 'flux/semver-filter', message: `ref.semverFilter is not a valid regular expression for Flux: ${problem}` });
  }
  const refs = { digest, semver, tag };
  const set = (['digest', 'semver', 'tag'] as const).filter((k) => refs[k]?.text !== undefined);
  if (set.length > 1) {
    const refNode = nodeAtPath(parsed.yaml, ['spec', 'ref']);
    findings.push({
      range: range(refNode.key),
      severity: 'hint',
      code: 'flux/oci-ref-precedence',
      message: `ref sets ${set.join(' and ')}; Flux uses ${set[0]} and ignores ${set.slice(1).join(' and ')} (digest wins over semver, semver over tag)`,
    });
  }
  return findings;
}

/** Why a pattern would not compile in Go's regexp package (RE2), which Flux uses. */
export const regexpProblem = re2Problem;

const yamlScalar = (text: string) => (/^[0-9.]+$|^(true|false|null|yes|no|on|off|~)$/i.test(text) || /[:#{}[\],&*!|>'"%@`]/.test(text) ? JSON.stringify(text) : text);

/** Adds `pairs` (already rendered, `k: v, k2: v2`) at the end of a one-line flow map. */
function appendToFlowMap(doc: PlacedDocument, map: YAMLMap, pairs: string): TextEdit | undefined {
  const last = map.items[map.items.length - 1];
  const lastNode = (last?.value ?? last?.key) as Node | null | undefined;
  if (last && !lastNode?.range) return undefined;
  const at = lastNode?.range ? lastNode.range[1] : (map.range?.[0] ?? -1) + 1;
  if (at <= 0) return undefined;
  return { range: fileRange(doc, at, at), newText: last ? `, ${pairs}` : pairs };
}

export function ociRepositoryFixes(uri: string, doc: PlacedDocument, code: string): QuickFix[] {
  const urlNode = nodeAtPath(doc.parsed.yaml, ['spec', 'url']).value;
  const url = scalarString(urlNode);
  if (!urlNode || !url) return [];
  if (code === 'flux/oci-url-scheme') {
    const fixed = url.replace(/^https?:\/\//i, 'oci://');
    return [{ title: `Use ${fixed}`, kind: 'quickfix', isPreferred: true, edits: { [uri]: [replaceNode(doc, urlNode, fixed)] } }];
  }
  if (code === 'flux/oci-url-path') {
    const parts = splitOciUrl(url);
    if (!parts || !parts.path.split('/').every((c) => PATH_COMPONENT.test(c.toLowerCase()))) return [];
    const fixed = url.replace(parts.path, parts.path.toLowerCase());
    return [{ title: `Use lower case: ${fixed}`, kind: 'quickfix', isPreferred: true, edits: { [uri]: [replaceNode(doc, urlNode, fixed)] } }];
  }
  if (code !== 'flux/oci-url-reference') return [];
  const parts = splitOciUrl(url);
  if (!parts) return [];
  const repository = `oci://${parts.host ? `${parts.host}/` : ''}${parts.path}`;
  const edits: TextEdit[] = [replaceNode(doc, urlNode, repository)];
  const ref = nodeAtPath(doc.parsed.yaml, ['spec', 'ref']);
  const fields: [string, string][] = [];
  if (parts.digest !== undefined) fields.push(['digest', parts.digest]);
  else if (parts.tag !== undefined) fields.push(['tag', parts.tag]);
  const spec = nodeAtPath(doc.parsed.yaml, ['spec']).value;
  if (ref.depth === 2 && isMap(ref.value) && ref.value.flow) {
    const edit = appendToFlowMap(doc, ref.value, fields.map(([k, v]) => `${k}: ${yamlScalar(v)}`).join(', '));
    if (!edit) return [];
    edits.push(edit);
  } else if (ref.depth !== 2 && isMap(spec) && spec.flow) {
    const edit = appendToFlowMap(doc, spec, `ref: {${fields.map(([k, v]) => `${k}: ${yamlScalar(v)}`).join(', ')}}`);
    if (!edit) return [];
    edits.push(edit);
  } else if (ref.depth === 2 && isMap(ref.value)) {
    for (const [key, value] of fields) {
      const edit = setField(doc, ['spec', 'ref'], key, yamlScalar(value));
      if (!edit) return [];
      edits.push(...edit);
    }
  } else {
    const edit = setField(doc, ['spec'], 'ref', fields.map(([k, v]) => `${k}: ${yamlScalar(v)}`).join('\n'), true);
    if (!edit) return [];
    edits.push(...edit);
  }
  // An insertion right where the url ends (url was the flow map's last pair) joins the url's edit,
  // so no two edits touch the same place.
  const [urlEdit, ...rest] = edits;
  const joined = rest.filter((e) => {
    const touches = e.range.start.line === urlEdit.range.end.line && e.range.start.character === urlEdit.range.end.character
      && e.range.end.line === e.range.start.line && e.range.end.character === e.range.start.character;
    if (touches) urlEdit.newText += e.newText;
    return !touches;
  });
  edits.splice(0, edits.length, urlEdit, ...joined);
  const moved = fields.map(([k]) => k).join(' and ');
  return [{ title: `Move the ${moved} from the url to ref.${moved}`, kind: 'quickfix', isPreferred: true, edits: { [uri]: edits } }];
}
