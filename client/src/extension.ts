// Entry point of the VS Code extension: wires the pieces together and nothing else.
import * as vscode from 'vscode';
import { FluxLanguageClient } from './languageClient';
import { registerCommands } from './commands';

let languageClient: FluxLanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  languageClient = new FluxLanguageClient(context);
  registerCommands(context, languageClient);
  await languageClient.start();
}

export async function deactivate(): Promise<void> {
  await languageClient?.stop();
  languageClient = undefined;
}
