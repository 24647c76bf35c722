// ciPushes reads the artifact pushes of CI and build files. The fixtures under
// test/fixtures/artifact-map/ci/ are written the way real repositories write them; each test
// asserts the exact entries (repository, tag, folder, path, ignore patterns, verifiability,
// origin line). The edge cases below them pin what is deliberately not an entry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ciPushes, isCiFile, type CiFileInput } from '../../server/src/language/artifacts/ciPushes';
import type { ArtifactMapEntry } from '../../server/src/language/artifacts/types';

const FIXTURES = resolve(__dirname, '..', 'fixtures', 'artifact-map', 'ci');
const ROOT = 'file:///work/fleet/';
const ACME = { owner: 'Acme', name: 'Fleet' };

interface Expected {
  repository: string;
  tag?: string;
  folder: string;
  path: string;
  ignorePaths?: string[];
  annotations?: Record<string, string>;
  verifiable?: boolean;
  line: number;
}

/** A file as it would sit in a repository checked out at ROOT, with a helper to find its lines. */
/** `repository: null` is a repository without a known remote. */
function source(relative: string, text: string, repository: CiFileInput['repository'] | null = ACME) {
  const uri = ROOT + relative;
  const lines = text.split(/\r?\n/);
  return {
    uri,
    text,
    run: () => ciPushes({ uri, text, rootUri: ROOT, ...(repository ? { repository } : {}) }),
    /** The zero-based line holding `needle`, which must occur on exactly one line. */
    lineOf(needle: string): number {
      const found = lines.flatMap((l, i) => (l.includes(needle) ? [i] : []));
      assert.equal(found.length, 1, `"${needle}" should be on exactly one line of ${relative}`);
      return found[0];
    },
  };
}

function fixture(scenario: string, relative: string, repository: CiFileInput['repository'] | null = ACME) {
  return source(relative, readFileSync(resolve(FIXTURES, scenario, relative), 'utf8'), repository);
}

function entries(uri: string, expected: Expected[]): ArtifactMapEntry[] {
  return expected.map(({ line, ...e }) => ({ ignorePaths: [], verifiable: true, ...e, origin: { kind: 'ci', uri, line } }));
}

/** Compared as JSON: an absent tag and `tag: undefined` both mean "any tag". */
function assertEntries(actual: ArtifactMapEntry[], uri: string, expected: Expected[]): void {
  assert.deepEqual(JSON.parse(JSON.stringify(actual)), JSON.parse(JSON.stringify(entries(uri, expected))));
}

// --- fixtures --------------------------------------------------------------------------------

test('GitHub Actions: workflow, job and step env (innermost wins), repository name from the remote, `run: |` continuations, flux tag artifact, working-directory with `run: >-`', () => {
  const f = fixture('github', '.github/workflows/release.yaml');
  const push = f.lineOf('flux push artifact $OCI_REPO:${{ env.CHANNEL }} \\');
  const tag = f.lineOf('flux tag artifact $OCI_REPO:main');
  const manifests = { folder: `${ROOT}kubernetes/`, path: './kubernetes', ignorePaths: ['*.md', 'tests/'], annotations: { 'org.opencontainers.image.description': 'Fleet manifests' } };
  assertEntries(f.run(), f.uri, [
    // The step's CHANNEL (main) wins over the job's (edge) and the workflow's (nightly).
    { repository: 'ghcr.io/acme/fleet', tag: 'main', ...manifests, line: push },
    // The tags moved afterwards come from the folder the pushed tag was built from.
    { repository: 'ghcr.io/acme/fleet', tag: 'latest', ...manifests, line: tag },
    { repository: 'ghcr.io/acme/fleet', tag: 'stable', ...manifests, line: tag },
    // Tagged with the commit: any tag.
    { repository: 'ghcr.io/acme/fleet', folder: `${ROOT}kubernetes/`, path: './kubernetes', line: f.lineOf('flux push artifact $OCI_REPO:${{ github.sha }}') },
    // The job's CHANNEL here (the step above set its own); --path is relative to working-directory.
    { repository: 'ghcr.io/acme/fleet/platform', tag: 'edge', folder: `${ROOT}platform/base/`, path: './base', line: f.lineOf('/platform:${{ env.CHANNEL }}') },
    // The mirror's registry is a repository variable, set outside the file: no entry.
  ]);
});

