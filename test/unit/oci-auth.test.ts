import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseChallenges } from '../../server/src/oci/auth/challenge';
import { TokenCache } from '../../server/src/oci/auth/tokenCache';
import { dockerConfigCredentials, parseCredentialsFlag, credentialChain, CredentialError } from '../../server/src/oci/auth/credentials';
import { retryAfterMs, Transport } from '../../server/src/oci/transport';
import { AuthSession, AuthError } from '../../server/src/oci/auth/session';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { nextLink } from '../../server/src/oci/registry';

test('Bearer and Basic challenges, quoted values with commas and escapes', () => {
  const [bearer] = parseChallenges('Bearer realm="https://auth.example.io/token",service="registry.example.io",scope="repository:a/b:pull,push"');
  assert.equal(bearer.scheme, 'bearer');
  assert.deepEqual(bearer.params, { realm: 'https://auth.example.io/token', service: 'registry.example.io', scope: 'repository:a/b:pull,push' });
  const list = parseChallenges('Basic realm="say \\"hi\\"", Bearer realm=https://t.example/token, error="insufficient_scope"');
  assert.deepEqual(list.map((c) => c.scheme), ['basic', 'bearer']);
  assert.equal(list[0].params.realm, 'say "hi"');
  assert.equal(list[1].params.realm, 'https://t.example/token');
  assert.equal(list[1].params.error, 'insufficient_scope');
  assert.deepEqual(parseChallenges(''), []);
});

test('token cache: per scope set, expires with a margin', () => {
  let now = 1_000_000;
  const cache = new TokenCache(() => now);
  const key = TokenCache.key('https://t/token', 'svc', ['repository:a:pull', 'repository:b:pull']);
  assert.equal(key, TokenCache.key('https://t/token', 'svc', ['repository:b:pull', 'repository:a:pull', 'repository:a:pull']));
  assert.notEqual(key, TokenCache.key('https://t/token', 'svc', ['repository:a:pull']));
  cache.set(key, 'tok', 60);
  assert.equal(cache.get(key), 'tok');
  now += 49_000;
  assert.equal(cache.get(key), 'tok');
  now += 2_000;
  assert.equal(cache.get(key), undefined, 'dropped 10 s before expiry');
  cache.set(key, 'short', undefined);
  now += 55_000;
  assert.equal(cache.get(key), undefined, 'no expires_in means 60 s');
});

test('docker config: auths (auth, username/password, identitytoken), Docker Hub keys, helpers', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'flux-oci-cfg-'));
  await writeFile(
    join(dir, 'config.json'),
    JSON.stringify({
      auths: {
        'https://index.docker.io/v1/': { auth: Buffer.from('hubuser:hub:pass').toString('base64') },
        'ghcr.io': { username: 'gh', password: 'ghp' },
        'https://azure.example.io/v2/': { identitytoken: 'refresh-me', auth: Buffer.from('00000000-0000:').toString('base64') },
      },
      credHelpers: { 'ecr.example.com': 'ecr-login' },
      credsStore: 'desktop',
    }),
  );
  const calls: Array<[string, string]> = [];
  const source = dockerConfigCredentials({
    configDir: dir,
    runHelper: async (helper, server) => {
      calls.push([helper, server]);
      if (helper === 'ecr-login') return JSON.stringify({ Username: 'AWS', Secret: 'ecr-secret' });
      if (server === 'token.example.io') return JSON.stringify({ Username: '<token>', Secret: 'id-token' });
      return '';
    },
  });
  const s = AbortSignal.timeout(5000);
  assert.deepEqual(await source('docker.io', s), { kind: 'basic', username: 'hubuser', password: 'hub:pass' });
  assert.deepEqual(await source('ghcr.io', s), { kind: 'basic', username: 'gh', password: 'ghp' });
  assert.deepEqual(await source('azure.example.io', s), { kind: 'identityToken', token: 'refresh-me', username: '00000000-0000' });
  assert.deepEqual(await source('ecr.example.com', s), { kind: 'basic', username: 'AWS', password: 'ecr-secret' });
  assert.deepEqual(await source('token.example.io', s), { kind: 'identityToken', token: 'id-token' });
  assert.equal(await source('nowhere.example.io', s), undefined);
  assert.deepEqual(calls, [['ecr-login', 'ecr.example.com'], ['desktop', 'token.example.io'], ['desktop', 'nowhere.example.io']]);

  const missing = dockerConfigCredentials({ configDir: join(dir, 'absent') });
  assert.equal(await missing('ghcr.io', s), undefined);
  const viaEnv = dockerConfigCredentials({ env: { DOCKER_CONFIG: dir } });
  assert.deepEqual(await viaEnv('ghcr.io', s), { kind: 'basic', username: 'gh', password: 'ghp' });

  // A trailing comma: JSON.parse would quote the text nearby, here a secret.
  await writeFile(join(dir, 'config.json'), '{"auths":{"r.io":{"auth":"c2VjcmV0LXZhbHVl"}},}');
  await assert.rejects(dockerConfigCredentials({ configDir: dir })('ghcr.io', s), (e: unknown) => e instanceof CredentialError && /is not valid JSON/.test(e.message) && !/c2VjcmV0/.test(e.message));
  await rm(dir, { recursive: true, force: true });
});

