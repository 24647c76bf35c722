// "Show What Flux Applies": opens a read-only document with what a Kustomization renders to, as
// the server renders it (fluxOci/renderKustomization); it refreshes when a file is saved.
import * as vscode from 'vscode';
import type { FluxLanguageClient } from '../languageClient';
import { RenderKustomizationRequest } from '../../../server/src/protocol';

export const RENDER_SCHEME = 'flux-render';
export const SHOW_RENDERED_COMMAND = 'fluxOci.showRendered';

interface RenderTarget {
  uri: string;
  documentIndex: number;
}

const targetOf = (uri: vscode.Uri): RenderTarget => JSON.parse(uri.query) as RenderTarget;

export function registerRenderCommand(context: vscode.ExtensionContext, client: FluxLanguageClient): void {
  const changed = new vscode.EventEmitter<vscode.Uri>();
  const provider: vscode.TextDocumentContentProvider = {
    onDidChange: changed.event,
    async provideTextDocumentContent(uri, token) {
      try {
        const result = await client.request(RenderKustomizationRequest, targetOf(uri), token);
        return result.content ?? `# Nothing to show: ${result.error ?? 'no answer'}\n`;
      } catch (error) {
        return `# Nothing to show: ${(error as Error).message}\n`;
      }
    },
  };

  const show = async (uri?: string, documentIndex?: number, name?: string) => {
    if (uri === undefined || documentIndex === undefined) {
      // From the palette: the Kustomization under the cursor, through the server's code lenses.
      const editor = vscode.window.activeTextEditor;
      if (!editor) return;
      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', editor.document.uri);
      const mine = (lenses ?? []).filter((l) => l.command?.command === SHOW_RENDERED_COMMAND);
      const at = [...mine].reverse().find((l) => l.range.start.line <= editor.selection.active.line) ?? mine[0];
      if (!at?.command?.arguments) {
        void vscode.window.showInformationMessage('No Flux Kustomization in this file.');
        return;
      }
      [uri, documentIndex, name] = at.command.arguments as [string, number, string];
    }
    const target: RenderTarget = { uri, documentIndex };
    const view = vscode.Uri.from({ scheme: RENDER_SCHEME, path: `/${name ?? 'kustomization'} (what Flux applies).yaml`, query: JSON.stringify(target) });
    const document = await vscode.workspace.openTextDocument(view);
    await vscode.languages.setTextDocumentLanguage(document, 'yaml');
    await vscode.window.showTextDocument(document, { preview: true, viewColumn: vscode.ViewColumn.Beside });
  };

  context.subscriptions.push(
    changed,
    vscode.workspace.registerTextDocumentContentProvider(RENDER_SCHEME, provider),
    vscode.commands.registerCommand(SHOW_RENDERED_COMMAND, show),
    // A saved file may be part of what a shown Kustomization renders: render the open ones again.
    vscode.workspace.onDidSaveTextDocument((saved) => {
      if (saved.uri.scheme !== 'file') return;
      for (const document of vscode.workspace.textDocuments) if (document.uri.scheme === RENDER_SCHEME) changed.fire(document.uri);
    }),
  );
}
