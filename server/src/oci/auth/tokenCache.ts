// Bearer tokens kept per (realm, service, scopes) until shortly before they expire.

export interface CachedToken {
  token: string;
  expiresAt: number;
}

/** Tokens are dropped this long before their stated expiry to absorb clock skew and latency. */
const EXPIRY_MARGIN_MS = 10_000;
/** Registries that omit expires_in give tokens of at least 60 seconds (distribution token spec). */
export const DEFAULT_TOKEN_LIFETIME_S = 60;

export class TokenCache {
  private readonly entries = new Map<string, CachedToken>();

  constructor(private readonly now: () => number = Date.now) {}

  static key(realm: string, service: string | undefined, scopes: readonly string[]): string {
    return JSON.stringify([realm, service ?? '', [...new Set(scopes)].sort()]);
  }

  get(key: string): string | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt - EXPIRY_MARGIN_MS <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.token;
  }

  set(key: string, token: string, expiresInSeconds: number | undefined, issuedAt?: string): void {
    const lifetime = expiresInSeconds && expiresInSeconds > 0 ? expiresInSeconds : DEFAULT_TOKEN_LIFETIME_S;
    const issued = issuedAt ? Date.parse(issuedAt) : NaN;
    const start = Number.isNaN(issued) ? this.now() : Math.min(issued, this.now());
    this.entries.set(key, { token, expiresAt: start + lifetime * 1000 });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}
