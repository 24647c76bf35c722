// Versions and ranges the way Flux reads them (Masterminds/semver v3), for choosing tags:
// lenient versions (`v1`, `1.2`, `v1.2.3-rc.1+build`), ranges with `,` or spaces as AND and `||`
// as OR, wildcards (`1.x`, `*`), `~`, `~>`, `^`, hyphen ranges, and the rule that a pre-release
// only matches a comparator that names a pre-release itself. Validation of the range text is
// language/rules/semverRange.ts; this module answers "which tags match, and which wins".
import { goPatternTest } from '../language/rules/re2';
import { checkConstraint } from '../language/rules/semverRange';

export interface Version {
  major: number;
  minor: number;
  patch: number;
  prerelease: string;
  /** The text as written (the tag). */
  original: string;
}

const VERSION = /^v?(0|[1-9][0-9]*|[0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

/** A tag read as a version, as Masterminds' NewVersion does (undefined when it is not one). */
export function parseVersion(text: string): Version | undefined {
  const m = VERSION.exec(text);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2] ?? 0), patch: Number(m[3] ?? 0), prerelease: m[4] ?? '', original: text };
}

function comparePrerelease(a: string, b: string): number {
  if (a === b) return 0;
  if (a === '') return 1;
  if (b === '') return -1;
  const x = a.split('.');
  const y = b.split('.');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (i >= x.length) return -1;
    if (i >= y.length) return 1;
    const nx = /^[0-9]+$/.test(x[i]);
    const ny = /^[0-9]+$/.test(y[i]);
    if (nx && ny) {
      const d = Number(x[i]) - Number(y[i]);
      if (d !== 0) return Math.sign(d);
    } else if (nx !== ny) return nx ? -1 : 1;
    else if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  }
  return 0;
}

export function compareVersions(a: Version, b: Version): number {
  return Math.sign(a.major - b.major) || Math.sign(a.minor - b.minor) || Math.sign(a.patch - b.patch) || comparePrerelease(a.prerelease, b.prerelease);
}

interface Comparator {
  op: string;
  version: Version;
  /** Which parts were left out or written as x/X/*. */
  minorDirty: boolean;
  patchDirty: boolean;
  /** The whole version is a wildcard (`*`, `x`). */
  any: boolean;
}

type Range = Comparator[][];

const OPS = ['!=', '>=', '=>', '<=', '=<', '~>', '>', '<', '=', '~', '^'];
const WILD = /^[xX*]$/;

function parseComparator(token: string): Comparator | undefined {
  const op = OPS.find((o) => token.startsWith(o)) ?? '';
  let text = token.slice(op.length).trim();
  if (text.startsWith('v') || text.startsWith('V')) text = text.slice(1);
  const [core, ...rest] = text.split(/(?=[-+])/);
  const suffix = rest.join('');
  const parts = core.split('.');
  if (parts.length === 0 || parts.length > 3) return undefined;
  if (WILD.test(parts[0])) return { op: op === '!=' ? '!=' : op, version: { major: 0, minor: 0, patch: 0, prerelease: '', original: text }, minorDirty: true, patchDirty: true, any: true };
  const minorDirty = parts.length < 2 || WILD.test(parts[1]);
  const patchDirty = minorDirty || parts.length < 3 || WILD.test(parts[2]);
  const numbers = [parts[0], minorDirty ? '0' : parts[1], patchDirty ? '0' : parts[2]];
  if (!numbers.every((n) => /^[0-9]+$/.test(n))) return undefined;
  const pre = /^-([0-9A-Za-z-.]+)/.exec(suffix)?.[1] ?? '';
  return {
    op: op === '=>' ? '>=' : op === '=<' ? '<=' : op === '~>' ? '~' : op,
    version: { major: Number(numbers[0]), minor: Number(numbers[1]), patch: Number(numbers[2]), prerelease: pre, original: text },
    minorDirty,
    patchDirty,
    any: false,
  };
}

