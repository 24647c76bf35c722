// Registry sign-in for the language server's live checks: "Flux OCI: Sign in to Registry…" and
// "Sign out of Registry…". Secrets live in VS Code SecretStorage (the OS keychain), are handed to
// the server over fluxOci/setCredentials on every start and change, and never go to settings,
// logs or messages. Also forwards Workspace Trust: until the workspace is trusted the server
// contacts no registry named in workspace files.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { AuthRequiredNotification, CheckRegistryRequest, SetCredentialsRequest, SetTrustNotification, type SignedInCredentials } from '../../server/src/protocol';
import type { FluxLanguageClient } from './languageClient';

const SECRET_KEY = 'fluxOci.registryCredentials';
const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]{1,5})?$|^\[[0-9a-fA-F:.]+\](?::[0-9]{1,5})?$/;

/** `oci://ghcr.io/org/app` or `https://ghcr.io/` → `ghcr.io`; undefined when it is not a host. */
export function registryHost(input: string): string | undefined {
  const text = input.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/.*$/, '').toLowerCase();
  return HOST.test(text) ? text : undefined;
}

export class RegistryCredentials {
  constructor(private readonly context: vscode.ExtensionContext, private readonly languageClient: FluxLanguageClient) {}

  register(): void {
    const { context } = this;
    context.subscriptions.push(
      vscode.commands.registerCommand('fluxOci.signIn', (registry?: unknown) => this.signIn(typeof registry === 'string' ? registry : undefined)),
      vscode.commands.registerCommand('fluxOci.signOut', () => this.signOut()),
      context.secrets.onDidChange((e) => {
        if (e.key === SECRET_KEY) void this.sendCredentials();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.sendTrust()),
    );
    this.languageClient.onDidStart((client) => this.connected(client));
  }

  private async connected(client: LanguageClient): Promise<void> {
    const asked = new Set<string>();
    client.onNotification(AuthRequiredNotification, ({ registry }) => {
      if (asked.has(registry)) return;
      asked.add(registry);
      void vscode.window.showInformationMessage(`Flux OCI: ${registry} asks for credentials before tags and digests can be checked.`, 'Sign in…').then((choice) => {
        if (choice) void this.signIn(registry);
      });
    });
    await this.sendTrust();
    await this.sendCredentials();
  }

  private async stored(): Promise<SignedInCredentials[]> {
    const text = await this.context.secrets.get(SECRET_KEY);
    if (!text) return [];
    try {
      const list = JSON.parse(text) as unknown;
      return Array.isArray(list) ? list.filter((c): c is SignedInCredentials => typeof c?.registry === 'string' && typeof c?.username === 'string' && typeof c?.secret === 'string') : [];
    } catch {
      return [];
    }
  }

  private async sendCredentials(): Promise<void> {
    const client = this.languageClient.current;
    if (!client?.isRunning()) return;
    await client.sendRequest(SetCredentialsRequest, { credentials: await this.stored() }).catch(() => undefined);
  }

  private async sendTrust(): Promise<void> {
    const client = this.languageClient.current;
    if (!client?.isRunning()) return;
    await client.sendNotification(SetTrustNotification, { trusted: vscode.workspace.isTrusted }).catch(() => undefined);
  }

  async signIn(registry?: string): Promise<void> {
    const host = await vscode.window.showInputBox({
      title: 'Sign in to Registry (1/3)',
      prompt: 'Registry host, e.g. ghcr.io or registry.example.com:5000',
      value: registry ?? '',
      ignoreFocusOut: true,
      validateInput: (v) => (registryHost(v) ? undefined : 'Enter a registry host such as ghcr.io (a port is allowed)'),
    });
    const registryName = host ? registryHost(host) : undefined;
    if (!registryName) return;
    const username = await vscode.window.showInputBox({ title: `Sign in to ${registryName} (2/3)`, prompt: 'User name', ignoreFocusOut: true, validateInput: (v) => (v.trim() ? undefined : 'A user name is needed') });
    if (!username) return;
    const secret = await vscode.window.showInputBox({ title: `Sign in to ${registryName} (3/3)`, prompt: 'Password or access token (kept in the OS keychain through VS Code)', password: true, ignoreFocusOut: true, validateInput: (v) => (v ? undefined : 'A password or token is needed') });
    if (!secret) return;
    // Ask the registry before keeping the secret: a typo shows now, not as a warning later.
    const check = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Flux OCI: checking the credentials with ${registryName}…`, cancellable: true },
      (_progress, token) => this.languageClient.request(CheckRegistryRequest, { registry: registryName, credentials: { registry: registryName, username: username.trim(), secret } }, token),
    ).then((r) => r, (error: unknown) => ({ ok: false, message: error instanceof Error ? error.message : String(error) }));
    if (!check.ok) {
      const choice = await vscode.window.showErrorMessage(`Flux OCI: ${registryName} did not accept the sign-in: ${check.message}`, 'Try Again', 'Keep Anyway');
      if (choice === 'Try Again') return this.signIn(registryName);
      if (choice !== 'Keep Anyway') return;
    }
    const others = (await this.stored()).filter((c) => c.registry !== registryName);
    await this.context.secrets.store(SECRET_KEY, JSON.stringify([...others, { registry: registryName, username: username.trim(), secret }]));
    await this.sendCredentials();
    void vscode.window.showInformationMessage(`Flux OCI: signed in to ${registryName} as ${username.trim()}.`);
  }

  async signOut(): Promise<void> {
    const list = await this.stored();
    if (list.length === 0) {
      void vscode.window.showInformationMessage('Flux OCI: you are not signed in to any registry.');
      return;
    }
    const pick = await vscode.window.showQuickPick(list.map((c) => ({ label: c.registry, description: c.username })), { title: 'Sign out of Registry' });
    if (!pick) return;
    await this.context.secrets.store(SECRET_KEY, JSON.stringify(list.filter((c) => c.registry !== pick.label)));
    await this.sendCredentials();
    void vscode.window.showInformationMessage(`Flux OCI: signed out of ${pick.label}.`);
  }
}
