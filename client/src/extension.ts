// Entry point of the VS Code extension: wires the pieces together and nothing else.
// Activation stays cheap: the language server starts when the first YAML document is open.
import * as vscode from 'vscode';
import { FluxLanguageClient } from './languageClient';
import { registerCommands } from './commands';
import { registerPushCommand } from './commands/push';
import { RegistryCredentials } from './credentials';
import { registerExplorerFeatures } from './commands/explorer';
import { registerArtifactStatus } from './views/artifactStatus';
import { registerRenderCommand } from './commands/render';
import { openWalkthroughOnDemoStart } from './walkthrough';

let languageClient: FluxLanguageClient | undefined;

const isYaml = (document: vscode.TextDocument) => document.languageId === 'yaml';

/** What the extension exports to other extensions (and to the extension-host tests). */
export interface FluxOciApi {
  isServerRunning(): boolean;
  startServer(): Promise<void>;
  stopServer(): Promise<void>;
}

export function activate(context: vscode.ExtensionContext): FluxOciApi {
  const client = new FluxLanguageClient(context);
  languageClient = client;
  registerCommands(context, client);
  context.subscriptions.push(registerPushCommand(context, client));
  new RegistryCredentials(context, client).register();
  registerExplorerFeatures(context, client);
  registerArtifactStatus(context, client);
  registerRenderCommand(context, client);
  openWalkthroughOnDemoStart(context);
  const startOnce = () => {
    void client.start().catch((error: unknown) => {
      void vscode.window.showErrorMessage(`Flux OCI language server failed to start: ${error instanceof Error ? error.message : String(error)}`);
    });
  };
  if (vscode.workspace.textDocuments.some(isYaml)) startOnce();
  else {
    const listener = vscode.workspace.onDidOpenTextDocument((document) => {
      if (!isYaml(document)) return;
      listener.dispose();
      startOnce();
    });
    context.subscriptions.push(listener);
  }
  return {
    isServerRunning: () => client.isRunning,
    startServer: () => client.start(),
    stopServer: () => client.stop(),
  };
}

export async function deactivate(): Promise<void> {
  await languageClient?.stop();
  languageClient = undefined;
}
