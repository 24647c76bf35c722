// The registry goes away mid-session and comes back: no crash, no flood of diagnostics, no
// errors about the outage; the last known tags keep serving; once it is back, the server notices
// a new tag by itself (no edit, no restart). Also: one request per repository however many
// documents name it, and nothing at all in an untrusted workspace until it is trusted.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRegistry, type RegistryRig } from './rig';
import type { FaultProxy } from './faultProxy';
import { clientFor } from './helpers';
import { pushFluxArtifact } from './liveSeed';
import { ociSourceAtTag, seedRegistry, startProxyFor } from './liveRig';
import { startLiveServer, live, liveCodes, countPublishes, until, diagnosticsWhen, untilQuiet } from './liveHelpers';
import { positionOf, type LspSession } from '../lsp/lspClient';
import { budget } from '../timing';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const doc = (host: string, repository: string, name: string, tag: string) => ociSourceAtTag(host, repository, name, tag);

test('registry stopped mid-session: no crash, no flood, stale tags keep serving; started again: recovers by itself', async () => {
  const rig: RegistryRig = await startRegistry({ auth: 'none' });
  cleanups.push(() => rig.stop());
  const client = clientFor(rig);
  await pushFluxArtifact(client, rig.host, 'team/app', ['v1.0.0', 'v1.1.0']);
  const lsp: LspSession = await startLiveServer({ registry: { cacheTtlSeconds: 1 } });
  cleanups.push(() => lsp.close());

  const files = Array.from({ length: 5 }, (_, i) => `ok-${i}.yaml`);
  for (const f of files) await lsp.open(f, doc(rig.host, 'team/app', f.replace('.yaml', ''), 'v1.1.0'));
  await lsp.open('next.yaml', doc(rig.host, 'team/app', 'next', 'v2.0.0'));
  await diagnosticsWhen(lsp, 'next.yaml', (d) => liveCodes(d).includes('9:live/tag-not-found'), budget(30_000));
  for (const f of files) assert.deepEqual(live(lsp.lastDiagnostics(f)), []);
  // Republishes for answers that came in before the outage are not what is counted below.
  await untilQuiet(lsp, [...files, 'next.yaml']);

  await rig.pause();
  // While it is down: several TTLs pass, revalidation fails; nothing changes, nothing floods.
  const counts = await Promise.all([...files, 'next.yaml'].map((f) => countPublishes(lsp, f, 4000)));
  assert.ok(counts.every((c) => c <= 1), `publishes per file while the registry was down: ${counts}`);
  assert.equal(lsp.proc.exitCode, null, 'the server is alive');
  for (const f of files) assert.deepEqual(live(lsp.lastDiagnostics(f)), [], 'no diagnostics about the outage');
  assert.deepEqual(liveCodes(lsp.lastDiagnostics('next.yaml')), ['9:live/tag-not-found'], 'the last known tags keep serving');
  // A repository never seen before: nothing known, nothing reported; completion answers without it.
  const other = doc(rig.host, 'team/other', 'other', 'v1');
  const opened = await lsp.open('other.yaml', other);
  assert.deepEqual(live(opened), []);
  const items = await lsp.completion('other.yaml', positionOf(other, 'tag: v1', 5));
  assert.ok(items.every((i) => !(i.data as { live?: string } | undefined)?.live));

  await rig.resume();
  await pushFluxArtifact(client, rig.host, 'team/app', ['v2.0.0']);
  client.close();
  // No edit: the server revalidates on its own and the missing tag now exists.
  await diagnosticsWhen(lsp, 'next.yaml', (d) => live(d).length === 0, budget(60_000));
  assert.equal(lsp.proc.exitCode, null);
});

test('one tag listing per repository however many documents name it; an untrusted workspace contacts nobody until trusted', async () => {
  const rig = await startRegistry({ auth: 'none' });
  cleanups.push(() => rig.stop());
  await seedRegistry(rig, (client, host) => pushFluxArtifact(client, host, 'team/app', ['v1.0.0']));
  const proxy: FaultProxy = await startProxyFor(rig);
  cleanups.push(() => proxy.stop());

  // The VS Code client says it manages trust; until it reports a trusted workspace, no requests.
  const lsp = await startLiveServer({ registry: { cacheTtlSeconds: 600 } }, { initializationOptions: { workspaceTrust: true } });
  cleanups.push(() => lsp.close());
  const files = Array.from({ length: 12 }, (_, i) => `f${i}.yaml`);
  await Promise.all(files.map((f, i) => lsp.open(f, doc(proxy.host, 'team/app', `app-${i}`, i === 0 ? 'v9' : 'v1.0.0'))));
  const text = doc(proxy.host, 'team/app', 'app-0', 'v9');
  const untrusted = await lsp.completion('f0.yaml', positionOf(text, 'tag: v9', 5));
  assert.ok(untrusted.every((i) => !(i.data as { live?: string } | undefined)?.live), 'no registry completion');
  assert.deepEqual(live(lsp.lastDiagnostics('f0.yaml')), []);
  assert.equal(proxy.requests.length, 0, 'no request reached the registry');

  lsp.conn.sendNotification('fluxOci/setTrust', { trusted: true });
  await diagnosticsWhen(lsp, 'f0.yaml', (d) => liveCodes(d).includes('9:live/tag-not-found'), budget(30_000));
  await until('every document checked', () => files.slice(1).every((f) => lsp.lastDiagnostics(f) !== undefined));
  const listings = proxy.requests.filter((r) => r.path === '/v2/team/app/tags/list');
  assert.equal(listings.length, 1, `tag listings: ${listings.length} for ${files.length} documents`);
  const manifests = proxy.requests.filter((r) => r.path === '/v2/team/app/manifests/v1.0.0');
  assert.equal(manifests.length, 1, 'one manifest request for the tag eleven documents use');
});
