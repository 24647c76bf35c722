// The apply graph in the language server: a fleet-shaped workspace (test/fixtures/applygraph/fleet
// in a Git repository) reports nothing on patch-supplied fields and ${VAR} values, a Kustomization
// path that does not exist is an error whose quick fix points it at the nearest folder, and hover
// on a document says which Kustomization applies it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startServer, positionOf } from './lspClient';
import { applyFix, byCode } from './rules-helpers';

const FIXTURE = resolve(__dirname, '..', 'fixtures', 'applygraph', 'fleet');

test('a fleet in the editor: judged as applied, paths checked, hover names the applier', { timeout: 60000 }, async () => {
  const base = mkdtempSync(join(tmpdir(), 'flux-oci-lsp-fleet-'));
  const root = join(base, 'fleet');
  cpSync(FIXTURE, root, { recursive: true });
  mkdirSync(join(root, '.git'));
  writeFileSync(join(root, '.git', 'config'), '[remote "origin"]\n\turl = https://github.com/example/fleet.git\n');
  const session = await startServer({ root, settings: { references: { unresolved: 'warning' } } });
  try {
    const read = (rel: string) => readFileSync(join(root, rel), 'utf8');
    const problems = (d: { severity?: number }[]) => d.filter((x) => x.severity === 1 || x.severity === 2);
    // Before the workspace is indexed the child lacks its parent's patch; once indexed it is clean.
    const clean = session.nextDiagnostics('apps/podinfo/ks.yaml', (d) => problems(d).length === 0, 20000);
    await session.open('apps/podinfo/ks.yaml', read('apps/podinfo/ks.yaml'));
    await clean;
    const release = session.nextDiagnostics('apps/podinfo/app/release.yaml', (d) => problems(d).length === 0, 20000);
    await session.open('apps/podinfo/app/release.yaml', read('apps/podinfo/app/release.yaml'));
    await release;

    // Removing the parent's patch brings the child's missing fields back (the open child is re-checked).
    const apps = read('clusters/production/apps.yaml');
    const missing = session.nextDiagnostics('apps/podinfo/ks.yaml', (d) => byCode(d, 'schema/required').length === 3);
    await session.open('clusters/production/apps.yaml', apps);
    await session.change('clusters/production/apps.yaml', apps.slice(0, apps.indexOf('  patches:')));
    await missing;
    const restored = session.nextDiagnostics('apps/podinfo/ks.yaml', (d) => problems(d).length === 0);
    await session.change('clusters/production/apps.yaml', apps);
    await restored;

    // A path that does not exist: error, fixed by the nearest existing folder.
    const infra = read('clusters/production/infrastructure.yaml');
    await session.open('clusters/production/infrastructure.yaml', infra);
    const broken = await session.change('clusters/production/infrastructure.yaml', infra.replace('path: ./infrastructure/configs', 'path: ./infrastructure/config'));
    const [notFound] = byCode(broken, 'flux/path-not-found');
    assert.ok(notFound, JSON.stringify(broken.map((d) => d.message)));
    assert.equal(notFound.severity, 1);
    const fixed = session.nextDiagnostics('clusters/production/infrastructure.yaml', (d) => byCode(d, 'flux/path-not-found').length === 0);
    const action = await applyFix(session, 'clusters/production/infrastructure.yaml', notFound);
    assert.equal(action.title, 'Change the path to ./infrastructure/configs');
    await fixed;
    assert.match(session.text('clusters/production/infrastructure.yaml'), /path: \.\/infrastructure\/configs\n/);

    // Hover on kind: which Kustomization applies the document, into which namespace.
    const text = session.text('apps/podinfo/app/release.yaml');
    const hover = await session.hover('apps/podinfo/app/release.yaml', positionOf(text, 'kind: HelmRelease', 1));
    const markdown = (hover?.contents as { value: string } | undefined)?.value ?? '';
    assert.match(markdown, /\*\*Applied by\*\*/);
    assert.match(markdown, /Kustomization `podinfo\/podinfo` in \[\.\.\/ks\.yaml, line 5\]/);
    assert.match(markdown, /namespace `podinfo` \(its targetNamespace\)/);
    assert.match(markdown, /substituted/);
    // Plain Kubernetes objects too.
    const ns = read('apps/podinfo/namespace.yaml');
    await session.open('apps/podinfo/namespace.yaml', ns);
    const nsHover = await session.hover('apps/podinfo/namespace.yaml', positionOf(ns, 'kind', 1));
    assert.match((nsHover?.contents as { value: string } | undefined)?.value ?? '', /Kustomization `flux-system\/cluster-apps`/);
  } finally {
    await session.close();
    rmSync(base, { recursive: true, force: true });
  }
});
