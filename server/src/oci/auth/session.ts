// Challenge-driven authorisation: send, and on 401 read WWW-Authenticate,
// obtain a Bearer token (anonymous or with credentials, GET or OAuth2 POST)
// or use Basic, then send again. What each host asked for is remembered so
// later requests authorise up front. Secrets never reach logs or messages.

import { Transport, TransportRequest, TransportResponse } from '../transport';
import { isLoopbackHost } from '../reference';
import { parseChallenges, Challenge } from './challenge';
import { TokenCache } from './tokenCache';
import { CredentialSource, Credentials } from './credentials';

export class AuthError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = 'AuthError';
  }
}

export interface AuthSessionOptions {
  /** 'get' (default): token via GET with Basic; 'post': OAuth2 password grant form. */
  tokenMethod?: 'get' | 'post';
  clientId?: string;
  log?: (line: string) => void;
}

interface TokenResponse {
  token?: string;
  access_token?: string;
  expires_in?: number;
  issued_at?: string;
}

type HostScheme = { scheme: 'bearer'; realm: string; service?: string } | { scheme: 'basic' };

export class AuthSession {
  private readonly hostSchemes = new Map<string, HostScheme>();
  private readonly credentialsByHost = new Map<string, Promise<Credentials | undefined>>();
  private readonly tokens = new TokenCache();
  /** Every secret this session has held, so that text from a server can be scrubbed of them. */
  private readonly secrets = new Set<string>();

  constructor(
    readonly transport: Transport,
    private readonly credentials: CredentialSource,
    private readonly options: AuthSessionOptions = {},
  ) {}

  /**
   * Send a request to the registry at `host`, authorising for `scopes`
   * (e.g. `repository:app:pull`). Retries once after a fresh challenge.
   */
  async send(host: string, request: TransportRequest, scopes: readonly string[]): Promise<TransportResponse> {
    let challengeScopes: string[] = [];
    for (let attempt = 0; ; attempt++) {
      const authorization = await this.authorizationFor(host, [...scopes, ...challengeScopes], request.signal, attempt > 0);
      const headers = { ...(request.headers ?? {}) };
      if (authorization) headers['authorization'] = authorization;
      const response = await this.transport.request({ ...request, headers });
      if (response.status !== 401 || attempt >= 1) {
        if (response.status === 401) {
          response.discard();
          const creds = await this.credentialsFor(host, request.signal);
          throw new AuthError(
            creds
              ? `${host} refused the credentials in use (401); check the username and password or token`
              : `${host} requires authentication (401); log in or pass credentials`,
            401,
          );
        }
        return response;
      }
      const header = response.headers['www-authenticate'] ?? '';
      response.discard();
      const challenge = pickChallenge(parseChallenges(header));
      if (!challenge) throw new AuthError(`${host} answered 401 without a usable WWW-Authenticate challenge`, 401);
      if (challenge.scheme === 'bearer') {
        const realm = challenge.params['realm'];
        if (!realm) throw new AuthError(`${host} sent a Bearer challenge without a realm`, 401);
        this.hostSchemes.set(host, { scheme: 'bearer', realm, service: challenge.params['service'] });
        const scope = challenge.params['scope'];
        challengeScopes = scope ? scope.split(' ').filter((s) => s !== '') : [];
      } else {
        this.hostSchemes.set(host, { scheme: 'basic' });
      }
    }
  }

  private credentialsFor(host: string, signal: AbortSignal): Promise<Credentials | undefined> {
    let found = this.credentialsByHost.get(host);
    if (!found) {
      found = this.credentials(host, signal).then((creds) => {
        this.remember(creds);
        return creds;
      });
      this.credentialsByHost.set(host, found);
      found.catch(() => this.credentialsByHost.delete(host));
    }
    return found;
  }