test('GitLab CI: global and job variables, $CI_REGISTRY_IMAGE from the remote, extends with a before_script that changes folder, `- |` blocks, flux tag artifact', () => {
  const f = fixture('gitlab', '.gitlab-ci.yml', { owner: 'Acme', name: 'Fleet', host: 'gitlab.com' });
  const manifests = { repository: 'registry.gitlab.com/acme/fleet/manifests', folder: `${ROOT}deploy/production/`, path: './production' };
  assertEntries(f.run(), f.uri, [
    { ...manifests, line: f.lineOf('flux push artifact $ARTIFACT:$TAG \\') },
    { ...manifests, tag: 'latest', line: f.lineOf('flux tag artifact $ARTIFACT:$TAG --tag latest') },
    // $CI_COMMIT_TAG is set by GitLab, so the `:-dev` default does not apply: any tag.
    { repository: 'registry.gitlab.com/acme/charts', folder: `${ROOT}charts/`, path: './charts', ignorePaths: ['*.tgz'], line: f.lineOf('flux push artifact ${CHARTS_REPO}') },
  ]);
});

test('Makefile: `?=` and `:=` variables, $(shell …) tags, the flux binary behind a variable, recipe continuations, $$ shell variables from exported ones, $(CURDIR), paths relative to the Makefile\'s folder', () => {
  const f = fixture('make', 'deploy/Makefile');
  const manifests = { repository: 'ghcr.io/acme/fleet', folder: `${ROOT}deploy/manifests/`, path: './manifests' };
  assertEntries(f.run(), f.uri, [
    { ...manifests, line: f.lineOf('$(FLUX) push artifact') },
    { ...manifests, tag: 'stable', line: f.lineOf('-@flux push artifact') },
    { ...manifests, tag: 'latest', line: f.lineOf('flux tag artifact') },
  ]);
});

test('Taskfile: templated vars, a task called twice with different vars (task vars with `default` see the caller\'s), dir:, env:, a `sh:` var as an unknown tag', () => {
  const f = fixture('task', 'Taskfile.yml');
  const cmd = f.lineOf('flux push artifact {{.REPO}}-{{.CLUSTER}}:{{.TAG}} \\');
  assertEntries(f.run(), f.uri, [
    { repository: 'ghcr.io/acme/fleet-staging', tag: 'latest', folder: `${ROOT}clusters/staging/`, path: './staging', line: cmd },
    { repository: 'ghcr.io/acme/fleet-production', tag: 'stable', folder: `${ROOT}clusters/production/`, path: './production', line: cmd },
    { repository: 'ghcr.io/acme/fleet', folder: `${ROOT}clusters/production/`, path: './clusters/production', line: f.lineOf('$FLUX_OCI_REPO:{{.GIT_SHA}}') },
  ]);
});

test('shell script: `${VAR:-default}`, export and readonly, the repository root from the script\'s own location, ${GITHUB_REPOSITORY#*/}, a tag moved inside an if', () => {
  const f = fixture('shell', 'scripts/publish.sh');
  const production = { repository: 'ghcr.io/acme/fleet', folder: `${ROOT}clusters/production/`, path: './clusters/production', ignorePaths: ['*.md'] };
  assertEntries(f.run(), f.uri, [
    { ...production, tag: 'latest', line: f.lineOf('flux push artifact "${OCI_URL}:${TAG}" \\') },
    { ...production, tag: 'production', line: f.lineOf('flux tag artifact') },
  ]);
});

