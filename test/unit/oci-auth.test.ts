import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseChallenges } from '../../server/src/oci/auth/challenge';
import { TokenCache } from '../../server/src/oci/auth/tokenCache';
import { dockerConfigCredentials, parseCredentialsFlag, credentialChain, CredentialError } from '../../server/src/oci/auth/credentials';
import { retryAfterMs } from '../../server/src/oci/transport';
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

  await writeFile(join(dir, 'config.json'), '{ not json');
  await assert.rejects(dockerConfigCredentials({ configDir: dir })('ghcr.io', s), (e: unknown) => e instanceof CredentialError && !/ghp/.test(e.message));
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
