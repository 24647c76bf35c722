// Concurrency at the language server: settings changing many times while documents are being
// edited and validated, and servers shut down in the middle of validation bursts (what a restart
// from the editor does). Defined outcome: the diagnostics at the end are those of a fresh server
// given the final texts and settings; every shutdown is answered and the process exits 0; nothing
// is written to the workspace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { startServer, type LspSession } from './lspClient';
import { budget } from '../timing';

const doc = (i: number, interval: string, extra = '') => [
  'apiVersion: source.toolkit.fluxcd.io/v1',
  'kind: OCIRepository',
  'metadata:',
  `  name: app-${i}`,
  'spec:',
  `  interval: ${interval}`,
  `  url: oci://ghcr.io/example/app-${i}`,
  `  bogus: ${i}${extra}`,
  '---',
  'apiVersion: kustomize.toolkit.fluxcd.io/v1',
  'kind: Kustomization',
  'metadata:',
  `  name: app-${i}`,
  'spec:',
  '  interval: 10m',
  '  prune: true',
  '  sourceRef:',
  '    kind: OCIRepository',
  `    name: app-${(i + 1) % 12}`,
  '',
].join('\n');

const SETTINGS: Record<string, unknown>[] = [
  {},
  { validate: { enable: false } },
  { validate: { enable: true, unknownFields: 'off' } },
  { references: { unresolved: 'off' } },
  { validate: { enable: true, unknownFields: 'warning' }, references: { unresolved: 'warning' } },
];

const key = (ds: readonly Diagnostic[]) => ds.map((d) => JSON.stringify([d.range, d.code, d.message, d.severity])).sort();

/** The diagnostics of a file's current text (a publish already under way cannot answer). */
async function settled(s: LspSession, name: string): Promise<string[]> {
  await s.change(name, s.text(name));
  return key(await s.change(name, s.text(name)));
}

test('settings changed 60 times during edits: the end state equals a fresh server with the final settings', { timeout: budget(300_000) }, async () => {
  const names = Array.from({ length: 12 }, (_, i) => `app-${i}.yaml`);
  const session = await startServer();
  let fresh: LspSession | undefined;
  try {
    for (const [i, name] of names.entries()) await session.open(name, doc(i, '5m'));
    const changes: Promise<unknown>[] = [];
    for (let n = 0; n < 60; n++) {
      const i = n % names.length;
      // An edit and a settings change in the same breath, nothing awaited in between.
      changes.push(session.change(names[i], doc(i, n % 3 === 0 ? '5 minutes' : `${n}m`, n % 4 === 0 ? '\n  extra: x' : '')));
      changes.push(session.setSettings(SETTINGS[n % SETTINGS.length]));
    }
    const final = { validate: { enable: true, unknownFields: 'off' }, references: { unresolved: 'warning' } };
    changes.push(session.setSettings(final));
    await Promise.all(changes);
    fresh = await startServer({ settings: final });
    let total = 0;
    for (const name of names) {
      await fresh.open(name, session.text(name));
    }
    for (const name of names) {
      const got = await settled(session, name);
      assert.deepEqual(got, await settled(fresh, name), `${name}: the churned server agrees with a fresh one`);
      total += got.length;
    }
    assert.ok(total > 0, 'the final settings leave something to report');
  } finally {
    await fresh?.close();
    await session.close();
  }
});

test('shutdown in the middle of validation bursts, five times: answered, exit 0, workspace untouched', { timeout: budget(300_000) }, async () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 12; i++) files[`app-${i}.yaml`] = doc(i, '5m');
  let root: string | undefined;
  for (let round = 0; round < 5; round++) {
    const session = await startServer(root ? { root } : { files });
    root ??= session.root;
    for (const name of Object.keys(files).slice(0, 6)) await session.open(name, files[name]);
    // A burst of edits and settings changes the server is still working through ...
    for (let n = 0; n < 40; n++) {
      const name = `app-${n % 6}.yaml`;
      void session.change(name, doc(n % 6, `${n}m`, '\n  more: 1')).catch(() => undefined);
      if (n % 10 === 0) void session.conn.sendNotification('workspace/didChangeConfiguration', { settings: { fluxOci: SETTINGS[n % SETTINGS.length] } });
    }
    // ... when the editor restarts it.
    const answered = await session.conn.sendRequest('shutdown').then(() => true, () => false);
    assert.ok(answered, `round ${round}: shutdown answered`);
    const exited = new Promise<number | null>((r) => (session.proc.exitCode !== null ? r(session.proc.exitCode) : session.proc.once('exit', (code) => r(code))));
    await session.conn.sendNotification('exit');
    assert.equal(await exited, 0, `round ${round}: the server exits 0 after shutdown and exit`);
    session.conn.dispose();
  }
  for (const [name, text] of Object.entries(files)) assert.equal(readFileSync(join(root!, name), 'utf8'), text, `${name} untouched on disk`);
  // A server started afterwards serves the workspace as usual.
  const after = await startServer({ root });
  try {
    const diagnostics = await after.open('app-0.yaml', files['app-0.yaml']);
    assert.ok(diagnostics.some((d) => d.code === 'schema/unknown-field' || /unknown field "bogus"/.test(d.message)), JSON.stringify(diagnostics.map((d) => d.message)));
  } finally {
    await after.close();
    rmSync(root!, { recursive: true, force: true });
  }
});