test('Docker Hub: the API host finds the legacy index entry and helpers get the index URL', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'flux-oci-hub-'));
  await writeFile(join(dir, 'config.json'), JSON.stringify({ credsStore: 'pass' }));
  const servers: string[] = [];
  const source = dockerConfigCredentials({ configDir: dir, runHelper: async (_helper, server) => (servers.push(server), JSON.stringify({ Username: 'u', Secret: 's' })) });
  assert.deepEqual(await source('registry-1.docker.io', AbortSignal.timeout(1000)), { kind: 'basic', username: 'u', password: 's' });
  assert.deepEqual(servers, ['https://index.docker.io/v1/']);
  await rm(dir, { recursive: true, force: true });
});

test('explicit credentials win over the config; --creds parsing', async () => {
  const chain = credentialChain(parseCredentialsFlag('bob:pa:ss'), async () => ({ kind: 'basic', username: 'other', password: 'x' }));
  assert.deepEqual(await chain('r.io', AbortSignal.timeout(1000)), { kind: 'basic', username: 'bob', password: 'pa:ss' });
  const fallback = credentialChain(undefined, async () => undefined, async () => ({ kind: 'registryToken', token: 't' }));
  assert.deepEqual(await fallback('r.io', AbortSignal.timeout(1000)), { kind: 'registryToken', token: 't' });
  assert.throws(() => parseCredentialsFlag('nocolon'), CredentialError);
  assert.throws(() => parseCredentialsFlag(':pw'), CredentialError);
});

test('Retry-After as seconds or a date; Link headers', () => {
  assert.equal(retryAfterMs('3'), 3000);
  assert.equal(retryAfterMs(undefined), undefined);
  assert.equal(retryAfterMs('soon'), undefined);
  const inTwo = new Date(Date.now() + 2000).toUTCString();
  const ms = retryAfterMs(inTwo)!;
  assert.ok(ms > 0 && ms <= 2000, String(ms));
  const base = new URL('https://r.io/v2/app/tags/list?n=2');
  assert.equal(nextLink('</v2/app/tags/list?n=2&last=b>; rel="next"', base)?.href, 'https://r.io/v2/app/tags/list?n=2&last=b');
  assert.equal(nextLink('<https://r.io/x>; rel="prev", <https://r.io/y>; rel=next', base)?.href, 'https://r.io/y');
  assert.equal(nextLink(undefined, base), undefined);
});

