// Starts dist/server.js over Node IPC and keeps it in step with the fluxOci.* settings.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind, State, RevealOutputChannelOn } from 'vscode-languageclient/node';
import type { RequestType, NotificationType } from 'vscode-languageserver-protocol';
import { RENDER_SCHEME } from '../../server/src/protocol';

export class FluxLanguageClient {
  private client: LanguageClient | undefined;
  private readonly startListeners: Array<(client: LanguageClient) => void | Promise<void>> = [];

  /** The running client, for modules that send custom requests (credentials, trust). */
  get current(): LanguageClient | undefined {
    return this.client;
  }

  /** Called after every start (and restart), e.g. to hand over credentials and trust. */
  onDidStart(listener: (client: LanguageClient) => void | Promise<void>): void {
    this.startListeners.push(listener);
  }

  /** One channel for the extension's lifetime, kept across server restarts. */
  private readonly outputChannel: vscode.LogOutputChannel;

  constructor(private readonly context: vscode.ExtensionContext) {
    this.outputChannel = vscode.window.createOutputChannel('Flux OCI', { log: true });
    context.subscriptions.push(this.outputChannel);
  }

  get isRunning(): boolean {
    return this.client?.state === State.Running;
  }

  private starting: Promise<void> | undefined;

  /** Starts the server once; concurrent callers share the same start. */
  start(): Promise<void> {
    this.starting ??= this.startClient().finally(() => { this.starting = undefined; });
    return this.starting;
  }

  private async startClient(): Promise<void> {
    if (this.client) return;
    const serverModule = this.context.asAbsolutePath(path.join('dist', 'server.js'));
    const serverOptions: ServerOptions = {
      run: { module: serverModule, transport: TransportKind.ipc },
      debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: 'file', language: 'yaml' }, { scheme: 'untitled', language: 'yaml' }, { scheme: 'oci-artifact', language: 'yaml' }, { scheme: RENDER_SCHEME, language: 'yaml' }],
      synchronize: {
        configurationSection: 'fluxOci',
        // YAML files, and the build files that say which folder an artifact is pushed from.
        fileEvents: [
          vscode.workspace.createFileSystemWatcher('**/*.{yaml,yml}'),
          vscode.workspace.createFileSystemWatcher('**/{Makefile,makefile,GNUmakefile,*.mk,*.sh,*.bash}'),
        ],
      },
      // A log output channel is written to disk, so failures can be diagnosed from logs alone.
      outputChannel: this.outputChannel,
      // Commands report their own failures in words; no second "Request … failed." pop-up.
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      // This client reports Workspace Trust (fluxOci/setTrust): the server contacts no registry
      // named in workspace files until the workspace is trusted.
      initializationOptions: { workspaceTrust: true },
    };
    this.client = new LanguageClient('fluxOci', 'Flux OCI', serverOptions, clientOptions);
    // A line per start and stop, so a kept log shows when the server was (re)started.
    this.outputChannel.info(`starting the language server (${serverModule})`);
    await this.client.start();
    for (const [method, handlers] of this.notificationHandlers) this.client.onNotification(method, (params: unknown) => handlers.forEach((h) => h(params)));
    this.outputChannel.info('language server running');
    for (const listener of this.startListeners) await Promise.resolve(listener(this.client)).catch(() => undefined);
  }

  private readonly notificationHandlers = new Map<string, ((params: unknown) => void)[]>();

  /** Listens to a custom notification of server/src/protocol.ts, across server restarts. */
  onNotification<P>(type: NotificationType<P>, handler: (params: P) => void): void {
    const list = this.notificationHandlers.get(type.method) ?? [];
    const first = list.length === 0;
    list.push(handler as (params: unknown) => void);
    this.notificationHandlers.set(type.method, list);
    if (first && this.client) this.client.onNotification(type.method, (params: unknown) => list.forEach((h) => h(params)));
  }

  /** Sends a custom request of server/src/protocol.ts (by method name), starting the server first. */
  async request<P, R>(type: RequestType<P, R, void>, params: P, token?: vscode.CancellationToken): Promise<R> {
    const client = await this.ready();
    // An explicit undefined token would be sent as a second positional parameter.
    return token ? client.sendRequest<R>(type.method, params, token) : client.sendRequest<R>(type.method, params);
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    await client.stop();
    this.outputChannel.info('language server stopped');
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** The running client, started first if need be (for commands that send custom requests). */
  async ready(): Promise<LanguageClient> {
    await this.start();
    if (!this.client) throw new Error('the Flux OCI language server is not running');
    return this.client;
  }
}
