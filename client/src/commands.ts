// Command registrations; each command's behaviour lives in its own module as commands grow.
import * as vscode from 'vscode';
import type { FluxLanguageClient } from './languageClient';

export function registerCommands(context: vscode.ExtensionContext, client: FluxLanguageClient): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('fluxOci.restartServer', async () => {
      await client.restart();
      void vscode.window.showInformationMessage('Flux OCI language server restarted.');
    }),
  );
}
