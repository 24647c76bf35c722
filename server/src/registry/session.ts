// The one registry session of a language-server process: settings that shape the transport,
// the credentials the user signed in with, workspace trust, and the RegistryClients built from
// them. Live completion/diagnostics, the explorer, preview, diff and push all go through it, so
// there is one cache of tokens and connections and one place that holds secrets.
import { RegistryClient } from '../oci/registry';
import { dockerConfigCredentials, type Credentials, type CredentialSource } from '../oci/auth/credentials';

export interface RegistrySettings {
  /** Contact registries while editing (tags, digests, live diagnostics). */
  liveChecks: boolean;
  /** How long a tag list or manifest stays fresh before it is revalidated in the background. */
  cacheTtlSeconds: number;
  /** Hosts (host or host:port) that may be reached over plain HTTP; loopback always may. */
  insecureHosts: string[];
  /** Extra CA bundles (PEM files): host → path, or '*' for every host. */
  caFiles: Record<string, string>;
  /** Largest uncompressed artifact (bytes) preview, pull and diff unpack. */
  maxArtifactSize: number;
}

export const DEFAULT_REGISTRY_SETTINGS: RegistrySettings = {
  liveChecks: true,
  cacheTtlSeconds: 60,
  insecureHosts: [],
  caFiles: {},
  maxArtifactSize: 100 * 1024 * 1024,
};

export interface RegistrySessionOptions {
  /** Receives one line per request (never headers or secrets). */
  log?: (line: string) => void;
  /** Where to look after signed-in credentials; default Docker config and credential helpers. */
  fallbackCredentials?: CredentialSource;
  /** Whether workspace files may make us contact registries before the client says otherwise. */
  trusted?: boolean;
}

export class RegistrySession {
  private settings: RegistrySettings = DEFAULT_REGISTRY_SETTINGS;
  private readonly signedIn = new Map<string, Credentials>();
  /** Clients keyed by the extra plain-HTTP host they allow ('' for none). */
  private readonly clients = new Map<string, RegistryClient>();
  private trustedWorkspace: boolean;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly options: RegistrySessionOptions = {}) {
    this.trustedWorkspace = options.trusted ?? true;
  }

  get current(): RegistrySettings {
    return this.settings;
  }

  /** False until the client reports a trusted workspace (for clients that opted in to trust). */
  get trusted(): boolean {
    return this.trustedWorkspace;
  }

  /** May hosts named in workspace files be contacted now? */
  get liveChecksAllowed(): boolean {
    return this.settings.liveChecks && this.trustedWorkspace;
  }

  /** Called whenever settings, credentials or trust change, so caches and diagnostics can refresh. */
  onDidChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  configure(settings: RegistrySettings): void {
    // Settings are re-read on every configuration change; only a real change resets caches.
    if (JSON.stringify(settings) === JSON.stringify(this.settings)) return;
    const transportChanged = JSON.stringify([settings.insecureHosts, settings.caFiles]) !== JSON.stringify([this.settings.insecureHosts, this.settings.caFiles]);
    this.settings = settings;
    if (transportChanged) this.dropClients();
    this.changed();
  }

  setTrusted(trusted: boolean): void {
    if (trusted === this.trustedWorkspace) return;
    this.trustedWorkspace = trusted;
    this.changed();
  }

  /** Replaces the signed-in credentials; tokens obtained with the old ones are dropped. */
  setCredentials(list: readonly { registry: string; username: string; secret: string }[]): void {
    this.signedIn.clear();
    for (const c of list) this.signedIn.set(c.registry.toLowerCase(), { kind: 'basic', username: c.username, password: c.secret });
    this.dropClients();
    this.changed();
  }

  hasSignedIn(registry: string): boolean {
    return this.signedIn.has(registry.toLowerCase());
  }

  /**
   * The client to use for `registry`. `insecure` (an OCIRepository's `spec.insecure: true`)
   * allows plain HTTP to that one host, as source-controller does.
   */
  clientFor(registry: string, options: { insecure?: boolean } = {}): RegistryClient {
    const key = options.insecure && !this.settings.insecureHosts.includes(registry) ? registry : '';
    let client = this.clients.get(key);
    if (!client) {
      client = new RegistryClient({
        insecureHosts: key ? [...this.settings.insecureHosts, key] : this.settings.insecureHosts,
        caFiles: this.settings.caFiles,
        credentialSource: this.credentialSource(),
        log: this.options.log,
      });
      this.clients.set(key, client);
    }
    return client;
  }

  /**
   * A client of its own for checking credentials before they are kept (sign-in): the session's
   * transport settings, the given credentials for `registry` only, nothing from Docker config.
   * The caller closes it.
   */
  probeClient(registry: string, credentials: { username: string; secret: string } | undefined, options: { insecure?: boolean } = {}): RegistryClient {
    const host = registry.toLowerCase();
    const basic: Credentials | undefined = credentials && { kind: 'basic', username: credentials.username, password: credentials.secret };
    return new RegistryClient({
      insecureHosts: options.insecure ? [...this.settings.insecureHosts, registry] : this.settings.insecureHosts,
      caFiles: this.settings.caFiles,
      credentialSource: async (r) => (r.toLowerCase() === host ? basic : undefined),
      log: this.options.log,
    });
  }

  dispose(): void {
    this.dropClients();
    this.listeners.clear();
  }

  /** Signed-in credentials for their own host only, then Docker config and helpers. */
  private credentialSource(): CredentialSource {
    const fallback = this.options.fallbackCredentials ?? dockerConfigCredentials();
    const signedIn = this.signedIn;
    return async (registry, signal) => signedIn.get(registry.toLowerCase()) ?? fallback(registry, signal);
  }

  private dropClients(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}