test('one workflow publishing three artifacts from three folders (a matrix of includes)', () => {
  const f = fixture('three-artifacts', '.github/workflows/push-artifacts.yml');
  const line = f.lineOf('flux push artifact oci://ghcr.io/${{ github.repository }}');
  assertEntries(f.run(), f.uri, [
    { repository: 'ghcr.io/acme/fleet/cluster-local', tag: 'latest', folder: `${ROOT}clusters/local/`, path: './clusters/local', line },
    { repository: 'ghcr.io/acme/fleet/infra', tag: 'latest', folder: `${ROOT}infrastructure/`, path: './infrastructure', line },
    { repository: 'ghcr.io/acme/fleet/apps', tag: 'latest', folder: `${ROOT}apps/`, path: './apps', line },
  ]);
});

test('two tags of one repository from two folders (jobs extending one template with their own variables)', () => {
  const f = fixture('two-tags', '.gitlab-ci.yml');
  const line = f.lineOf('flux push artifact "$OCI_REPO:$ENVIRONMENT"');
  assertEntries(f.run(), f.uri, [
    { repository: 'registry.example.com/platform/fleet', tag: 'staging', folder: `${ROOT}staging/`, path: './staging', line },
    { repository: 'registry.example.com/platform/fleet', tag: 'production', folder: `${ROOT}production/`, path: './production', line },
  ]);
});

test('a folder the workflow generates (kustomize build > dist/…) and a rendered single file are not verifiable; a checked-in folder is', () => {
  const f = fixture('generated', '.github/workflows/render.yaml');
  assertEntries(f.run(), f.uri, [
    { repository: 'ghcr.io/acme/rendered', tag: 'production', folder: `${ROOT}dist/production/`, path: './dist/production', verifiable: false, line: f.lineOf(':production --path') },
    { repository: 'ghcr.io/acme/rendered', tag: 'staging', folder: `${ROOT}dist/staging.yaml`, path: './dist/staging.yaml', verifiable: false, line: f.lineOf(':staging --path') },
    { repository: 'ghcr.io/acme/rendered-source', tag: 'latest', folder: `${ROOT}clusters/`, path: './clusters', line: f.lineOf('-source:latest') },
  ]);
});

test('GitHub Actions: the push action of controlplaneio-fluxcd/distribution (a `uses:` step), its inputs resolved like run lines; it pushes to diff-tag, else the first of tags, else latest, and copies to every tag', () => {
  const f = fixture('push-action', '.github/workflows/push-artifact.yaml', { owner: 'acme', name: 'fleet' });
  const uses = f.text.split('\n').flatMap((l, i) => (l.includes('uses: controlplaneio-fluxcd/distribution/actions/push@') ? [i] : []));
  assert.equal(uses.length, 4);
  const clusters = { repository: 'ghcr.io/acme/fleet-clusters', folder: `${ROOT}clusters/`, path: 'clusters', ignorePaths: ['staging', '*.md'], annotations: { app: 'fleet', env: 'production' }, line: uses[2] };
  const infra = { repository: 'ghcr.io/acme/fleet-infra', folder: `${ROOT}infrastructure/`, path: './infrastructure', line: uses[3] };
  assertEntries(f.run(), f.uri, [
    // No tag input: `flux push artifact oci://ghcr.io/acme/fleet` pushes latest.
    { repository: 'ghcr.io/acme/fleet', tag: 'latest', folder: ROOT, path: './', line: uses[0] },
    // diff-tag from a step output: any tag.
    { repository: 'ghcr.io/acme/fleet/tenants', folder: `${ROOT}tenants/`, path: 'tenants', line: uses[1] },
    // diff-tag from the step's env, the tags copied from it; the job's working-directory does not apply to the action.
    { ...clusters, tag: 'production' },
    { ...clusters, tag: 'prod-eu' },
    { ...clusters, tag: 'prod-us' },
    // The first tag (the commit) is pushed, then copied to latest.
    infra,
    { ...infra, tag: 'latest' },
  ]);
});

test('GitHub Actions: no entry from other actions (setup, update, docker/build-push-action, a local action with the same inputs), from the push action without a repository or with one the file does not spell out, nor with an upper-case repository (the action refuses it)', () => {
  const lower = { owner: 'acme', name: 'fleet' };
  assert.deepEqual(fixture('push-action', '.github/workflows/not-a-push.yaml', lower).run(), []);
  // `ghcr.io/${{ github.repository }}` is ghcr.io/Acme/Fleet here: the action fails before pushing.
  assert.deepEqual(fixture('push-action', '.github/workflows/push-artifact.yaml').run(), []);
});

