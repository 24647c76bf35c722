// The artifact map: which folder each OCI artifact the fleet syncs is built from, and the fleet
// judged by it. The fixture is a fleet published with `flux push artifact --path=./kubernetes`
// and synced by a FluxInstance: a parent Kustomization's patches give its children interval and
// prune, and one child's path has a typo.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { lintPaths, lintArtifactMap } from '../../server/src/cli/lint';
import { declaredArtifacts, formatDeclaredFile } from '../../server/src/language/artifacts/declared';
import { findArtifact } from '../../server/src/language/artifacts/lookup';
import { normalizeRepository, tagOf, type ArtifactMapEntry } from '../../server/src/language/artifacts/types';
import { artifactMapFiles, mayTellArtifacts } from '../../server/src/language/artifacts/discover';

const FIXTURE = resolve(__dirname, '..', 'fixtures', 'artifact-map', 'oci-fleet');
const CLI = join(resolve(__dirname, '..', '..'), 'dist', 'cli.js');
const URL = 'oci://ghcr.io/example-org/manifests/fleet';

/** A copy of the fleet in a temporary Git repository (optionally with extra files). */
function fleet(extra: Record<string, string> = {}): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'flux-oci-artifacts-')), 'fleet');
  cpSync(FIXTURE, dir, { recursive: true });
  mkdirSync(join(dir, '.git'));
  writeFileSync(join(dir, '.git', 'config'), '[remote "origin"]\n\turl = git@github.com:example-org/fleet.git\n');
  for (const [path, text] of Object.entries(extra)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const problems = (dir: string, options: Parameters<typeof lintPaths>[1] = {}) =>
  lintPaths([dir], options).flatMap((r) => r.findings.map((f) => `${r.path.slice(dir.length + 1)}:${f.range.start.line + 1} ${f.severity} ${f.code}`));

const declared = (path = './kubernetes', extra = '') => ({ '.flux-oci.yaml': `artifacts:\n  - url: ${URL}\n    path: ${path}\n${extra}` });

test('repository references are normalized and tags read', () => {
  assert.equal(normalizeRepository('oci://GHCR.io/Org/Fleet:v1'), 'ghcr.io/org/fleet');
  assert.equal(normalizeRepository('localhost:5000/org/fleet@sha256:abc'), 'localhost:5000/org/fleet');
  assert.equal(normalizeRepository('oci://fleet'), undefined);
  assert.equal(tagOf('oci://localhost:5000/org/fleet:main'), 'main');
  assert.equal(tagOf('oci://localhost:5000/org/fleet'), undefined);
});

test('declared map: entries, tags, ignorePaths, a single file is not verifiable, and what we write reads back', () => {
  const text = formatDeclaredFile([
    { url: URL, path: './kubernetes', ignorePaths: ['*.md'] },
    { url: 'oci://ghcr.io/org/app', path: './staging', tags: ['staging'] },
    { url: 'oci://ghcr.io/org/app:production', path: './production' },
    { url: 'oci://ghcr.io/org/bundle', path: './dist/bundle.yaml' },
  ]);
  const entries = declaredArtifacts('file:///repo/.flux-oci.yaml', text);
  assert.deepEqual(entries.map((e) => [e.repository, e.tag, e.folder, e.ignorePaths, e.verifiable, e.origin.line]), [
    ['ghcr.io/example-org/manifests/fleet', undefined, 'file:///repo/kubernetes/', ['*.md'], true, 2],
    ['ghcr.io/org/app', 'staging', 'file:///repo/staging/', [], true, 5],
    ['ghcr.io/org/app', 'production', 'file:///repo/production/', [], true, 8],
    ['ghcr.io/org/bundle', undefined, 'file:///repo/dist/bundle.yaml/', [], false, 10],
  ]);
  assert.deepEqual(declaredArtifacts('file:///repo/.flux-oci.yaml', 'artifacts: [: broken'), []);
});

test('lookup: an exact tag wins over every tag, other tags place nothing, and disagreeing folders for an unknown tag place nothing', () => {
  const entry = (tag: string | undefined, folder: string, kind: ArtifactMapEntry['origin']['kind'] = 'ci'): ArtifactMapEntry =>
    ({ repository: 'ghcr.io/org/app', ...(tag ? { tag } : {}), folder, path: folder, ignorePaths: [], verifiable: true, origin: { kind } });
  const two = [entry('staging', 'file:///r/staging/'), entry('production', 'file:///r/production/')];
  assert.equal(findArtifact(two, 'oci://ghcr.io/org/app', 'production')?.folder, 'file:///r/production/');
  assert.equal(findArtifact(two, 'oci://ghcr.io/org/app', 'latest'), undefined);
  assert.equal(findArtifact(two, 'oci://ghcr.io/org/app', undefined), undefined);
  assert.equal(findArtifact([...two, entry(undefined, 'file:///r/all/')], 'oci://ghcr.io/org/app', 'latest')?.folder, 'file:///r/all/');
  assert.equal(findArtifact([entry(undefined, 'file:///r/ci/'), entry(undefined, 'file:///r/declared/', 'declared')], 'oci://ghcr.io/org/app', 'x')?.folder, 'file:///r/declared/');
});

test('a fleet nothing maps: structure removes the false required-field errors and claims no path error', () => {
  const dir = fleet();
  try {
    assert.deepEqual(problems(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without structure either (one Kustomization), an unmapped OCI fleet keeps no error that depends on its content', () => {
  const dir = fleet();
  try {
    rmSync(join(dir, 'kubernetes', 'infra'), { recursive: true });
    // Only the parent remains under this source: no structure to read, so its children's fields are unknown.
    const found = problems(dir);
    assert.ok(!found.some((p) => p.includes('flux/path-not-found')), found.join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('declared map: the fleet is judged as the folder it is built from: no false errors, the typo is an error with the nearest folders', () => {
  const dir = fleet(declared());
  try {
    assert.deepEqual(problems(dir), ['kubernetes/infra/controllers/ks.yaml:9 error flux/path-not-found']);
    const [finding] = lintPaths([dir]).flatMap((r) => r.findings);
    assert.match(finding.message, /path "\.\/infra\/controler" does not exist in the folder the artifact is built from/);
    assert.match(finding.message, /is the artifact oci:\/\/ghcr\.io\/example-org\/manifests\/fleet \(tag latest\), built from \.\/kubernetes — declared in \.flux-oci\.yaml:2/);
    assert.match(finding.message, /Nearest folders: \.\/infra\/controller,/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a path left out of the artifact by --ignore-paths is an error that says so', () => {
  const dir = fleet(declared('./kubernetes', '    ignorePaths: ["apps/"]\n'));
  try {
    const found = lintPaths([dir]).flatMap((r) => r.findings.map((f) => `${r.path.slice(dir.length + 1)} ${f.code} ${f.message}`));
    assert.ok(found.some((f) => /^kubernetes\/clusters\/prod\/apps\.yaml flux\/path-not-found path "\.\/apps" exists here but is left out of the artifact \(--ignore-paths apps\/\)/.test(f)), found.join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a map entry for a folder that is not in the workspace (generated by CI) removes false errors and claims none', () => {
  const dir = fleet(declared('./dist/kubernetes'));
  try {
    const found = problems(dir);
    assert.ok(!found.some((p) => p.includes('path-not-found')), found.join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the flux-instance chart\'s instance.sync places the fleet like a FluxInstance', () => {
  const dir = fleet({
    ...declared(),
    'bootstrap/flux-instance.yaml': `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: flux
  namespace: flux-system
spec:
  interval: 1h
  chart:
    spec:
      chart: flux-instance
      sourceRef:
        kind: HelmRepository
        name: controlplaneio
  values:
    instance:
      sync:
        kind: OCIRepository
        url: ${URL}
        ref: latest
        path: clusters/prod-typo
`,
  });
  try {
    const found = problems(dir);
    assert.ok(found.includes('bootstrap/flux-instance.yaml:20 error flux/path-not-found'), found.join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the CLI: --artifact maps the fleet, artifacts lists the map in text and JSON', () => {
  const dir = fleet();
  try {
    const lint = spawnSync(process.execPath, [CLI, 'lint', '--artifact', `${URL}=./kubernetes`, '.'], { cwd: dir, encoding: 'utf8' });
    assert.equal(lint.status, 1, lint.stderr);
    assert.match(lint.stdout, /kubernetes\/infra\/controllers\/ks\.yaml:9:9 error flux\/path-not-found .*given with --artifact/);
    const text = spawnSync(process.execPath, [CLI, 'artifacts', '--artifact', `${URL}=./kubernetes`, '.'], { cwd: dir, encoding: 'utf8' });
    assert.equal(text.stdout, `${URL}:*  kubernetes  given with --artifact\n`);
    writeFileSync(join(dir, '.flux-oci.yaml'), declared('./kubernetes')['.flux-oci.yaml']);
    const json = spawnSync(process.execPath, [CLI, 'artifacts', '-o', 'json', '.'], { cwd: dir, encoding: 'utf8' });
    assert.deepEqual(JSON.parse(json.stdout), [{ url: 'oci://ghcr.io/example-org/manifests/fleet', tag: null, folder: 'kubernetes', path: './kubernetes', ignorePaths: [], verifiable: true, origin: { kind: 'declared', file: '.flux-oci.yaml', line: 2 } }]);
    const bad = spawnSync(process.execPath, [CLI, 'lint', '--artifact', 'ghcr.io/x=./k', '.'], { cwd: dir, encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--artifact takes oci:\/\/<registry>\/<repository>\[:<tag>\]=<folder>/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('map files are found where CI and build files live', () => {
  for (const yes of ['.flux-oci.yaml', '.github/workflows/publish.yaml', '.gitlab-ci.yml', 'Makefile', 'deploy/Makefile', 'Taskfile.yml', 'scripts/push.sh', 'hack/x.mk']) assert.ok(mayTellArtifacts(yes), yes);
  for (const no of ['kubernetes/apps/ks.yaml', '.github/dependabot.yml', 'README.md']) assert.ok(!mayTellArtifacts(no), no);
  const dir = fleet(declared());
  try {
    assert.equal(lintArtifactMap([dir]).length, 1);
    assert.equal(pathToFileURL(join(dir, 'kubernetes')).href + '/', lintArtifactMap([dir])[0].folder);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('map files are found at any depth (a test script three folders down, a Makefile four), not under skipped trees; the lint and artifacts commands learn them', () => {
  const script = '#!/usr/bin/env bash\nset -euo pipefail\nflux push artifact "oci://ghcr.io/example-org/manifests/fleet:test" \\\n  --path="./kubernetes" \\\n  --source="$(git config --get remote.origin.url)" \\\n  --revision="test/$(git rev-parse HEAD)"\n';
  const dir = fleet({
    'bin/tests/flux-d2/test.sh': script,
    'tools/release/oci/staging/Makefile': 'push:\n\tflux push artifact oci://ghcr.io/example-org/manifests/staging:latest --path=./manifests --source=x --revision=y\n',
    'node_modules/some-package/scripts/push.sh': script,
    'kubernetes/apps/.terraform/modules/x/push.sh': script,
  });
  try {
    const files = artifactMapFiles(dir).map((p) => p.slice(dir.length + 1).split('\\').join('/'));
    assert.deepEqual(files.filter((f) => !f.startsWith('kubernetes/') || f.endsWith('.sh')), ['bin/tests/flux-d2/test.sh', 'tools/release/oci/staging/Makefile']);
    const entries = lintArtifactMap([dir]);
    assert.deepEqual(entries.map((e) => [e.repository, e.tag, e.folder.slice(pathToFileURL(dir).href.length), e.origin.line]), [
      ['ghcr.io/example-org/manifests/fleet', 'test', '/kubernetes/', 2],
      ['ghcr.io/example-org/manifests/staging', 'latest', '/tools/release/oci/staging/manifests/', 1],
    ]);
    const text = spawnSync(process.execPath, [CLI, 'artifacts', '.'], { cwd: dir, encoding: 'utf8' });
    assert.equal(text.stdout, [
      `${URL}:test  kubernetes  from bin/tests/flux-d2/test.sh:3\n`,
      'oci://ghcr.io/example-org/manifests/staging:latest  tools/release/oci/staging/manifests  from tools/release/oci/staging/Makefile:2\n',
    ].join(''));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('artifacts text: one line per entry, each ending in a line break, even when a --path or an --ignore-paths value holds one (Flux reads the patterns as lines: two patterns)', () => {
  const dir = fleet({
    'scripts/publish.sh': '#!/bin/sh\nflux push artifact oci://ghcr.io/example-org/manifests/one:v1 --path=./kubernetes --ignore-paths="*.md\ntests/" --source=x --revision=y\nflux push artifact oci://ghcr.io/example-org/manifests/two:v1 --path="./odd\nname" --source=x --revision=y\nflux push artifact oci://ghcr.io/example-org/manifests/three:v1 --path=./kubernetes --source=x --revision=y\n',
  });
  try {
    const text = spawnSync(process.execPath, [CLI, 'artifacts', '.'], { cwd: dir, encoding: 'utf8' });
    assert.equal(text.stdout, [
      'oci://ghcr.io/example-org/manifests/one:v1  kubernetes  from scripts/publish.sh:2  (ignoring *.md,tests/)\n',
      'oci://ghcr.io/example-org/manifests/two:v1  odd\\nname  from scripts/publish.sh:4\n',
      'oci://ghcr.io/example-org/manifests/three:v1  kubernetes  from scripts/publish.sh:6\n',
    ].join(''));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('map file discovery is bounded by the entries it lists, breadth first: a tree too large to list leaves its deepest folders unlisted, never the top', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'flux-oci-artifacts-')), 'big');
  try {
    mkdirSync(join(dir, '.github', 'workflows'), { recursive: true });
    writeFileSync(join(dir, '.github', 'workflows', 'publish.yaml'), 'on: push\n');
    writeFileSync(join(dir, 'Makefile'), 'all:\n');
    // More entries one folder down than the walk may list (200 here, 20,000 in use).
    const big = join(dir, 'a', 'manifests');
    mkdirSync(big, { recursive: true });
    for (let i = 0; i < 200; i++) writeFileSync(join(big, `f${i}.yaml`), '');
    mkdirSync(join(big, 'deeper'));
    writeFileSync(join(big, 'deeper', 'push.sh'), '');
    const files = (limit: number) => artifactMapFiles(dir, limit).map((p) => p.slice(dir.length + 1).split('\\').join('/'));
    assert.deepEqual(files(200), ['.github/workflows/publish.yaml', 'Makefile']);
    // With room for the whole tree, the script under it is found too.
    assert.deepEqual(files(1000), ['.github/workflows/publish.yaml', 'Makefile', 'a/manifests/deeper/push.sh']);
  } finally {
    rmSync(join(dir, '..'), { recursive: true, force: true });
  }
});

/** A GitHub Actions workflow publishing the fleet the way real ones do (variables, continuation, a moving tag). */
const PUBLISH_WORKFLOW = readFileSync(resolve(__dirname, '..', 'fixtures', 'artifact-map', 'publish-workflow.yaml'), 'utf8');

test('a GitHub Actions workflow maps the fleet: the same verdict as the declared map, said to come from the workflow line', () => {
  const dir = fleet({ '.github/workflows/publish.yaml': PUBLISH_WORKFLOW });
  try {
    assert.deepEqual(problems(dir), ['kubernetes/infra/controllers/ks.yaml:9 error flux/path-not-found']);
    const [finding] = lintPaths([dir]).flatMap((r) => r.findings);
    assert.match(finding.message, /built from \.\/kubernetes — from \.github\/workflows\/publish\.yaml:21/);
    const listed = spawnSync(process.execPath, [CLI, 'artifacts', '.'], { cwd: dir, encoding: 'utf8' });
    assert.equal(listed.stdout, [
      `${URL}:*  kubernetes  from .github/workflows/publish.yaml:17`,
      `${URL}:latest  kubernetes  from .github/workflows/publish.yaml:21`,
      '',
    ].join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the source and Kustomization a FluxInstance makes resolve references: no "not defined in this workspace"', () => {
  const dir = fleet(declared());
  try {
    const found = lintPaths([dir], { unresolvedReferences: 'warning' }).flatMap((r) => r.findings.map((f) => `${r.path.slice(dir.length + 1)} ${f.code} ${f.message}`));
    assert.ok(!found.some((f) => f.includes('flux/ref-not-found')), found.join('\n'));
    // Without the FluxInstance the same reference is unresolved: the test can fail.
    rmSync(join(dir, 'bootstrap'), { recursive: true });
    const without = lintPaths([dir], { unresolvedReferences: 'warning' }).flatMap((r) => r.findings.map((f) => f.code));
    assert.ok(without.includes('flux/ref-not-found'), without.join());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a path the OCIRepository\'s spec.ignore leaves out is an error that says so', () => {
  const dir = fleet({
    ...declared(),
    'bootstrap/flux-instance.yaml': '',
    'bootstrap/source.yaml': `apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 10m
  url: ${URL}
  ref:
    tag: latest
  ignore: |
    /infra/
`,
  });
  try {
    const found = lintPaths([dir]).flatMap((r) => r.findings.map((f) => `${r.path.slice(dir.length + 1)} ${f.code} ${f.message}`));
    assert.ok(found.some((f) => /^kubernetes\/clusters\/prod\/apps\.yaml flux\/path-not-found path "\.\/infra" exists here but is left out of the artifact \(the OCIRepository's spec\.ignore\)/.test(f)), found.join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
