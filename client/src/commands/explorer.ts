// The explorer's commands: tree actions on tags (copy, pin, tag, delete, pull, compare, use in
// an OCIRepository), "Open Artifact…", "Compare with Local Folder…", "Add Registry…". Each asks
// the server and shows the outcome; errors are the server's user-facing messages.
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { FluxLanguageClient } from '../languageClient';
import {
  AddTagRequest, CompareWithFolderRequest, ExplorerChangedNotification, DeleteTagRequest, OciRepositoryTemplateRequest, PinDigestEditRequest, PullToFolderRequest, ReadArtifactTreeRequest,
} from '../../../server/src/protocol';
import { ArtifactFileSystem, ARTIFACT_SCHEME, artifactFileUri } from '../views/artifactFileSystem';
import { RegistryExplorer, configuredRegistries, digestReference, tagReference, type ExplorerNode } from '../views/registryExplorer';

type TagNode = Extract<ExplorerNode, { kind: 'tag' }>;
const isTagNode = (value: unknown): value is TagNode => typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'tag';

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));
const errorKind = (error: unknown): string | undefined => ((error as { data?: { kind?: string } } | undefined)?.data?.kind);

/** A reference from a tree node, a string argument, or an input box. */
async function referenceFrom(arg: unknown, prompt: string, pinned = false): Promise<string | undefined> {
  if (isTagNode(arg)) return pinned ? digestReference(arg) ?? tagReference(arg) : tagReference(arg);
  if (typeof arg === 'string' && arg) return arg;
  const value = await vscode.window.showInputBox({
    prompt,
    placeHolder: 'oci://ghcr.io/org/app:v1.0.0',
    validateInput: (text) => (/^(oci:\/\/)?[^/\s]+\/[^\s]+$/.test(text.trim()) ? undefined : 'an artifact reference such as oci://ghcr.io/org/app:v1.0.0'),
  });
  return value?.trim();
}