// --- edge cases ------------------------------------------------------------------------------

test('isCiFile: workflows, GitLab CI files, Makefiles, Taskfiles and scripts; not other YAML or nested workflow folders', () => {
  for (const yes of ['.github/workflows/release.yaml', '.github/workflows/ci.yml', 'sub/.github/workflows/x.yml', '.gitlab-ci.yml', '.gitlab/ci/publish.yml', 'ci/deploy.gitlab-ci.yml', 'Makefile', 'deploy/GNUmakefile', 'makefile', 'build/flux.mk', 'Taskfile.yml', 'taskfile.yaml', 'Taskfile.dist.yml', 'hack/push.sh', 'scripts/release.bash']) {
    assert.equal(isCiFile(yes), true, yes);
  }
  for (const no of ['.github/workflows/nested/x.yml', '.github/dependabot.yml', 'clusters/prod/kustomization.yaml', 'Makefile.bak', 'README.md', 'Taskfile.json', 'scripts/push.py', 'sh']) {
    assert.equal(isCiFile(no), false, no);
  }
});

test('commented-out pushes are no pushes, in scripts, run blocks, YAML and Makefiles', () => {
  const sh = source('hack/push.sh', [
    '#!/bin/sh',
    '# flux push artifact oci://ghcr.io/acme/a:v1 --path=./a',
    'echo done # flux push artifact oci://ghcr.io/acme/b:v1 --path=./b',
    '# was: make manifests; flux push artifact oci://ghcr.io/acme/c:v1 --path=./c',
    'echo "#"; echo x#y; flux push artifact oci://ghcr.io/acme/d:v1 --path=./d#1',
  ].join('\n'));
  assertEntries(sh.run(), sh.uri, [{ repository: 'ghcr.io/acme/d', tag: 'v1', folder: `${ROOT}d%231/`, path: './d#1', line: 4 }]);
  const gh = source('.github/workflows/x.yml', 'jobs:\n  a:\n    steps:\n      # - run: flux push artifact oci://ghcr.io/acme/a:v1 --path=./a\n      - run: |\n          # flux push artifact oci://ghcr.io/acme/b:v1 --path=./b\n          echo ok\n');
  assert.deepEqual(gh.run(), []);
  const make = source('Makefile', '# push:\n#\tflux push artifact oci://ghcr.io/acme/a:v1 --path=./a\npush:\n\t# flux push artifact oci://ghcr.io/acme/b:v1 --path=./b\n\t@echo ok\n');
  assert.deepEqual(make.run(), []);
});

test('a tag the file cannot resolve means any tag; an unresolvable repository or --path means no entry', () => {
  const f = source('hack/push.sh', [
    'flux push artifact oci://ghcr.io/acme/app:$(git rev-parse --short HEAD) --path=./app',
    'flux push artifact "oci://${REGISTRY}/app:v1" --path=./app',
    'flux push artifact oci://ghcr.io/acme/app:v1 --path="$BUILD_DIR/app"',
    'flux push artifact oci://ghcr.io/acme/app:v2 --path=/tmp/app',
    'flux push artifact oci://ghcr.io/acme/app:v3',
  ].join('\n'));
  assertEntries(f.run(), f.uri, [{ repository: 'ghcr.io/acme/app', folder: `${ROOT}app/`, path: './app', line: 0 }]);
});

test('GitHub expressions the file does not define (secrets, vars, step outputs, a missing remote) leave the repository unknown', () => {
  const text = 'jobs:\n  a:\n    steps:\n      - run: flux push artifact oci://ghcr.io/${{ github.repository }}:v1 --path=./a\n      - run: flux push artifact oci://${{ steps.meta.outputs.registry }}/x:v1 --path=./a\n';
  assert.deepEqual(source('.github/workflows/x.yml', text, null).run(), []);
  const withRemote = source('.github/workflows/x.yml', text);
  assertEntries(withRemote.run(), withRemote.uri, [{ repository: 'ghcr.io/acme/fleet', tag: 'v1', folder: `${ROOT}a/`, path: './a', line: 3 }]);
});