  private async authorizationFor(host: string, scopes: string[], signal: AbortSignal, fresh: boolean): Promise<string | undefined> {
    const known = this.hostSchemes.get(host);
    if (!known) return undefined;
    const creds = await this.credentialsFor(host, signal);
    if (known.scheme === 'basic') {
      if (!creds) return undefined;
      if (creds.kind !== 'basic') throw new AuthError(`${host} wants Basic authentication but only a token is configured for it`);
      this.refuseCleartext(host, `send the password to ${host}`);
      return `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
    }
    if (creds?.kind === 'registryToken') return `Bearer ${creds.token}`;
    const key = TokenCache.key(known.realm, known.service, scopes);
    if (fresh) this.tokens.delete(key);
    let token = this.tokens.get(key);
    if (!token) {
      const response = await this.fetchToken(known.realm, known.service, scopes, creds, signal);
      token = response.token ?? response.access_token;
      if (!token) throw new AuthError(`the token service for ${host} answered without a token`);
      this.addSecret(token);
      this.tokens.set(key, token, response.expires_in, response.issued_at);
    }
    return `Bearer ${token}`;
  }

  /**
   * Replace every secret this session knows (passwords, tokens, Basic header
   * values) in text that came from a server, such as an error body that
   * echoes the request. Used for every message built from server output.
   */
  redact(text: string): string {
    let result = text;
    for (const secret of [...this.secrets].sort((a, b) => b.length - a.length)) result = result.split(secret).join('***');
    return result;
  }

  private remember(creds: Credentials | undefined): void {
    if (!creds) return;
    if (creds.kind === 'basic') {
      this.addSecret(creds.password);
      this.addSecret(Buffer.from(`${creds.username}:${creds.password}`).toString('base64'));
    } else this.addSecret(creds.token);
  }

  private addSecret(secret: string): void {
    // Very short values would scrub ordinary words; nobody uses them as secrets.
    if (secret.length >= 4) this.secrets.add(secret);
  }

  private refuseCleartext(host: string, what: string): void {
    const scheme = this.transport.urlFor(host, '/').protocol;
    if (scheme === 'http:' && !isLoopbackHost(host)) {
      throw new AuthError(`refusing to ${what} over plain HTTP; use HTTPS for this registry`);
    }
  }

  private async fetchToken(realm: string, service: string | undefined, scopes: string[], creds: Credentials | undefined, signal: AbortSignal): Promise<TokenResponse> {
    const realmUrl = new URL(realm);
    const uniqueScopes = [...new Set(scopes)];
    if (creds && realmUrl.protocol === 'http:' && !isLoopbackHost(realmUrl.host)) {
      throw new AuthError(`refusing to send credentials to the token service ${realmUrl.host} over plain HTTP`);
    }
    this.options.log?.(`requesting a token from ${realmUrl.host} for ${uniqueScopes.join(' ') || '(no scope)'}`);
    const usePost = creds?.kind === 'identityToken' || (creds?.kind === 'basic' && this.options.tokenMethod === 'post');
    if (usePost && (creds?.kind === 'basic' || creds?.kind === 'identityToken')) {
      const form = new URLSearchParams();
      if (creds.kind === 'identityToken') {
        form.set('grant_type', 'refresh_token');
        form.set('refresh_token', creds.token);
      } else {
        form.set('grant_type', 'password');
        form.set('username', creds.username);
        form.set('password', creds.password);
      }
      if (service) form.set('service', service);
      if (uniqueScopes.length) form.set('scope', uniqueScopes.join(' '));
      form.set('client_id', this.options.clientId ?? 'flux-oci');
      const response = await this.transport.request({
        method: 'POST',
        url: realmUrl,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
        signal,
      });
      // Token services without the OAuth2 form answer 404/405; Basic credentials can still use GET.
      if ((response.status === 404 || response.status === 405) && creds.kind === 'basic') {
        response.discard();
      } else {
        return this.readTokenResponse(response, realmUrl, true);
      }
    }
    const url = new URL(realmUrl);
    if (service) url.searchParams.set('service', service);
    for (const scope of uniqueScopes) url.searchParams.append('scope', scope);
    const headers: Record<string, string> = {};
    if (creds?.kind === 'basic') headers['authorization'] = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
    const response = await this.transport.request({ method: 'GET', url, headers, signal });
    return this.readTokenResponse(response, realmUrl, creds !== undefined);
  }

  private async readTokenResponse(response: TransportResponse, realm: URL, withCredentials: boolean): Promise<TokenResponse> {
    // The body is never read on failure: some services repeat the request in it.
    if (response.status === 401 || response.status === 403) {
      response.discard();
      throw new AuthError(
        withCredentials
          ? `the token service ${realm.host} refused the credentials (${response.status}); check the username and password or token`
          : `the token service ${realm.host} refused anonymous access (${response.status}); log in or pass credentials`,
        response.status,
      );
    }
    if (response.status !== 200) {
      response.discard();
      throw new AuthError(`the token service ${realm.host} answered ${response.status}`, response.status);
    }
    const text = await response.text(1024 * 1024);
    try {
      return JSON.parse(text) as TokenResponse;
    } catch {
      throw new AuthError(`the token service ${realm.host} answered with something that is not JSON`);
    }
  }
}

function pickChallenge(challenges: Challenge[]): Challenge | undefined {
  return challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
}
