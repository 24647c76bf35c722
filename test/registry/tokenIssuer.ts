// A small Bearer token service for the test registry: answers the GET form
// (Basic credentials, or anonymous) and the OAuth2 POST form (password and
// refresh_token grants) with RS256 JWTs that docker-registry accepts.

import * as http from 'node:http';
import { randomUUID, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';

export interface TokenRequestRecord {
  method: string;
  /** Which user the request authenticated as; undefined for anonymous. */
  user?: string;
  scopes: string[];
  grant?: string;
}

export interface TokenIssuer {
  url: string;
  requests: TokenRequestRecord[];
  stop(): Promise<void>;
}

export interface TokenIssuerOptions {
  certFile: string;
  keyFile: string;
  service: string;
  issuer: string;
  username: string;
  password: string;
  /** Refresh token accepted by the POST refresh_token grant. */
  refreshToken: string;
  /** Token lifetime in seconds. */
  lifetime?: number;
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export async function startTokenIssuer(options: TokenIssuerOptions): Promise<TokenIssuer> {
  const certPem = readFileSync(options.certFile, 'utf8');
  const keyPem = readFileSync(options.keyFile, 'utf8');
  const der = Buffer.from(certPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64').toString('base64');
  const requests: TokenRequestRecord[] = [];
  const lifetime = options.lifetime ?? 300;

  const makeToken = (user: string | undefined, scopes: string[]) => {
    const now = Math.floor(Date.now() / 1000);
    const access = user
      ? scopes.flatMap((scope) => {
          const [type, ...rest] = scope.split(':');
          const actions = rest.pop() ?? '';
          const name = rest.join(':');
          return type === 'repository' && name ? [{ type, name, actions: actions.split(',').filter(Boolean) }] : [];
        })
      : [];
    const header = { alg: 'RS256', typ: 'JWT', x5c: [der] };
    const claims = { iss: options.issuer, sub: user ?? '', aud: options.service, exp: now + lifetime, nbf: now - 10, iat: now, jti: randomUUID(), access };
    const unsigned = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    return `${unsigned}.${b64url(sign('RSA-SHA256', Buffer.from(unsigned), keyPem))}`;
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://issuer');
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname !== '/token') return reply(404, { error: 'not found' });
    if (req.method === 'GET') {
      let user: string | undefined;
      const auth = req.headers.authorization;
      if (auth) {
        const [scheme, value] = auth.split(' ');
        const decoded = scheme === 'Basic' ? Buffer.from(value ?? '', 'base64').toString('utf8') : '';
        if (decoded !== `${options.username}:${options.password}`) {
          requests.push({ method: 'GET', scopes: url.searchParams.getAll('scope') });
          return reply(401, { error: 'invalid credentials' });
        }
        user = options.username;
      }
      const scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean);
      requests.push({ method: 'GET', user, scopes });
      return reply(200, { token: makeToken(user, scopes), expires_in: lifetime, issued_at: new Date().toISOString() });
    }
    if (req.method === 'POST') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        const grant = form.get('grant_type') ?? '';
        const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
        const ok =
          (grant === 'password' && form.get('username') === options.username && form.get('password') === options.password) ||
          (grant === 'refresh_token' && form.get('refresh_token') === options.refreshToken);
        requests.push({ method: 'POST', grant, scopes, user: ok ? options.username : undefined });
        if (!ok) return reply(401, { error: 'invalid_grant' });
        reply(200, { access_token: makeToken(options.username, scopes), expires_in: lifetime, scope: scopes.join(' ') });
      });
      return;
    }
    reply(405, { error: 'method not allowed' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/token`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