test('--path spellings: =value, separate value, double and single quotes, flags from an unquoted variable; -p is no flux flag', () => {
  const f = source('hack/push.sh', [
    'flux push artifact oci://ghcr.io/acme/a:v1 --path=./a',
    'flux push artifact oci://ghcr.io/acme/b:v1 --path ./b/',
    'flux push artifact oci://ghcr.io/acme/c:v1 --path="./c"',
    "flux push artifact oci://ghcr.io/acme/d:v1 --path='./d/../e'",
    'flux push artifact oci://ghcr.io/acme/f:v1 -p ./f',
    'flux push artifact --path=./g oci://ghcr.io/acme/g',
    'PUSH_FLAGS="--path ./h --reproducible"',
    'flux push artifact oci://ghcr.io/acme/h:v1 $PUSH_FLAGS',
    'flux push artifact oci://ghcr.io/acme/i:v1 "$PUSH_FLAGS"',
  ].join('\n'));
  assertEntries(f.run(), f.uri, [
    { repository: 'ghcr.io/acme/a', tag: 'v1', folder: `${ROOT}a/`, path: './a', line: 0 },
    { repository: 'ghcr.io/acme/b', tag: 'v1', folder: `${ROOT}b/`, path: './b/', line: 1 },
    { repository: 'ghcr.io/acme/c', tag: 'v1', folder: `${ROOT}c/`, path: './c', line: 2 },
    { repository: 'ghcr.io/acme/d', tag: 'v1', folder: `${ROOT}e/`, path: './d/../e', line: 3 },
    // No tag pushes `latest`.
    { repository: 'ghcr.io/acme/g', tag: 'latest', folder: `${ROOT}g/`, path: './g', line: 5 },
    // Unquoted, the variable splits into flags; quoted, it is one unknown flag and no --path.
    { repository: 'ghcr.io/acme/h', tag: 'v1', folder: `${ROOT}h/`, path: './h', line: 7 },
  ]);
});

test('--ignore-paths read as Flux reads it, as .sourceignore lines: a line break inside a value separates patterns, a # pattern is a comment', () => {
  const f = source('scripts/push.sh', '#!/bin/sh\nflux push artifact oci://ghcr.io/acme/fleet:v1 --path=./clusters --ignore-paths="*.md\n  tests/,#no" --source=x --revision=y\n');
  assertEntries(f.run(), f.uri, [{ repository: 'ghcr.io/acme/fleet', tag: 'v1', folder: `${ROOT}clusters/`, path: './clusters', ignorePaths: ['*.md', 'tests/'], line: 1 }]);
});

test('our own CLI: flux-oci push [artifact] <ref> --path, --ignore and --ignore-paths, flux-oci tag with --tag or a positional tag; a positional folder is refused by the CLI (even beside --path), so it is no push', () => {
  const f = source('hack/push.sh', [
    'flux-oci push oci://ghcr.io/acme/a:v1 --path ./a --ignore-paths "docs/,*.md" --ignore tmp/',
    'flux-oci push artifact ghcr.io/acme/b --path=./b -a team=platform',
    'flux-oci push oci://ghcr.io/acme/c:v1 ./c',
    'flux-oci push oci://ghcr.io/acme/c:v1 ./c --path=./c',
    'flux-oci tag oci://ghcr.io/acme/a:v1 stable',
    'flux-oci tag artifact oci://ghcr.io/acme/b:latest -t prod,canary',
    'flux-oci push acme/hub:v1 --path=./hub',
  ].join('\n'));
  const a = { repository: 'ghcr.io/acme/a', folder: `${ROOT}a/`, path: './a', ignorePaths: ['docs/', '*.md', 'tmp/'] };
  const b = { repository: 'ghcr.io/acme/b', folder: `${ROOT}b/`, path: './b', annotations: { team: 'platform' } };
  assertEntries(f.run(), f.uri, [
    { ...a, tag: 'v1', line: 0 },
    { ...b, tag: 'latest', line: 1 },
    { ...a, tag: 'stable', line: 4 },
    { ...b, tag: 'prod', line: 5 },
    { ...b, tag: 'canary', line: 5 },
  ]);
});

