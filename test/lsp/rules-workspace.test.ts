// Cross-file findings stay current: editing, opening or changing another file on disk
// re-checks the open documents that depend on it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lspClient';
import { byCode } from './rules-helpers';

const SYNC = 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: app\n  namespace: apps\nspec:\n  interval: 10m\n  path: ./\n  prune: true\n  sourceRef:\n    kind: OCIRepository\n    name: app\n  dependsOn:\n    - name: infra\n';
const SOURCE = (name: string) => `apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: ${name}\n  namespace: apps\nspec:\n  interval: 5m\n  url: oci://ghcr.io/org/app\n`;
const INFRA = 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: infra\n  namespace: apps\nspec:\n  interval: 10m\n  path: ./infra\n  prune: true\n  sourceRef:\n    kind: OCIRepository\n    name: app\n';

test('other files opening, changing and appearing on disk update an open document', { timeout: 30000 }, async () => {
  const session = await startServer({ settings: { references: { unresolved: 'warning' } } });
  try {
    const notFound = (d: Parameters<typeof byCode>[0]) => byCode(d, 'flux/ref-not-found').map((x) => x.message.split(' is not')[0]);
    let diagnostics = await session.open('sync.yaml', SYNC);
    diagnostics = await session.change('sync.yaml', SYNC);
    assert.deepEqual(notFound(diagnostics).sort(), ['Kustomization "apps/infra"', 'OCIRepository "apps/app"']);

    // Opening the source (an unsaved, new file) resolves the sourceRef without touching sync.yaml.
    const resolved = session.nextDiagnostics('sync.yaml', (d) => notFound(d).length === 1);
    await session.open('source.yaml', SOURCE('app'));
    assert.deepEqual(notFound(await resolved), ['Kustomization "apps/infra"']);

    // Renaming it in its own file brings the warning back.
    const lost = session.nextDiagnostics('sync.yaml', (d) => notFound(d).length === 2);
    await session.change('source.yaml', SOURCE('renamed'));
    assert.equal(notFound(await lost).length, 2);

    // A file created on disk and announced by the file watcher resolves dependsOn.
    const uri = session.write('infra/infra.yaml', INFRA);
    const watched = session.nextDiagnostics('sync.yaml', (d) => !notFound(d).includes('Kustomization "apps/infra"'));
    session.conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri, type: 1 }] });
    await watched;
  } finally {
    await session.close();
  }
});