export function registerExplorerFeatures(context: vscode.ExtensionContext, client: FluxLanguageClient): void {
  const explorer = new RegistryExplorer(client);
  const fileSystem = new ArtifactFileSystem(client);
  client.onNotification(ExplorerChangedNotification, () => explorer.refresh(undefined, false));
  const view = vscode.window.createTreeView('fluxOci.registryExplorer', { treeDataProvider: explorer, showCollapseAll: true });
  const run = (id: string, handler: (...args: unknown[]) => Promise<unknown> | unknown) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await handler(...args);
      } catch (error) {
        void vscode.window.showErrorMessage(`Flux OCI: ${message(error)}`);
        return undefined;
      }
    });

  context.subscriptions.push(
    view,
    vscode.workspace.registerFileSystemProvider(ARTIFACT_SCHEME, fileSystem, { isReadonly: true, isCaseSensitive: true }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('fluxOci.explorer') || e.affectsConfiguration('fluxOci.registry')) explorer.refresh();
    }),

    run('fluxOci.explorer.refresh', () => explorer.refresh()),
    run('fluxOci.explorer.loadMore', (node) => explorer.loadMore(node as Extract<ExplorerNode, { kind: 'more' }>)),

    run('fluxOci.explorer.addRegistry', async () => {
      const value = await vscode.window.showInputBox({
        prompt: 'A registry (host[:port]) or a repository (host/path) to show in the Flux OCI explorer',
        placeHolder: 'ghcr.io/org/app',
        validateInput: (text) => (/^(oci:\/\/)?[A-Za-z0-9.[\]:-]+(\/[a-z0-9._/-]+)?$/.test(text.trim()) ? undefined : 'a host such as ghcr.io, or host/repository such as ghcr.io/org/app'),
      });
      if (!value) return;
      const entry = value.trim().replace(/^oci:\/\//, '').replace(/\/+$/, '');
      const config = vscode.workspace.getConfiguration('fluxOci');
      const current = configuredRegistries();
      if (!current.includes(entry)) await config.update('explorer.registries', [...current, entry], vscode.ConfigurationTarget.Global);
      explorer.refresh();
    }),

    run('fluxOci.explorer.signIn', async (registry) => {
      const commands = await vscode.commands.getCommands(true);
      if (commands.includes('fluxOci.signIn')) {
        await vscode.commands.executeCommand('fluxOci.signIn', registry);
        explorer.refresh();
      } else void vscode.window.showWarningMessage(`${String(registry)} asks for credentials. Sign in with "docker login ${String(registry)}" (Docker config and credential helpers are used), then refresh the explorer.`);
    }),

    run('fluxOci.openArtifact', async (arg) => {
      const reference = await referenceFrom(arg, 'The artifact to open (oci://host/repo:tag or @sha256:…)');
      if (!reference) return;
      const tree = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Opening ${reference}…` }, () => client.request(ReadArtifactTreeRequest, { reference }));
      const files = tree.entries.filter((e) => e.type === 'file');
      if (files.length === 0) {
        void vscode.window.showInformationMessage(`${tree.reference} holds no files.`);
        return;
      }
      const pick = await vscode.window.showQuickPick(files.map((f) => ({ label: f.path, description: `${f.size} bytes` })), { title: `${tree.reference}`, placeHolder: 'Open a file of the artifact (read-only)' });
      if (pick) await vscode.window.showTextDocument(artifactFileUri(tree.reference, pick.label), { preview: false });
    }),

    run('fluxOci.compareWithFolder', async (arg) => {
      // A keybinding (or another extension) may pass both: {"reference": "oci://…", "folder": "/path"}.
      const given = arg as { reference?: unknown; folder?: unknown } | undefined;
      if (given && typeof given.reference === 'string' && typeof given.folder === 'string') {
        await compareAndShow(client, given.reference, vscode.Uri.file(given.folder));
        return;
      }
      const reference = await referenceFrom(arg, 'The artifact to compare (oci://host/repo:tag)', true);
      if (!reference) return;
      const folders = await vscode.window.showOpenDialog({
        canSelectFolders: true, canSelectFiles: false, canSelectMany: false,
        defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri, openLabel: 'Compare', title: `Compare ${reference} with a local folder`,
      });
      const folder = folders?.[0];
      if (!folder) return;
      await compareAndShow(client, reference, folder);
    }),

    run('fluxOci.copyReference', async (arg) => {
      if (!isTagNode(arg)) return;
      await vscode.env.clipboard.writeText(tagReference(arg));
      void vscode.window.setStatusBarMessage(`Copied ${tagReference(arg)}`, 3000);
    }),
    run('fluxOci.copyDigestReference', async (arg) => {
      if (!isTagNode(arg)) return;
      const reference = digestReference(arg) ?? (await client.request(ReadArtifactTreeRequest, { reference: tagReference(arg) })).reference;
      await vscode.env.clipboard.writeText(reference);
      void vscode.window.setStatusBarMessage(`Copied ${reference}`, 3000);
    }),

    run('fluxOci.pinDigest', async (arg) => {
      const reference = await referenceFrom(arg, 'The artifact whose digest to pin (oci://host/repo@sha256:… or :tag)', true);
      if (!reference) return;
      const result = await client.request(PinDigestEditRequest, { reference });
      if (result.objects.length === 0) {
        void vscode.window.showInformationMessage(`No OCIRepository in the workspace uses ${reference.replace(/[:@][^/]*$/, '')}.`);
        return;
      }
      const edit = new vscode.WorkspaceEdit();
      for (const [uri, edits] of Object.entries(result.edit.changes ?? {})) {
        for (const e of edits) edit.replace(vscode.Uri.parse(uri), new vscode.Range(e.range.start.line, e.range.start.character, e.range.end.line, e.range.end.character), e.newText);
      }
      if (!(await vscode.workspace.applyEdit(edit))) throw new Error('the edit could not be applied');
      const names = result.objects.map((o) => (o.namespace ? `${o.namespace}/${o.name}` : o.name)).join(', ');
      void vscode.window.showInformationMessage(`Pinned ${names} to ${result.digest.slice(0, 19)}…`);
    }),

    run('fluxOci.addTag', async (arg) => {
      const reference = await referenceFrom(arg, 'The artifact to tag', true);
      if (!reference) return;
      const tag = await vscode.window.showInputBox({
        prompt: `New tag for ${reference}`,
        validateInput: (text) => (/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.test(text) ? undefined : 'up to 128 letters, digits, ".", "_" and "-", not starting with "." or "-"'),
      });
      if (!tag) return;
      const result = await client.request(AddTagRequest, { reference, tag });
      void vscode.window.showInformationMessage(`Tagged ${result.reference}`);
      explorer.refresh();
    }),

    run('fluxOci.deleteTag', async (arg) => {
      if (!isTagNode(arg)) return;
      const reference = tagReference(arg);
      const confirm = await vscode.window.showWarningMessage(`Delete the tag ${reference}?`, { modal: true }, 'Delete Tag');
      if (confirm !== 'Delete Tag') return;
      try {
        await client.request(DeleteTagRequest, { reference });
        void vscode.window.showInformationMessage(`Deleted ${reference}`);
      } catch (error) {
        if (errorKind(error) !== 'tagDeleteUnsupported') throw error;
        const manifest = await vscode.window.showWarningMessage(
          `${message(error)}.\n\nDelete the manifest ${arg.tag.digest ?? ''}? Every tag pointing at it disappears too.`,
          { modal: true }, 'Delete Manifest',
        );
        if (manifest !== 'Delete Manifest') return;
        await client.request(DeleteTagRequest, { reference, manifest: true });
        void vscode.window.showInformationMessage(`Deleted the manifest of ${reference}`);
      }
      explorer.refresh();
    }),

    run('fluxOci.pullToFolder', async (arg) => {
      const reference = await referenceFrom(arg, 'The artifact to pull', true);
      if (!reference) return;
      const folders = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Pull Here', title: `Pull ${reference} into a folder` });
      const folder = folders?.[0];
      if (!folder) return;
      const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Pulling ${reference}…`, cancellable: true }, (_p, token) =>
        client.request(PullToFolderRequest, { reference, folder: folder.fsPath }, token));
      const open = await vscode.window.showInformationMessage(`Pulled ${result.files} files of ${result.reference} into ${folder.fsPath}`, 'Reveal');
      if (open) await vscode.commands.executeCommand('revealFileInOS', folder);
    }),

    run('fluxOci.useInOciRepository', async (arg) => {
      const reference = await referenceFrom(arg, 'The artifact to use (oci://host/repo:tag)');
      if (!reference) return;
      const { text } = await client.request(OciRepositoryTemplateRequest, { reference });
      const editor = vscode.window.activeTextEditor;
      if (editor && editor.document.languageId === 'yaml' && editor.document.uri.scheme !== ARTIFACT_SCHEME) {
        const document = editor.document;
        const end = document.lineAt(document.lineCount - 1).range.end;
        const body = document.getText().trim() === '' ? text : `${document.getText().endsWith('\n') ? '' : '\n'}---\n${text}`;
        await editor.edit((e) => e.insert(end, body));
      } else {
        const document = await vscode.workspace.openTextDocument({ language: 'yaml', content: text });
        await vscode.window.showTextDocument(document);
      }
    }),
  );
}