/** Parses a range; undefined when Flux would refuse it. */
export function parseRange(text: string): Range | undefined {
  if (checkConstraint(text).length > 0) return undefined;
  const range: Range = [];
  for (const group of text.split('||')) {
    const comparators: Comparator[] = [];
    const hyphen = /^\s*(\S+)\s+-\s+(\S+)\s*$/.exec(group);
    if (hyphen) {
      const low = parseComparator(`>=${hyphen[1]}`);
      const high = parseComparator(`<=${hyphen[2]}`);
      if (!low || !high) return undefined;
      comparators.push(low, high);
    } else {
      // Operators may stand apart from their version (`>= 1.2`); glue them back.
      const tokens = group.replace(/(!=|>=|=>|<=|=<|~>|>|<|=|~|\^)\s+/g, '$1').split(/[\s,]+/).filter((t) => t !== '');
      for (const token of tokens) {
        const c = parseComparator(token);
        if (!c) return undefined;
        comparators.push(c);
      }
    }
    range.push(comparators);
  }
  return range;
}

function matchesComparator(v: Version, c: Comparator): boolean {
  // A pre-release only matches when the comparator names one (Masterminds v3).
  if (v.prerelease !== '' && c.version.prerelease === '') return false;
  if (c.any) return c.op !== '!=' && c.op !== '<' && c.op !== '>';
  const cmp = compareVersions(v, c.version);
  const sameMajor = v.major === c.version.major;
  switch (c.op) {
    case '':
    case '=':
      if (c.minorDirty) return sameMajor;
      if (c.patchDirty) return sameMajor && v.minor === c.version.minor;
      return cmp === 0;
    case '!=':
      if (c.minorDirty) return !sameMajor;
      if (c.patchDirty) return !(sameMajor && v.minor === c.version.minor);
      return cmp !== 0;
    case '>':
      if (!c.minorDirty && !c.patchDirty) return cmp > 0;
      if (v.major !== c.version.major) return v.major > c.version.major;
      if (c.minorDirty) return false;
      return v.minor > c.version.minor;
    case '>=':
      return cmp >= 0;
    case '<':
      return cmp < 0;
    case '<=':
      if (!c.minorDirty && !c.patchDirty) return cmp <= 0;
      if (v.major !== c.version.major) return v.major < c.version.major;
      if (c.minorDirty) return true;
      return v.minor <= c.version.minor;
    case '~':
      if (cmp < 0) return false;
      if (c.version.major === 0 && c.version.minor === 0 && c.version.patch === 0 && !c.minorDirty && !c.patchDirty) return true;
      if (!sameMajor) return false;
      return c.minorDirty || v.minor === c.version.minor;
    case '^':
      if (cmp < 0) return false;
      if (c.version.major > 0 || c.minorDirty) return sameMajor;
      if (c.version.minor > 0 || c.patchDirty) return v.major === 0 && v.minor === c.version.minor;
      return v.major === 0 && v.minor === 0 && v.patch === c.version.patch;
    default:
      return false;
  }
}

export function rangeMatches(range: Range, v: Version): boolean {
  return range.some((group) => group.every((c) => matchesComparator(v, c)));
}

/** Tags that are versions, newest first (ties keep the registry's order). */
export function versionTags(tags: readonly string[]): Version[] {
  const out: Version[] = [];
  for (const tag of tags) {
    const v = parseVersion(tag);
    if (v) out.push(v);
  }
  return out.sort((a, b) => compareVersions(b, a));
}

/**
 * The tag Flux would pick for `range`: the highest version among the tags that pass `filter`
 * (a regular expression, semverFilter) and match. undefined when none does; throws nothing.
 */
export function selectTag(tags: readonly string[], rangeText: string, filter?: string): { tag?: string; valid: boolean; candidates: number } {
  const range = parseRange(rangeText);
  if (!range) return { valid: false, candidates: 0 };
  let test: ((text: string) => boolean) | undefined;
  if (filter) {
    // semverFilter is a Go regular expression: RE2 semantics, linear time.
    test = goPatternTest(filter);
    if (!test) return { valid: false, candidates: 0 };
  }
  const versions = versionTags(test ? tags.filter((t) => test!(t)) : tags);
  const best = versions.find((v) => rangeMatches(range, v));
  return { tag: best?.original, valid: true, candidates: versions.length };
}