test('a single file, an ignore pattern the file cannot resolve, and a folder the script empties and refills are not verifiable', () => {
  const f = source('hack/push.sh', [
    'flux push artifact oci://ghcr.io/acme/one:v1 --path=./deploy/all.yaml',
    'flux push artifact oci://ghcr.io/acme/two:v1 --path=./two --ignore-paths="$EXTRA_IGNORES,*.md"',
    'rm -rf build && cp -r manifests build/',
    'flux push artifact oci://ghcr.io/acme/three:v1 --path=./build/prod',
    'flux push artifact oci://ghcr.io/acme/four:v1 --path=./manifests',
  ].join('\n'));
  assertEntries(f.run(), f.uri, [
    { repository: 'ghcr.io/acme/one', tag: 'v1', folder: `${ROOT}deploy/all.yaml`, path: './deploy/all.yaml', verifiable: false, line: 0 },
    { repository: 'ghcr.io/acme/two', tag: 'v1', folder: `${ROOT}two/`, path: './two', ignorePaths: ['*.md'], verifiable: false, line: 1 },
    { repository: 'ghcr.io/acme/three', tag: 'v1', folder: `${ROOT}build/prod/`, path: './build/prod', verifiable: false, line: 3 },
    { repository: 'ghcr.io/acme/four', tag: 'v1', folder: `${ROOT}manifests/`, path: './manifests', line: 4 },
  ]);
});

test('shell control flow: branches that disagree make a value unknown, agreeing ones keep it; loops run per word; cd in a subshell does not leak; functions take arguments', () => {
  const f = source('hack/push.sh', [
    'if [ "$BRANCH" = main ]; then CHANNEL=stable; else CHANNEL=edge; fi',
    'if [ -n "$CI" ]; then OWNER=acme; else OWNER=acme; fi',
    'flux push artifact oci://ghcr.io/$OWNER/app:$CHANNEL --path=./app',
    '(cd kubernetes && flux push artifact oci://ghcr.io/acme/k8s:v1 --path=.)',
    'flux push artifact oci://ghcr.io/acme/here:v1 --path=.',
    'publish() {',
    '  flux push artifact "oci://ghcr.io/acme/$1:${2:-latest}" --path="./tenants/$1"',
    '}',
    'for tenant in team-a team-b; do publish "$tenant" v2; done',
  ].join('\n'));
  const publish = f.lineOf('--path="./tenants/$1"');
  assertEntries(f.run(), f.uri, [
    { repository: 'ghcr.io/acme/app', folder: `${ROOT}app/`, path: './app', line: 2 },
    { repository: 'ghcr.io/acme/k8s', tag: 'v1', folder: `${ROOT}kubernetes/`, path: '.', line: 3 },
    { repository: 'ghcr.io/acme/here', tag: 'v1', folder: ROOT, path: '.', line: 4 },
    { repository: 'ghcr.io/acme/team-a', tag: 'v2', folder: `${ROOT}tenants/team-a/`, path: './tenants/team-a', line: publish },
    { repository: 'ghcr.io/acme/team-b', tag: 'v2', folder: `${ROOT}tenants/team-b/`, path: './tenants/team-b', line: publish },
  ]);
});

