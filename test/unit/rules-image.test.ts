// ImageRepository image and ImagePolicy policy rules: scheme and tag (host:port is no tag),
// Masterminds ranges, Go (RE2) patterns and extract templates; the quick fixes that strip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkspaceIndex } from '../../server/src/language/workspaceIndex';
import { defaultLintContext, lintFile } from '../../server/src/language/lint';
import { quickFixesFor } from '../../server/src/language/rules/fixes';
import { splitImage } from '../../server/src/language/rules/imageAutomation';
import { re2Groups, re2Problem, templateReferences } from '../../server/src/language/rules/re2';
import { YamlFile } from '../../server/src/language/documents';
import { findMarkers } from '../../server/src/language/rules/imagePolicyMarkers';
import type { TextEdit } from '../../server/src/language/types';
import { IMAGE_POLICY_WITH, IMAGE_REPO } from '../fixtures/kinds';

const repo = (image: string) => IMAGE_REPO('podinfo', image);
const policy = (policyLines: string) => IMAGE_POLICY_WITH(policyLines);

const context = defaultLintContext();
const lint = (text: string) => {
  const index = new WorkspaceIndex();
  const file = index.setFile('file:///w/x.yaml', text);
  return { index, file, findings: lintFile(file, context) };
};

function apply(text: string, edits: readonly TextEdit[]): string {
  const file = new YamlFile('x', text);
  const sorted = [...edits].sort((a, b) => file.lines.offsetAt(b.range.start) - file.lines.offsetAt(a.range.start));
  for (const e of sorted) text = text.slice(0, file.lines.offsetAt(e.range.start)) + e.newText + text.slice(file.lines.offsetAt(e.range.end));
  return text;
}

function fixed(text: string, code: string): string {
  const { index, file, findings } = lint(text);
  const finding = findings.find((f) => f.code === code);
  assert.ok(finding, `${code} in ${JSON.stringify(findings.map((f) => f.code))}`);
  const [fix] = quickFixesFor(finding, file, index, context);
  assert.ok(fix, `a fix for ${code}`);
  return apply(text, fix.edits['file:///w/x.yaml']);
}

test('image references split into scheme, repository, tag and digest; a port is no tag', () => {
  assert.deepEqual(splitImage('ghcr.io/org/app'), { repository: 'ghcr.io/org/app' });
  assert.deepEqual(splitImage('localhost:5000/app'), { repository: 'localhost:5000/app' });
  assert.deepEqual(splitImage('localhost:5000/app:1.0'), { repository: 'localhost:5000/app', tag: '1.0' });
  assert.deepEqual(splitImage('https://ghcr.io/org/app'), { scheme: 'https', repository: 'ghcr.io/org/app' });
  assert.deepEqual(splitImage(`nginx@sha256:${'a'.repeat(64)}`), { repository: 'nginx', digest: `sha256:${'a'.repeat(64)}` });
});

test('ImageRepository spec.image: no scheme, no tag, with fixes that strip them', () => {
  assert.deepEqual(lint(repo('ghcr.io/stefanprodan/podinfo')).findings, []);
  assert.deepEqual(lint(repo('registry.local:5000/team/app')).findings, []);
  assert.deepEqual(lint(repo('${REGISTRY}/app')).findings, [], 'substituted values are not judged');
  const scheme = lint(repo('https://ghcr.io/org/app')).findings;
  assert.deepEqual(scheme.map((f) => [f.code, f.severity, f.range.start.line]), [['flux/image-scheme', 'error', 6]]);
  assert.match(scheme[0].message, /"\.spec\.image value should not start with URL scheme"/);
  assert.equal(fixed(repo('https://ghcr.io/org/app'), 'flux/image-scheme'), repo('ghcr.io/org/app'));
  const tag = lint(repo('registry.local:5000/team/app:v1.2.3')).findings;
  assert.deepEqual(tag.map((f) => f.code), ['flux/image-tag']);
  assert.match(tag[0].message, /"\.spec\.image value should not contain a tag"/);
  assert.equal(fixed(repo('registry.local:5000/team/app:v1.2.3'), 'flux/image-tag'), repo('registry.local:5000/team/app'));
  assert.equal(fixed(repo('"ghcr.io/org/app:latest"'), 'flux/image-tag'), repo('ghcr.io/org/app'));
  assert.deepEqual(lint(repo('oci://ghcr.io/org/app:1.0')).findings.map((f) => f.code), ['flux/image-scheme', 'flux/image-tag']);
});

