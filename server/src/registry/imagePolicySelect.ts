// Which tag an ImagePolicy selects from a list of tags, the way image-reflector-controller does:
// keep the tags `filterTags.pattern` (Go RE2, unanchored) matches, turn each into the value
// `filterTags.extract` expands to (Go Regexp.Expand; the tag itself when there is no extract),
// then choose among the values by the policy and answer the tag the winning value came from.
// Pure: no registry, no LSP; the live hover feeds it the cached tag list.
import { goPatternMatcher, type GoMatchGroups } from '../language/rules/re2';
import { compareVersions, parseRange, parseVersion, rangeMatches, type Version } from './semver';

export type ImagePolicyChoice =
  | { kind: 'semver'; range: string }
  | { kind: 'alphabetical'; order?: string }
  | { kind: 'numerical'; order?: string };

export interface ImagePolicySpec {
  choice: ImagePolicyChoice;
  pattern?: string;
  extract?: string;
}

export type ImagePolicySelection =
  | { state: 'selected'; tag: string; value: string; total: number; matched: number }
  | { state: 'no-match'; total: number; matched: number; reason: string }
  | { state: 'invalid'; reason: string };

/** Go's Regexp.Expand for one match: `$1`, `$name`, `${name}`, `$$`; unknown groups expand to nothing. */
export function expandTemplate(template: string, group: GoMatchGroups): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c !== '$') {
      out += c;
      continue;
    }
    if (template[i + 1] === '$') {
      out += '$';
      i++;
      continue;
    }
    const ref = /^\$\{([A-Za-z0-9_]+)\}/.exec(template.slice(i)) ?? /^\$([A-Za-z0-9_]+)/.exec(template.slice(i));
    if (!ref) {
      out += c; // a lone `$` is kept as written
      continue;
    }
    i += ref[0].length - 1;
    const name = ref[1];
    out += group(name) ?? '';
  }
  return out;
}

/** Go's strconv.ParseFloat for what tags hold (decimal, exponent, sign); undefined when not a number. */
function parseNumber(text: string): number | undefined {
  if (!/^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/.test(text.replace(/_/g, ''))) return undefined;
  return Number(text.replace(/_/g, ''));
}

const isDesc = (order: string | undefined) => (order ?? 'asc').toLowerCase() === 'desc';

/** The tag the policy selects among `tags`, with how many tags there were and how many passed the filter. */
export function selectImageTag(tags: readonly string[], spec: ImagePolicySpec): ImagePolicySelection {
  let match: ((text: string) => GoMatchGroups | undefined) | undefined;
  if (spec.pattern) {
    match = goPatternMatcher(spec.pattern);
    if (!match) return { state: 'invalid', reason: `filterTags.pattern \`${spec.pattern}\` is not a valid Go regular expression` };
  }
  // Extracted value → tag; a later tag with the same value replaces an earlier one (as Flux's map does).
  const values = new Map<string, string>();
  for (const tag of tags) {
    if (!match) {
      values.set(tag, tag);
      continue;
    }
    const m = match(tag);
    if (!m) continue;
    values.set(spec.extract ? expandTemplate(spec.extract, m) : tag, tag);
  }
  const total = tags.length;
  const matched = values.size;
  if (matched === 0) return { state: 'no-match', total, matched, reason: spec.pattern ? 'no tag matches filterTags.pattern' : 'the repository has no tags' };
  const choose = (value: string): ImagePolicySelection => ({ state: 'selected', tag: values.get(value)!, value, total, matched });
  const keys = [...values.keys()];
  switch (spec.choice.kind) {
    case 'semver': {
      const range = parseRange(spec.choice.range);
      if (!range) return { state: 'invalid', reason: `semver range \`${spec.choice.range}\` is not valid` };
      let best: Version | undefined;
      for (const key of keys) {
        const v = parseVersion(key);
        if (v && rangeMatches(range, v) && (!best || compareVersions(v, best) > 0)) best = v;
      }
      return best ? choose(best.original) : { state: 'no-match', total, matched, reason: `no ${spec.extract ? 'extracted value' : 'tag'} is a version in range \`${spec.choice.range}\`` };
    }
    case 'alphabetical': {
      const order = spec.choice.order;
      if (order !== undefined && !/^(asc|desc)$/i.test(order)) return { state: 'invalid', reason: `alphabetical order \`${order}\` is neither asc nor desc` };
      // Byte order, as Go's sort.Strings.
      const sorted = [...keys].sort((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b))));
      return choose(isDesc(order) ? sorted[0] : sorted[sorted.length - 1]);
    }
    case 'numerical': {
      const order = spec.choice.order;
      if (order !== undefined && !/^(asc|desc)$/i.test(order)) return { state: 'invalid', reason: `numerical order \`${order}\` is neither asc nor desc` };
      let best: { key: string; n: number } | undefined;
      for (const key of keys) {
        const n = parseNumber(key);
        // image-reflector-controller fails the whole policy on a value that is not a number.
        if (n === undefined) return { state: 'invalid', reason: `\`${key}\` is not a number, so the numerical policy fails (narrow filterTags.pattern)` };
        if (!best || (isDesc(order) ? n < best.n : n > best.n)) best = { key, n };
      }
      return choose(best!.key);
    }
  }
}
