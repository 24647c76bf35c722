// The local-versus-published status item: for each folder the artifact map links to an OCI
// artifact, is what the registry holds at the synced tag the same as the folder? Shown in the
// status bar ("kubernetes: 3 files differ from oci://…:main, pushed 2 h ago from 1a2b3c4"); a
// click opens the diff (one artifact) or lets the user pick one. The server compares, in its
// registry session; the item asks again after a push, a save, or the refresh command.
import * as vscode from 'vscode';
import type { FluxLanguageClient } from '../languageClient';
import { ArtifactStatusRequest, type PublishedArtifactStatus } from '../../../server/src/protocol';

export const STATUS_COMMAND = 'fluxOci.artifactStatus.show';
export const STATUS_REFRESH_COMMAND = 'fluxOci.artifactStatus.refresh';

const ICONS: Record<PublishedArtifactStatus['state'], string> = {
  same: '$(check)', different: '$(diff)', 'not-pushed': '$(cloud-upload)', 'not-checked': '$(circle-slash)', error: '$(warning)',
};

export function registerArtifactStatus(context: vscode.ExtensionContext, client: FluxLanguageClient): void {
  const item = vscode.window.createStatusBarItem('fluxOci.artifactStatus', vscode.StatusBarAlignment.Left, 10);
  item.name = 'Flux OCI: local versus published';
  item.command = STATUS_COMMAND;
  let statuses: PublishedArtifactStatus[] = [];
  let running: vscode.CancellationTokenSource | undefined;
  let again = false;

  const render = () => {
    if (statuses.length === 0) {
      item.hide();
      return;
    }
    const differing = statuses.filter((s) => s.state === 'different' || s.state === 'not-pushed');
    const shown = differing[0] ?? statuses[0];
    item.text = `${ICONS[shown.state]} ${shown.summary}${statuses.length > 1 ? ` (+${statuses.length - 1})` : ''}`;
    item.tooltip = new vscode.MarkdownString(statuses.map((s) => `- ${ICONS[s.state]} ${s.summary} — ${s.origin}`).join('\n'), true);
    item.backgroundColor = differing.length ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    item.show();
  };

  const refresh = async () => {
    if (running) {
      again = true;
      return;
    }
    running = new vscode.CancellationTokenSource();
    try {
      const { artifacts } = await client.request(ArtifactStatusRequest, {}, running.token);
      statuses = artifacts;
    } catch {
      // The registry or the server could not answer: keep what was shown.
    } finally {
      running.dispose();
      running = undefined;
    }
    render();
    if (again) {
      again = false;
      void refresh();
    }
  };

  context.subscriptions.push(
    item,
    vscode.commands.registerCommand(STATUS_REFRESH_COMMAND, refresh),
    vscode.commands.registerCommand(STATUS_COMMAND, async () => {
      const candidates = statuses.filter((s) => s.state === 'same' || s.state === 'different');
      const picked = candidates.length === 1 ? candidates[0] : (await vscode.window.showQuickPick(
        statuses.map((s) => ({ label: `${ICONS[s.state]} ${s.summary}`, description: s.origin, status: s })),
        { title: 'Compare a folder with what is published' }))?.status;
      if (!picked) return;
      if (picked.state !== 'same' && picked.state !== 'different') {
        void vscode.window.showInformationMessage(picked.summary);
        return;
      }
      await vscode.commands.executeCommand('fluxOci.compareWithFolder', { reference: `${picked.url}:${picked.tag}`, folder: vscode.Uri.parse(picked.folderUri).fsPath });
    }),
    // Saving a file of a mapped folder may change the answer.
    vscode.workspace.onDidSaveTextDocument((document) => {
      if (statuses.some((s) => document.uri.toString().startsWith(s.folderUri))) void refresh();
    }),
  );
  // Not awaited, and not through client.request: a start listener that waited for the started
  // client would wait for itself (start() awaits its listeners).
  client.onDidStart(() => {
    setTimeout(() => void refresh(), 0);
  });
}