test('GitHub Actions: a value written to $GITHUB_ENV replaces the workflow env in later steps', () => {
  const f = source('.github/workflows/x.yml', [
    'env:',
    '  VERSION: dev',
    '  CHANNEL: dev',
    'jobs:',
    '  push:',
    '    steps:',
    '      - run: |',
    '          echo "VERSION=$(git describe --tags)" >> "$GITHUB_ENV"',
    '          echo "CHANNEL=stable" >> $GITHUB_ENV',
    '      - run: |',
    '          flux push artifact oci://ghcr.io/acme/app:$VERSION --path=./app',
    '          flux push artifact oci://ghcr.io/acme/app:${{ env.CHANNEL }} --path=./app',
  ].join('\n'));
  assertEntries(f.run(), f.uri, [
    { repository: 'ghcr.io/acme/app', folder: `${ROOT}app/`, path: './app', line: 10 },
    { repository: 'ghcr.io/acme/app', tag: 'stable', folder: `${ROOT}app/`, path: './app', line: 11 },
  ]);
});

test('Makefile: `ifndef` as a default, other conditional assignments unknown, a line without a tab is no recipe', () => {
  const f = source('Makefile', [
    'ifndef TAG',
    'TAG = v1',
    'endif',
    'ifeq ($(ENV),prod)',
    'REPO = oci://ghcr.io/acme/prod',
    'endif',
    'push:',
    '\tflux push artifact oci://ghcr.io/acme/app:$(TAG) --path=./app',
    '\tflux push artifact $(REPO):v1 --path=./app',
    '    flux push artifact oci://ghcr.io/acme/spaces:v1 --path=./app',
  ].join('\n'));
  assertEntries(f.run(), f.uri, [{ repository: 'ghcr.io/acme/app', tag: 'v1', folder: `${ROOT}app/`, path: './app', line: 7 }]);
});

test('YAML that does not parse does not throw: its flux lines are still read one by one', () => {
  const f = source('.gitlab-ci.yml', 'publish:\n  script: [\n    - flux push artifact oci://registry.example.com/acme/app:v1 --path=./app\n  ]: :\n');
  assertEntries(f.run(), f.uri, [{ repository: 'registry.example.com/acme/app', tag: 'v1', folder: `${ROOT}app/`, path: './app', line: 2 }]);
});

test('CRLF line endings give the same lines, and control characters in the text do not confuse values', () => {
  const f = source('hack/push.sh', 'echo start\r\nflux push artifact oci://ghcr.io/acme/app:v1 \\\r\n  --path=./app\r\n');
  assertEntries(f.run(), f.uri, [{ repository: 'ghcr.io/acme/app', tag: 'v1', folder: `${ROOT}app/`, path: './app', line: 1 }]);
  const odd = source('hack/push.sh', 'flux push artifact oci://ghcr.io/acme/app:v1 --path=./\u0001\u0000x');
  const [entry] = odd.run();
  assert.ok(entry && !/[\u0000\u0001]/.test(entry.folder + entry.path), JSON.stringify(entry));
});

test('hostile 1 MB inputs return quickly and never throw', () => {
  const MB = 1 << 20;
  const fill = (unit: string) => `flux push artifact\n${unit.repeat(Math.ceil(MB / unit.length))}`.slice(0, MB);
  const inputs = [
    fill('$('), fill('"'), fill('`'), fill('${'), fill('\\\n'),
    fill('if x; then A=$A$A; else A=1; fi\n'),
    fill('for a in 1 2 3 4 5 6 7 8; do for b in 1 2 3 4 5 6 7 8; do X=$a$b; done; done\n'),
    fill('( { if for x in a; do '),
    fill('f() { f "$@" "$@"; }; f a\n'),
    fill('V=${V##*a*a*a*}\n'),
    fill('A$(B)=$(shell echo $(C)) \\\n'),
    fill('flux push artifact oci://ghcr.io/acme/app:${{ env.T }} --path=./app \\\n'),
    fill('- run: [ "${{ \n'),
  ];
  for (const text of inputs) {
    for (const relative of ['hack/x.sh', 'Makefile', '.github/workflows/x.yml', '.gitlab-ci.yml', 'Taskfile.yml']) {
      const started = Date.now();
      const out = source(relative, text).run();
      const took = Date.now() - started;
      assert.ok(Array.isArray(out));
      // Linear work takes well under a second here; a quadratic path takes minutes.
      assert.ok(took < 5000, `${relative} with ${JSON.stringify(text.slice(19, 40))}…: ${took} ms`);
    }
  }
});
