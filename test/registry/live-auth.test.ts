// Live intelligence against registries that want credentials (TLS + htpasswd Basic, and Bearer
// tokens from a loopback issuer): one information diagnostic per registry with a sign-in action
// instead of an error per document; signing in over fluxOci/setCredentials makes the checks
// work; credentials never follow a blob redirect to another host; wrong ones are reported again.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { startRegistry, type RegistryRig } from './rig';
import type { FaultProxy } from './faultProxy';
import { pushFluxArtifact } from './liveSeed';
import { startLiveServer, live, liveCodes, until } from './liveHelpers';
import { kustomizationOf, ociSourceAtTag, seedRegistry, startProxyFor } from './liveRig';
import { positionOf, type LspSession } from '../lsp/lspClient';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const source = (host: string, name: string, tag: string) => ociSourceAtTag(host, 'team/app', name, tag);
const kustomization = (path: string) => kustomizationOf('apps', 'good', path);

for (const mode of ['basic-tls', 'token'] as const) {
  test(`${mode}: one sign-in diagnostic per registry; after signing in, tags, diagnostics and paths work`, async () => {
    const rig: RegistryRig = await startRegistry({ auth: mode });
    cleanups.push(() => rig.stop());
    await seedRegistry(rig, (client, host) => pushFluxArtifact(client, host, 'team/app', ['v1.0.0', 'v1.1.0', 'v2.0.0']));
    // Basic: through the fault proxy, which sends blob downloads to another host.
    let proxy: FaultProxy | undefined;
    if (mode === 'basic-tls') {
      proxy = await startProxyFor(rig, [{ method: 'GET', path: /\/blobs\/sha256:[a-f0-9]{64}$/, fault: { kind: 'redirect-blob' } }]);
      cleanups.push(() => proxy!.stop());
    }
    const host = proxy?.host ?? rig.host;
    const lsp: LspSession = await startLiveServer({ registry: { cacheTtlSeconds: 600, ...(rig.caFile ? { caFiles: { [rig.host]: rig.caFile } } : {}) } });
    cleanups.push(() => lsp.close());
    const asked: string[] = [];
    lsp.conn.onNotification('fluxOci/authRequired', (p: { registry: string }) => void asked.push(p.registry));

    const a = [source(host, 'good', 'v2.0.0'), source(host, 'other', 'v9'), kustomization('./nope')].join('---\n');
    const b = source(host, 'third', 'v8');
    await lsp.open('a.yaml', a);
    await lsp.open('b.yaml', b);
    const authOf = () => [...live(lsp.lastDiagnostics('a.yaml')), ...live(lsp.lastDiagnostics('b.yaml'))].filter((d) => d.code === 'live/auth-required');
    const [signIn] = await until('the sign-in diagnostic', () => (authOf().length > 0 ? authOf() : undefined));
    assert.equal(authOf().length, 1, 'one diagnostic for the registry, not one per document');
    assert.deepEqual([...live(lsp.lastDiagnostics('a.yaml')), ...live(lsp.lastDiagnostics('b.yaml'))].length, 1, 'no errors per document');
    assert.equal(signIn.severity, 3, 'information');
    assert.match(signIn.message, new RegExp(`${host.replace(/\./g, '\\.')} needs you to sign in`));
    assert.deepEqual(asked, [host], 'the client is asked once');
    const owner = live(lsp.lastDiagnostics('a.yaml')).length ? 'a.yaml' : 'b.yaml';
    const actions = await lsp.codeActions(owner, signIn.range, [signIn as Diagnostic]);
    assert.deepEqual(actions.map((x) => x.command), [{ title: `Sign in to ${host}…`, command: 'fluxOci.signIn', arguments: [host] }]);
    // Completion without credentials: nothing from the registry, no error.
    const items = await lsp.completion('b.yaml', positionOf(b, 'tag: v8', 5));
    assert.ok(items.every((i) => !(i.data as { live?: string } | undefined)?.live));

    await lsp.conn.sendRequest('fluxOci/setCredentials', { credentials: [{ registry: host, username: rig.username, secret: rig.password }] });
    const expectA = [`${positionOf(a, 'tag: v9').line}:live/tag-not-found`, `${positionOf(a, 'path: ./nope').line}:live/path-not-found`].sort();
    await until(() => `checks with credentials (a: ${JSON.stringify(live(lsp.lastDiagnostics('a.yaml')).map((d) => d.message))}, b: ${JSON.stringify(live(lsp.lastDiagnostics('b.yaml')).map((d) => d.message))})`, () => JSON.stringify(liveCodes(lsp.lastDiagnostics('a.yaml'))) === JSON.stringify(expectA) && liveCodes(lsp.lastDiagnostics('b.yaml')).join() === '9:live/tag-not-found');
    const tags = await lsp.completion('b.yaml', positionOf(b, 'tag: v8', 5));
    assert.deepEqual(tags.filter((i) => (i.data as { live?: string } | undefined)?.live).map((i) => i.label), ['v2.0.0', 'v1.1.0', 'v1.0.0']);
    if (proxy) {
      assert.ok(proxy.redirectHost.requests.length > 0, 'the layer came through the redirect');
      assert.deepEqual(proxy.redirectHost.authorizationHeaders, [], 'credentials did not follow the redirect to another host');
    }

    // Wrong credentials: the same single diagnostic, and the checks stop rather than guess.
    await lsp.conn.sendRequest('fluxOci/setCredentials', { credentials: [{ registry: host, username: rig.username, secret: 'wrong-password' }] });
    await until('the sign-in diagnostic again', () => authOf().length === 1 && authOf()[0].message.includes('refused the credentials') && liveCodes(lsp.lastDiagnostics('b.yaml')).length + liveCodes(lsp.lastDiagnostics('a.yaml')).length === 1);
    // Signed-in credentials belong to their host only: another registry is not sent them.
    assert.ok(!JSON.stringify(authOf()).includes('wrong-password'));
  });
}