/** Runs the comparison and lets the user open each difference in the diff editor. */
async function compareAndShow(client: FluxLanguageClient, reference: string, folder: vscode.Uri): Promise<void> {
  const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Comparing ${reference} with ${path.basename(folder.fsPath)}…` }, () =>
    client.request(CompareWithFolderRequest, { reference, folder: folder.fsPath }));
  const total = result.added.length + result.removed.length + result.changed.length;
  if (total === 0) {
    void vscode.window.showInformationMessage(`${result.reference} and ${folder.fsPath} are the same (${result.unchanged} files).`);
    return;
  }
  type Item = vscode.QuickPickItem & { path: string; change: 'changed' | 'added' | 'removed' };
  const items: Item[] = [
    ...result.changed.map((p): Item => ({ label: `$(diff-modified) ${p}`, description: 'changed', path: p, change: 'changed' })),
    ...result.added.map((p): Item => ({ label: `$(diff-added) ${p}`, description: 'only in the folder (push would add it)', path: p, change: 'added' })),
    ...result.removed.map((p): Item => ({ label: `$(diff-removed) ${p}`, description: 'only in the artifact (push would remove it)', path: p, change: 'removed' })),
  ];
  const open = (item: Item) => {
    const local = vscode.Uri.joinPath(folder, item.path);
    const remote = artifactFileUri(result.reference, item.path);
    if (item.change === 'changed') return vscode.commands.executeCommand('vscode.diff', remote, local, `${item.path} (artifact ↔ local)`, { preview: false });
    return vscode.window.showTextDocument(item.change === 'added' ? local : remote, { preview: false });
  };
  const pick = vscode.window.createQuickPick<Item>();
  pick.title = `${result.reference} ↔ ${folder.fsPath}: ${result.changed.length} changed, ${result.added.length} added, ${result.removed.length} removed, ${result.unchanged} the same`;
  pick.placeholder = 'Open a difference (the list stays open)';
  pick.items = items;
  pick.ignoreFocusOut = true;
  pick.onDidAccept(() => {
    const item = pick.selectedItems[0];
    if (item) void open(item);
  });
  pick.onDidHide(() => pick.dispose());
  pick.show();
  // The first change opens at once.
  void open(items[0]);
}
