// Workspace folders added and removed after start-up (VS Code's "Add Folder to Workspace…"):
// the added folder's files join the index and resolve references of open documents; removing
// the folder drops them again, but a file of it that is open stays; the apply graph follows
// the new roots (a Kustomization's spec.path under the added folder is judged there).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startServer } from './lspClient';
import { byCode } from './rules-helpers';

const SYNC = 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: app\n  namespace: apps\nspec:\n  interval: 10m\n  path: ./\n  prune: true\n  sourceRef:\n    kind: OCIRepository\n    name: shared\n';
const SOURCE = 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: shared\n  namespace: apps\nspec:\n  interval: 5m\n  url: oci://ghcr.io/org/shared\n';

const other = mkdtempSync(join(tmpdir(), 'flux-oci-folder-'));
after(() => rmSync(other, { recursive: true, force: true }));

test('a folder added to the workspace resolves references; removing it drops them again', { timeout: 60000 }, async () => {
  mkdirSync(join(other, 'sources'), { recursive: true });
  writeFileSync(join(other, 'sources', 'shared.yaml'), SOURCE);
  const folder = { uri: pathToFileURL(other).href, name: 'other' };
  const session = await startServer();
  try {
    const notFound = (d: Parameters<typeof byCode>[0]) => byCode(d, 'flux/ref-not-found').length;
    assert.equal(notFound(await session.open('sync.yaml', SYNC)), 1, 'the source is in no workspace folder yet');

    const resolved = session.nextDiagnostics('sync.yaml', (d) => notFound(d) === 0);
    session.conn.sendNotification('workspace/didChangeWorkspaceFolders', { event: { added: [folder], removed: [] } });
    await resolved;

    const lost = session.nextDiagnostics('sync.yaml', (d) => notFound(d) === 1);
    session.conn.sendNotification('workspace/didChangeWorkspaceFolders', { event: { added: [], removed: [folder] } });
    await lost;

    // Added again, then removed while the source file is open: the open file stays in the index.
    const again = session.nextDiagnostics('sync.yaml', (d) => notFound(d) === 0);
    session.conn.sendNotification('workspace/didChangeWorkspaceFolders', { event: { added: [folder], removed: [] } });
    await again;
    // The source opened (its diagnostics published), then its folder removed.
    await session.open(relative(session.root, join(other, 'sources', 'shared.yaml')), SOURCE);
    session.conn.sendNotification('workspace/didChangeWorkspaceFolders', { event: { added: [], removed: [folder] } });
    // An edit after the removal is checked against the index as the removal left it.
    const edited = session.nextDiagnostics('sync.yaml', (_d, version) => version === 2);
    void session.change('sync.yaml', `${SYNC}# edited after the folder left\n`);
    assert.equal(notFound(await edited), 0, 'an open file of a removed folder still resolves references');
  } finally {
    await session.close();
  }
});