test('token service failures never repeat what the service sent back; POST falls back to GET on 405', async () => {
  const secret = 'Very-Secret-Pa55';
  let tokenMode: 'echo-401' | 'echo-500' | 'no-post' = 'echo-401';
  const methods: string[] = [];
  const tokenServer = http.createServer((req, res) => {
    methods.push(req.method ?? '');
    if (tokenMode === 'no-post' && req.method === 'POST') return void res.writeHead(405).end();
    if (tokenMode === 'no-post') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: 'tok-123456' }));
    res.writeHead(tokenMode === 'echo-401' ? 401 : 500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: `bad password ${secret}`, echo: req.headers.authorization }));
  });
  await new Promise<void>((r) => tokenServer.listen(0, '127.0.0.1', r));
  const tokenPort = (tokenServer.address() as AddressInfo).port;
  const registry = http.createServer((req, res) => {
    if (req.headers.authorization === 'Bearer tok-123456') return void res.writeHead(200).end('{}');
    res.writeHead(401, { 'www-authenticate': `Bearer realm="http://127.0.0.1:${tokenPort}/token",service="svc"` }).end();
  });
  await new Promise<void>((r) => registry.listen(0, '127.0.0.1', r));
  const host = `127.0.0.1:${(registry.address() as AddressInfo).port}`;
  const transport = new Transport({ baseDelayMs: 1 });
  const creds = async () => ({ kind: 'basic' as const, username: 'bob', password: secret });
  const get = (session: AuthSession) => session.send(host, { method: 'GET', url: `http://${host}/v2/`, signal: AbortSignal.timeout(5000) }, []);
  for (const mode of ['echo-401', 'echo-500'] as const) {
    tokenMode = mode;
    await assert.rejects(get(new AuthSession(transport, creds)), (e: unknown) => {
      assert.ok(e instanceof AuthError);
      assert.match(e.message, mode === 'echo-401' ? /refused the credentials \(401\)/ : /answered 500/);
      assert.ok(!e.message.includes(secret) && !e.message.includes(Buffer.from(`bob:${secret}`).toString('base64')), e.message);
      return true;
    });
  }
  tokenMode = 'no-post';
  methods.length = 0;
  const response = await get(new AuthSession(transport, creds, { tokenMethod: 'post' }));
  assert.equal(response.status, 200);
  response.discard();
  assert.deepEqual(methods, ['POST', 'GET'], 'the OAuth2 form first, then the GET form');
  transport.close();
  await new Promise((r) => registry.close(r));
  await new Promise((r) => tokenServer.close(r));
});

test('a cached token the registry stops accepting is replaced once, then the failure is reported', async () => {
  let issued = 0;
  const tokenServer = http.createServer((_req, res) => {
    issued++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: `tok-${issued}-abcdef`, expires_in: 300 }));
  });
  await new Promise<void>((r) => tokenServer.listen(0, '127.0.0.1', r));
  const realm = `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/token`;
  let accepted = 'tok-1-abcdef';
  const registry = http.createServer((req, res) => {
    if (req.headers.authorization === `Bearer ${accepted}`) return void res.writeHead(200).end('{}');
    res.writeHead(401, { 'www-authenticate': `Bearer realm="${realm}",service="svc",scope="repository:app:pull"` }).end();
  });
  await new Promise<void>((r) => registry.listen(0, '127.0.0.1', r));
  const host = `127.0.0.1:${(registry.address() as AddressInfo).port}`;
  const transport = new Transport();
  const session = new AuthSession(transport, async () => undefined);
  const get = () => session.send(host, { method: 'GET', url: `http://${host}/v2/app/tags/list`, signal: AbortSignal.timeout(5000) }, ['repository:app:pull']);
  for (let i = 0; i < 3; i++) (await get()).discard();
  assert.equal(issued, 1, 'one token serves three requests');
  accepted = 'tok-2-abcdef';
  (await get()).discard();
  assert.equal(issued, 2, 'a refused token is fetched again');
  accepted = 'never';
  await assert.rejects(get(), (e: unknown) => e instanceof AuthError && /requires authentication/.test(e.message));
  assert.equal(issued, 3, 'bounded: one fresh token, then the error');
  transport.close();
  registry.closeAllConnections();
  await new Promise((r) => registry.close(r));
  await new Promise((r) => tokenServer.close(r));
});
