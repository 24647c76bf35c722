// The artifact map over real LSP: a fleet published from ./kubernetes and synced by a
// FluxInstance, mapped by .flux-oci.yaml. Children whose parent's patches supply interval and
// prune get no false error; a mistyped path inside the artifact folder is an error with quick
// fixes; hover says what a Kustomization applies and from where; editing the map re-judges.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { filesUnder, startServer, positionOf } from './lspClient';

const FIXTURE = resolve(__dirname, '..', 'fixtures', 'artifact-map', 'oci-fleet');
const URL = 'oci://ghcr.io/example-org/manifests/fleet';

const fixtureFiles = () => filesUnder(FIXTURE);

const MAP = `artifacts:\n  - url: ${URL}\n    path: ./kubernetes\n`;

test('a mapped OCI fleet: no false errors, the path typo with quick fixes, the hover, and an edit of the map re-judges', { timeout: 180_000 }, async () => {
  const session = await startServer({ files: { ...fixtureFiles(), '.flux-oci.yaml': MAP } });
  try {
    const child = 'kubernetes/apps/podinfo/ks.yaml';
    // Until the workspace is indexed the parent is unknown: wait for the verdict with it.
    const noErrors = session.nextDiagnostics(child, (d) => d.every((x) => x.severity !== 1), 60_000);
    const first = await session.open(child, fixtureFiles()[child]);
    const childDiagnostics = first.every((x) => x.severity !== 1) ? first : await noErrors;
    assert.deepEqual(childDiagnostics.filter((d) => d.severity === 1).map((d) => d.message), []);

    const typo = 'kubernetes/infra/controllers/ks.yaml';
    const text = fixtureFiles()[typo];
    const opened = await session.open(typo, text);
    const diagnostics = opened.some((x) => x.code === 'flux/path-not-found') ? opened
      : await session.nextDiagnostics(typo, (d) => d.some((x) => x.code === 'flux/path-not-found'), 60_000);
    const pathError = diagnostics.find((d) => d.code === 'flux/path-not-found');
    assert.ok(pathError, JSON.stringify(diagnostics));
    assert.match(pathError.message, /does not exist in the folder the artifact is built from/);
    const fixes = await session.codeActions(typo, pathError.range, [pathError]);
    assert.ok(fixes.some((f) => f.title.includes('./infra/controller')), fixes.map((f) => f.title).join());

    const hover = await session.hover(typo, positionOf(text, 'path: ./infra', 2));
    const markdown = hover && typeof hover.contents === 'object' && 'value' in hover.contents ? hover.contents.value : JSON.stringify(hover);
    assert.match(markdown, /\*\*Applies\*\* `\.\/infra\/controler` of oci:\/\/ghcr\.io\/example-org\/manifests\/fleet \(tag latest\), built from \.\/kubernetes — declared in \.flux-oci\.yaml:2/);

    // Go to definition on a path reveals the folder it applies (through a file in it).
    const parent = 'kubernetes/clusters/prod/apps.yaml';
    const parentText = fixtureFiles()[parent];
    await session.open(parent, parentText);
    const definition = await session.definition(parent, positionOf(parentText, './apps', 2));
    assert.deepEqual(definition.map((l) => l.uri), [session.uri('kubernetes/apps/podinfo/ks.yaml')]);

    // The map now says the artifact is built in CI from a folder that is not here: no error can be claimed.
    await session.open('.flux-oci.yaml', MAP);
    const cleared = session.nextDiagnostics(typo, (d) => !d.some((x) => x.code === 'flux/path-not-found'), 60_000);
    await session.change('.flux-oci.yaml', MAP.replace('./kubernetes', './dist/kubernetes'));
    await cleared;
  } finally {
    await session.close();
  }
});

test('the map follows a workflow edited in the editor: a --path changed to a folder CI generates takes the path error away, and back', { timeout: 180_000 }, async () => {
  const PUBLISH_WORKFLOW = readFileSync(resolve(__dirname, '..', 'fixtures', 'artifact-map', 'publish-workflow.yaml'), 'utf8');
  const workflow = '.github/workflows/publish.yaml';
  const session = await startServer({ files: { ...fixtureFiles(), [workflow]: PUBLISH_WORKFLOW, '.git/config': '[remote "origin"]\n\turl = https://github.com/example-org/fleet\n' } });
  try {
    const typo = 'kubernetes/infra/controllers/ks.yaml';
    const opened = await session.open(typo, fixtureFiles()[typo]);
    const hasPathError = (d: { code?: unknown }[]) => d.some((x) => x.code === 'flux/path-not-found');
    if (!hasPathError(opened)) await session.nextDiagnostics(typo, hasPathError, 60_000);
    await session.open(workflow, PUBLISH_WORKFLOW);
    const gone = session.nextDiagnostics(typo, (d) => !hasPathError(d), 60_000);
    await session.change(workflow, PUBLISH_WORKFLOW.replace('--path="./kubernetes"', '--path="./dist/kubernetes"'));
    await gone;
    const back = session.nextDiagnostics(typo, hasPathError, 60_000);
    await session.change(workflow, PUBLISH_WORKFLOW);
    await back;
  } finally {
    await session.close();
  }
});
