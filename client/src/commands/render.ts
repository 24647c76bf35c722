// "Show What Flux Applies": opens a read-only document with what a Kustomization renders to, as
// the server renders it (fluxOci/renderKustomization); it refreshes when a file is saved.
import * as vscode from 'vscode';
import type { FluxLanguageClient } from '../languageClient';
import { COMPARE_RENDERED_COMMAND, RENDER_SCHEME, RenderKustomizationRequest, SHOW_RENDERED_COMMAND } from '../../../server/src/protocol';

interface RenderTarget {
  uri: string;
  documentIndex: number;
  /** Render the artifact the cluster syncs now instead of the local folder. */
  published?: boolean;
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

  /** The lens arguments (uri, document index, name) given, else those of the Kustomization at the cursor. */
  const targetAt = async (command: string, args: unknown[]): Promise<[string, number, string] | undefined> => {
    if (typeof args[0] === 'string' && typeof args[1] === 'number') return [args[0], args[1], String(args[2] ?? 'kustomization')];
    const editor = vscode.window.activeTextEditor;
    if (!editor) return undefined;
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', editor.document.uri);
    const mine = (lenses ?? []).filter((l) => l.command?.command === command);
    const at = [...mine].reverse().find((l) => l.range.start.line <= editor.selection.active.line) ?? mine[0];
    if (!at?.command?.arguments) {
      void vscode.window.showInformationMessage(command === SHOW_RENDERED_COMMAND ? 'No Flux Kustomization in this file.' : 'No Flux Kustomization synced from an OCI artifact in this file.');
      return undefined;
    }
    return at.command.arguments as [string, number, string];
  };
  const viewOf = (target: RenderTarget, name: string) =>
    vscode.Uri.from({ scheme: RENDER_SCHEME, path: `/${name} (${target.published ? 'published' : 'what Flux applies'}).yaml`, query: JSON.stringify(target) });

  const show = async (...args: unknown[]) => {
    const found = await targetAt(SHOW_RENDERED_COMMAND, args);
    if (!found) return;
    const [uri, documentIndex, name] = found;
    const document = await vscode.workspace.openTextDocument(viewOf({ uri, documentIndex }, name));
    await vscode.languages.setTextDocumentLanguage(document, 'yaml');
    await vscode.window.showTextDocument(document, { preview: true, viewColumn: vscode.ViewColumn.Beside });
  };

  // What a push would change in the cluster: the published artifact's render against the local one.
  const compare = async (...args: unknown[]) => {
    const found = await targetAt(COMPARE_RENDERED_COMMAND, args);
    if (!found) return;
    const [uri, documentIndex, name] = found;
    await vscode.commands.executeCommand('vscode.diff', viewOf({ uri, documentIndex, published: true }, name), viewOf({ uri, documentIndex }, name),
      `${name}: published ↔ local (what Flux applies)`, { preview: true, viewColumn: vscode.ViewColumn.Beside });
  };

  context.subscriptions.push(
    changed,
    vscode.workspace.registerTextDocumentContentProvider(RENDER_SCHEME, provider),
    vscode.commands.registerCommand(SHOW_RENDERED_COMMAND, show),
    vscode.commands.registerCommand(COMPARE_RENDERED_COMMAND, compare),
    // A saved file may be part of what a shown Kustomization renders: render the open ones again.
    vscode.workspace.onDidSaveTextDocument((saved) => {
      if (saved.uri.scheme !== 'file') return;
      for (const document of vscode.workspace.textDocuments) if (document.uri.scheme === RENDER_SCHEME && !targetOf(document.uri).published) changed.fire(document.uri);
    }),
  );
}
