// Image automation: ImageRepository `spec.image` is a repository name (image-reflector-controller
// refuses a URL scheme and a tag), and ImagePolicy's policy and tag filter must be what the
// controller can use: a Masterminds version range, a Go (RE2) pattern, and an `extract` template
// that names groups the pattern has.
import type { Node } from 'yaml';
import type { ParsedDocument, PlacedDocument } from '../documents';
import { scalarString } from '../fluxObjects';
import type { Finding } from '../types';
import { nodeAtPath } from '../yamlPath';
import { replaceNode, type QuickFix } from './edits';
import { checkConstraint } from './semverRange';
import { re2Groups, re2Problem, templateReferences } from './re2';

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;

export interface ImageParts {
  scheme?: string;
  repository: string;
  tag?: string;
  digest?: string;
}

/** Splits an image reference: `[scheme://]host[:port]/path[:tag][@digest]`. */
export function splitImage(image: string): ImageParts {
  let rest = image;
  const parts: ImageParts = { repository: '' };
  const scheme = SCHEME.exec(rest);
  if (scheme) {
    parts.scheme = scheme[1];
    rest = rest.slice(scheme[0].length);
  }
  const at = rest.indexOf('@');
  if (at !== -1) {
    parts.digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  // A colon after the last slash is a tag; one before it is a registry port (host:5000/app).
  const colon = rest.indexOf(':', rest.lastIndexOf('/') + 1);
  if (colon !== -1) {
    parts.tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  parts.repository = rest;
  return parts;
}

const scalarAt = (parsed: ParsedDocument, path: string[]) => {
  const found = nodeAtPath(parsed.yaml, path);
  return found.depth === path.length ? { node: found.value as Node | null | undefined, text: scalarString(found.value) } : undefined;
};

export function imageAutomationFindings(parsed: ParsedDocument): Finding[] {
  const kind = parsed.identity?.kind;
  if (!parsed.identity?.group.startsWith('image.toolkit.fluxcd.io')) return [];
  const range = (node: Node | null | undefined) => parsed.lines.rangeOf(node?.range?.[0] ?? 0, node?.range?.[1] ?? 0);
  const findings: Finding[] = [];
  if (kind === 'ImageRepository') {
    const image = scalarAt(parsed, ['spec', 'image']);
    // A ${VAR} is substituted before apply; it cannot be judged here.
    if (image?.text && !image.text.includes('${')) {
      const parts = splitImage(image.text);
      if (parts.scheme !== undefined) {
        findings.push({ range: range(image.node), severity: 'error', code: 'flux/image-scheme', message: `image-reflector-controller refuses this: ".spec.image value should not start with URL scheme". Write the repository name only: ${parts.repository}${parts.tag !== undefined ? `:${parts.tag}` : ''}${parts.digest !== undefined ? `@${parts.digest}` : ''}` });
      }
      if (parts.tag !== undefined || parts.digest !== undefined) {
        findings.push({ range: range(image.node), severity: 'error', code: 'flux/image-tag', message: `image-reflector-controller refuses this: ".spec.image value should not contain a tag". An ImageRepository scans every tag of ${parts.repository}; an ImagePolicy picks one` });
      }
    }
  }
  if (kind === 'ImagePolicy') {
    const range_ = scalarAt(parsed, ['spec', 'policy', 'semver', 'range']);
    if (range_?.text !== undefined && !range_.text.includes('${')) {
      const problems = checkConstraint(range_.text);
      if (problems.length) {
        findings.push({ range: range(range_.node), severity: 'error', code: 'flux/semver-range', message: `policy.semver.range "${range_.text}" is not a version range Flux can parse: ${problems[0].message}. Flux uses Masterminds/semver syntax, e.g. ">=1.0.0 <2.0.0", ">= 1.0, < 2.0", "~1.2", "^1.2" or "1.x"` });
      }
    }
    const pattern = scalarAt(parsed, ['spec', 'filterTags', 'pattern']);
    const problem = pattern?.text !== undefined && !pattern.text.includes('${') ? re2Problem(pattern.text) : undefined;
    if (pattern && problem) {
      findings.push({ range: range(pattern.node), severity: 'error', code: 'flux/filter-tags-pattern', message: `filterTags.pattern is not a regular expression Go can compile: ${problem}; image-reflector-controller cannot filter tags with it` });
    }
    const extract = scalarAt(parsed, ['spec', 'filterTags', 'extract']);
    // `extract` is applied to what the pattern matched; without a (valid) pattern it is not used.
    if (extract?.text && pattern?.text && !problem && !pattern.text.includes('${')) {
      findings.push(...extractFindings(parsed, extract.node, extract.text, pattern.text));
    }
  }
  return findings;
}

function extractFindings(parsed: ParsedDocument, node: Node | null | undefined, template: string, pattern: string): Finding[] {
  const { count, names } = re2Groups(pattern);
  const written = parsed.text.slice(node?.range?.[0] ?? 0, node?.range?.[1] ?? 0);
  // Offsets inside the scalar are exact for plain scalars; a quote shifts them by one.
  const shift = written.startsWith('"') || written.startsWith("'") ? 1 : 0;
  const plainInside = written.slice(shift, shift + template.length) === template;
  const findings: Finding[] = [];
  for (const ref of templateReferences(template)) {
    const numeric = /^[0-9]+$/.test(ref.group);
    if (numeric ? Number(ref.group) <= count : names.includes(ref.group)) continue;
    const start = (node?.range?.[0] ?? 0) + (plainInside ? shift + ref.offset : 0);
    const end = plainInside ? start + ref.length : node?.range?.[1] ?? 0;
    const glued = !ref.braced && /^[0-9]+[A-Za-z_]/.test(ref.group);
    const have = [count ? `groups 1 to ${count}` : 'no groups', ...names.map((n) => `"${n}"`)].join(', ');
    findings.push({
      range: parsed.lines.rangeOf(start, end),
      severity: 'error',
      code: 'flux/filter-tags-extract',
      message: glued
        ? `filterTags.extract "$${ref.group}" names a group called "${ref.group}", which the pattern does not have; Go reads the longest name, so write \${${/^[0-9]+/.exec(ref.group)![0]}}${ref.group.replace(/^[0-9]+/, '')}`
        : `filterTags.extract names group "${ref.group}", but filterTags.pattern has ${have}; the extracted value is empty and no tag is selected`,
    });
  }
  return findings;
}

export function imageRepositoryFixes(uri: string, doc: PlacedDocument, code: string): QuickFix[] {
  const node = nodeAtPath(doc.parsed.yaml, ['spec', 'image']).value;
  const image = scalarString(node);
  if (!node || !image) return [];
  const parts = splitImage(image);
  if (code === 'flux/image-scheme' && parts.scheme !== undefined) {
    const fixed = image.slice(parts.scheme.length + 3);
    return [{ title: `Remove ${parts.scheme}://`, kind: 'quickfix', isPreferred: true, edits: { [uri]: [replaceNode(doc, node, fixed)] } }];
  }
  if (code === 'flux/image-tag' && (parts.tag !== undefined || parts.digest !== undefined)) {
    const fixed = (parts.scheme !== undefined ? `${parts.scheme}://` : '') + parts.repository;
    const what = parts.digest !== undefined ? (parts.tag !== undefined ? `:${parts.tag}@${parts.digest}` : `@${parts.digest}`) : `:${parts.tag}`;
    return [{ title: `Remove ${what} (use an ImagePolicy to choose the tag)`, kind: 'quickfix', isPreferred: true, edits: { [uri]: [replaceNode(doc, node, fixed)] } }];
  }
  return [];
}
