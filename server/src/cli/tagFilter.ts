// Tag filters of `flux-oci list` (flux's --filter-semver and --filter-regex). Semver ranges use
// Flux's (Masterminds) syntax; they are translated to node-semver's, which differs in commas
// (AND), `~>` and a leading `v`. Signature and attestation tags (cosign's sha256-….sig) are
// not artifacts and are left out.
import { goPatternTest } from '../language/rules/re2';
import * as semver from 'semver';
import { checkConstraint } from '../language/rules/semverRange';
import { UsageError } from './args';

const COSIGN_TAG = /^sha256-[a-f0-9]{64}\.(?:sig|att|sbom)$/;

/** A Masterminds constraint as a node-semver range. */
export function toNodeRange(constraint: string): semver.Range {
  const problems = checkConstraint(constraint);
  if (problems.length > 0) throw new UsageError(`--filter-semver "${constraint}": ${problems[0].message}`);
  const text = constraint
    .split('||')
    .map((group) => group.replace(/,/g, ' ').replace(/~>/g, '~').replace(/([<>=~^]=?\s*)[vV](?=\d)/g, '$1').replace(/(^|\s)[vV](?=\d)/g, '$1').trim())
    .join(' || ');
  try {
    return new semver.Range(text, { loose: true });
  } catch {
    throw new UsageError(`--filter-semver "${constraint}" is not a version range`);
  }
}

export function filterTags(tags: readonly string[], filters: { semver?: string; regex?: string }): string[] {
  let result = tags.filter((t) => !COSIGN_TAG.test(t));
  if (filters.regex !== undefined) {
    // A Go regular expression, as flux list artifacts takes it: RE2 semantics, linear time.
    const test = goPatternTest(filters.regex);
    if (!test) throw new UsageError(`--filter-regex: "${filters.regex}" is not a valid Go regular expression`);
    result = result.filter((t) => test(t));
  }
  if (filters.semver !== undefined) {
    const range = toNodeRange(filters.semver);
    const versions = result
      .map((tag) => ({ tag, version: semver.parse(tag.replace(/^[vV]/, ''), { loose: true }) }))
      .filter((v): v is { tag: string; version: semver.SemVer } => v.version !== null && range.test(v.version));
    versions.sort((a, b) => semver.rcompare(a.version, b.version));
    result = versions.map((v) => v.tag);
  }
  return result;
}