test('ImagePolicy semver range follows Masterminds', () => {
  assert.deepEqual(lint(policy('  policy:\n    semver:\n      range: ">= 1.0, < 2.0"\n')).findings, []);
  assert.deepEqual(lint(policy('  policy:\n    semver:\n      range: 5.0.x\n')).findings, []);
  const bad = lint(policy('  policy:\n    semver:\n      range: ">= latest"\n')).findings;
  assert.deepEqual(bad.map((f) => [f.code, f.range.start.line]), [['flux/semver-range', 10]]);
  assert.match(bad[0].message, /^policy\.semver\.range ">= latest" is not a version range Flux can parse/);
});

test('Go regular expressions: named groups and flags translated, look-around and back-references refused', () => {
  assert.equal(re2Problem('^main-[a-f0-9]+-(?P<ts>[0-9]+)'), undefined);
  assert.equal(re2Problem('^(?<ts>[0-9]+)$'), undefined);
  assert.equal(re2Problem('(?i)^v[0-9]+'), undefined);
  assert.equal(re2Problem('(?i:RC)[[:digit:]]+\\z'), undefined);
  assert.match(re2Problem('^v(?<=x)')!, /look-ahead and look-behind/);
  assert.match(re2Problem('(a)\\1')!, /back-references/);
  assert.match(re2Problem('(?P<ts>[0-9]+')!, /Unterminated group/);
  assert.deepEqual(re2Groups('^(?P<branch>[a-z]+)-(?:x)-([0-9]+)-(?P<ts>[0-9]+)[(]'), { count: 3, names: ['branch', 'ts'] });
  assert.deepEqual(templateReferences('$ts-${1}x$$2$1x').map((r) => [r.group, r.braced]), [['ts', false], ['1', true], ['1x', false]]);
});

test('ImagePolicy filterTags: pattern compiles in Go, extract names groups that exist', () => {
  const tags = (pattern: string, extract: string) => policy(`  filterTags:\n    pattern: '${pattern}'\n    extract: '${extract}'\n  policy:\n    numerical:\n      order: asc\n`);
  assert.deepEqual(lint(tags('^main-[a-fA-F0-9]+-(?P<ts>.*)', '$ts')).findings, []);
  assert.deepEqual(lint(tags('^main-[a-fA-F0-9]+-(?P<ts>.*)', '${ts}')).findings, []);
  assert.deepEqual(lint(tags('^v([0-9]+)', '$1')).findings, []);
  const pattern = lint(tags('^main-(?<=x)(?P<ts>.*)', '$ts')).findings;
  assert.deepEqual(pattern.map((f) => [f.code, f.range.start.line]), [['flux/filter-tags-pattern', 9]]);
  const missing = lint(tags('^main-[a-f0-9]+-(?P<ts>.*)', '$timestamp')).findings;
  assert.deepEqual(missing.map((f) => [f.code, f.range.start.line, f.range.start.character, f.range.end.character]), [['flux/filter-tags-extract', 10, 14, 24]]);
  assert.match(missing[0].message, /names group "timestamp", but filterTags.pattern has groups 1 to 1, "ts"/);
  const glued = lint(tags('^v([0-9]+)', '$1x')).findings;
  assert.match(glued[0].message, /Go reads the longest name, so write \$\{1\}x/);
  assert.deepEqual(lint(tags('^v([0-9]+)', '$2')).findings.map((f) => f.code), ['flux/filter-tags-extract']);
});

test('setter markers: parsed with offsets and suffixes; bad ones warned in any YAML', () => {
  const line = '  image: app:1.0 # {"$imagepolicy": "flux-system:app:tag"}';
  const [m] = findMarkers(line);
  assert.deepEqual({ ...m }, { valueStart: line.indexOf('flux-system'), valueEnd: line.length - 2, value: 'flux-system:app:tag', namespace: 'flux-system', name: 'app', suffix: 'tag', nameStart: line.indexOf('app:tag'), nameEnd: line.indexOf(':tag') });
  assert.deepEqual(findMarkers('image: x # {"$imagepolicy":"a:b"}').map((x) => x.name), ['b']);
  assert.deepEqual(findMarkers('image: x # $imagepolicy a:b'), []);
  const plain = (marker: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  image: app # {"$imagepolicy": "${marker}"}\n`;
  assert.deepEqual(lint(plain('flux-system:app')).findings, []);
  assert.deepEqual(lint(plain('flux-system:app:digest')).findings, []);
  assert.deepEqual(lint(plain('app')).findings.map((f) => [f.code, f.severity]), [['flux/imagepolicy-marker', 'warning']]);
  assert.match(lint(plain('ns:app:version')).findings[0].message, /suffix ":version" is not one of :tag, :name or :digest/);
  assert.deepEqual(lint(`values:\n  tag: 1.0 # {"$imagepolicy": "app"}\n`).findings.map((f) => f.code), ['flux/imagepolicy-marker'], 'a file with no kind at all');
});
