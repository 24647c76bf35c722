// fluxOci/checkRegistry over real LSP stdio: sign-in asks the registry before a secret is kept.
// Right credentials pass, wrong ones fail with a message that holds no secret, in both the
// TLS + htpasswd (Basic) and token (Bearer) setups; a registry that is down says so.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestType } from 'vscode-languageserver-protocol';
import { startServer, type LspSession } from '../lsp/lspClient';
import { freePort, startRegistry, type RegistryRig } from './rig';
import { CheckRegistryRequest } from '../../server/src/protocol';

function request<P, R>(server: LspSession, type: RequestType<P, R, void>, params: P): Promise<R> {
  return server.conn.sendRequest<R>(type.method, params);
}

for (const auth of ['basic-tls', 'token'] as const) {
  describe(`checking credentials before keeping them (${auth})`, () => {
    let rig: RegistryRig;
    let server: LspSession;
    before(async () => {
      rig = await startRegistry({ auth });
      server = await startServer({ env: { ...process.env, DOCKER_CONFIG: '/nonexistent-docker-config' } });
      // setSettings returns once the server has pulled them, so the CA is in force for the checks.
      await server.setSettings({ registry: rig.caFile ? { caFiles: { [rig.host]: rig.caFile } } : {} });
    });
    after(async () => {
      await server?.close();
      await rig?.stop();
    });

    test('the right credentials are accepted', async () => {
      const result = await request(server, CheckRegistryRequest, { registry: rig.host, credentials: { registry: rig.host, username: rig.username!, secret: rig.password! } });
      assert.deepEqual(result, { ok: true, message: `${rig.host} accepted the credentials` });
    });

    test('a wrong password is refused with a message that holds no secret', async () => {
      const wrong = 'not-the-Pa55word';
      const result = await request(server, CheckRegistryRequest, { registry: rig.host, credentials: { registry: rig.host, username: rig.username!, secret: wrong } });
      assert.equal(result.ok, false);
      assert.match(result.message, /401|unauthori[sz]ed|credentials|authentication|denied/i);
      for (const secret of [wrong, Buffer.from(`${rig.username}:${wrong}`).toString('base64')]) assert.ok(!result.message.includes(secret), result.message);
    });

    // The token issuer hands anonymous tokens that `GET /v2/` accepts; htpasswd asks everyone.
    test('no credentials at all are refused where the registry asks everyone', { skip: auth === 'token' ? 'anonymous tokens open /v2/ here' : false }, async () => {
      const result = await request(server, CheckRegistryRequest, { registry: rig.host });
      assert.equal(result.ok, false);
    });
  });
}

test('a registry that does not answer is reported, not thrown', async () => {
  const server = await startServer();
  try {
    const host = `127.0.0.1:${await freePort()}`;
    const result = await request(server, CheckRegistryRequest, { registry: host, credentials: { registry: host, username: 'u', secret: 'p' } });
    assert.equal(result.ok, false);
    assert.match(result.message, /ECONNREFUSED|connect|refused|reach/i);
  } finally {
    await server.close();
  }
});
