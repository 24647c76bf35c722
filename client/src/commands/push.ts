// "Flux OCI: Push Folder as Artifact…": pick the folder, repository and tag; fill source and
// revision from Git the way Flux's docs do; let the server check the folder (lint, secrets,
// existing tag) and then push it in its registry session, with progress and cancellation.
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { WorkDoneProgress, type WorkDoneProgressBegin, type WorkDoneProgressReport, type WorkDoneProgressEnd } from 'vscode-languageclient/node';
import type { FluxLanguageClient } from '../languageClient';
import { COMPARE_RENDERED_COMMAND,
  PreparePushRequest, PushRequest, PushRepositoriesRequest, PushTagSuggestionsRequest,
  type MappedArtifact, type PreparePushResult, type PushResultInfo,
} from '../../../server/src/protocol';
import { DECLARED_FILE_NAME } from '../../../server/src/language/artifacts/types';
import { withoutCredentials } from '../../../server/src/push/source';

export const PUSH_COMMAND = 'fluxOci.pushFolder';
const RECENT_KEY = 'fluxOci.push.recentRepositories';
const MAX_RECENT = 8;
const MAX_LISTED = 10;

interface GitFacts {
  /** Remote URL without any credentials in it. */
  source?: string;
  /** `<branch>@sha1:<commit>` (or `<tag>@sha1:` on a detached tag). */
  revision?: string;
  shortSha?: string;
  tag?: string;
}

function git(cwd: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', ['-C', cwd, ...args], { timeout: 10_000 }, (error, stdout) => resolve(error ? undefined : stdout.trim() || undefined));
  });
}


async function gitFacts(folder: string): Promise<GitFacts> {
  const commit = await git(folder, ['rev-parse', 'HEAD']);
  if (!commit) return {};
  const [remote, branch, tag] = await Promise.all([
    git(folder, ['config', '--get', 'remote.origin.url']).then(async (url) => url ?? (await git(folder, ['remote']))?.split('\n')[0]).then(async (nameOrUrl) => {
      if (!nameOrUrl || nameOrUrl.includes('/') || nameOrUrl.includes(':')) return nameOrUrl;
      return git(folder, ['remote', 'get-url', nameOrUrl]);
    }),
    git(folder, ['branch', '--show-current']),
    git(folder, ['describe', '--tags', '--exact-match', 'HEAD']),
  ]);
  const ref = branch ?? tag ?? 'HEAD';
  return { source: remote ? withoutCredentials(remote) : undefined, revision: `${ref}@sha1:${commit}`, shortSha: commit.slice(0, 7), tag };
}

interface FolderItem extends vscode.QuickPickItem {
  uri?: vscode.Uri;
}

/** Folders of the workspace that hold YAML, the active editor's first; plus "Browse…". */
async function pickFolder(): Promise<vscode.Uri | undefined> {
  const roots = vscode.workspace.workspaceFolders ?? [];
  const found = await vscode.workspace.findFiles('**/*.{yaml,yml}', '**/{node_modules,.git}/**', 5000);
  const folders = new Map<string, vscode.Uri>();
  for (const file of found) {
    const root = vscode.workspace.getWorkspaceFolder(file);
    if (!root) continue;
    let dir = vscode.Uri.joinPath(file, '..');
    while (dir.path.length >= root.uri.path.length) {
      folders.set(dir.toString(), dir);
      if (dir.path === root.uri.path) break;
      dir = vscode.Uri.joinPath(dir, '..');
    }
  }
  for (const root of roots) folders.set(root.uri.toString(), root.uri);
  const active = vscode.window.activeTextEditor?.document.uri;
  const activeDir = active ? vscode.Uri.joinPath(active, '..').toString() : undefined;
  const items: FolderItem[] = [...folders.values()]
    .map((uri) => ({ uri, label: vscode.workspace.asRelativePath(uri, roots.length > 1) || path.basename(uri.fsPath), description: uri.toString() === activeDir ? 'folder of the active file' : undefined }))
    .sort((a, b) => (a.description ? -1 : b.description ? 1 : a.label.localeCompare(b.label)));
  for (const item of items) if (item.uri && roots.some((r) => r.uri.toString() === item.uri!.toString())) item.label = `${item.label} (workspace folder)`;
  items.push({ label: '$(folder-opened) Browse…', alwaysShow: true });
  const picked = await vscode.window.showQuickPick(items, { title: 'Push Folder as Artifact (1/3): folder', placeHolder: 'Folder to pack (Flux ignores .git, images and archives, and honours .sourceignore)', matchOnDescription: true });
  if (!picked) return undefined;
  if (picked.uri) return picked.uri;
  const chosen = await vscode.window.showOpenDialog({ canSelectFiles: false, canSelectFolders: true, canSelectMany: false, defaultUri: roots[0]?.uri, openLabel: 'Push this folder' });
  return chosen?.[0];
}

/** Does a label hold the typed characters in order (the quick pick's own fuzzy filter)? */
function matchesTyped(label: string, typed: string): boolean {
  const l = label.toLowerCase();
  let at = 0;
  for (const c of typed.toLowerCase()) {
    at = l.indexOf(c, at);
    if (at === -1) return false;
    at++;
  }
  return true;
}

/** A quick pick that also accepts what the user types. */
function pickOrType(title: string, placeHolder: string, items: vscode.QuickPickItem[], normalise: (text: string) => string, validate: (text: string) => string | undefined): Promise<string | undefined> {
  return new Promise((resolve) => {
    const pick = vscode.window.createQuickPick<vscode.QuickPickItem>();
    pick.title = title;
    pick.placeholder = placeHolder;
    pick.items = items;
    pick.ignoreFocusOut = true;
    pick.onDidChangeValue((value) => {
      const typed = normalise(value.trim());
      const problem = value.trim() ? validate(typed) : undefined;
      const rest = items.filter((i) => i.label !== typed);
      if (!value.trim()) pick.items = items;
      else if (problem) pick.items = [{ label: `$(warning) ${problem}`, alwaysShow: true }, ...rest];
      else pick.items = [{ label: typed, description: 'as typed', alwaysShow: true }, ...rest];
    });
    let done = false;
    pick.onDidAccept(() => {
      // VS Code matches the accepted item by its position; if Enter came before the list made for
      // the last keystroke was shown, that position is from the old list. The quick pick only
      // shows items matching what is typed, so a selection that does not match it is stale.
      const typed = normalise(pick.value.trim());
      const selected = pick.selectedItems[0]?.label;
      const stale = selected !== undefined && pick.value.trim() !== '' && !selected.startsWith('$(') && !matchesTyped(selected, pick.value.trim());
      const chosen = stale ? typed : selected ?? typed;
      if (!chosen || validate(chosen)) return;
      done = true;
      resolve(chosen);
      pick.hide();
    });
    pick.onDidHide(() => {
      if (!done) resolve(undefined);
      pick.dispose();
    });
    pick.show();
  });
}

const REPOSITORY = /^oci:\/\/[^/\s:@]+(?::\d+)?(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)+$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

function describeSize(bytes: number): string {
  return bytes < 1_000_000 ? `${Math.ceil(bytes / 1000)} kB` : `${(bytes / 1_000_000).toFixed(1)} MB`;
}

function listed(lines: string[]): string {
  const shown = lines.slice(0, MAX_LISTED);
  return shown.join('\n') + (lines.length > shown.length ? `\n… and ${lines.length - shown.length} more` : '');
}

export function registerPushCommand(context: vscode.ExtensionContext, languageClient: FluxLanguageClient): vscode.Disposable {
  return vscode.commands.registerCommand(PUSH_COMMAND, async (target?: vscode.Uri) => {
    const folder = target instanceof vscode.Uri ? target : await pickFolder();
    if (!folder) return;
    if (folder.scheme !== 'file') {
      void vscode.window.showErrorMessage('Flux OCI can push folders on disk only.');
      return;
    }
    const client = await languageClient.ready();

    // Repository: what the artifact map says this folder is built into (first, preselected),
    // the workspace's OCIRepositories, then recent ones; or typed.
    const recent = context.workspaceState.get<string[]>(RECENT_KEY, []);
    const { repositories, mapped = [] } = await client.sendRequest(PushRepositoriesRequest, { folder: folder.toString() })
      .catch(() => ({ repositories: [] as string[], mapped: [] as MappedArtifact[] }));
    const mappedRepositories = [...new Set(mapped.map((m) => m.repository))];
    const repoItems: vscode.QuickPickItem[] = [
      ...mappedRepositories.map((r) => ({ label: r, description: `built from this folder — ${mapped.find((m) => m.repository === r)!.origin}` })),
      ...recent.filter((r) => !mappedRepositories.includes(r)).map((r) => ({ label: r, description: repositories.includes(r) ? 'recent · used by an OCIRepository' : 'recent' })),
      ...repositories.filter((r) => !recent.includes(r) && !mappedRepositories.includes(r)).map((r) => ({ label: r, description: 'used by an OCIRepository in the workspace' })),
    ];
    const repository = await pickOrType(
      'Push Folder as Artifact (2/3): repository',
      'oci://registry/repository — pick one or type it',
      repoItems,
      (text) => (text && !text.startsWith('oci://') ? `oci://${text}` : text),
      (text) => (REPOSITORY.test(text) ? undefined : 'a repository such as oci://ghcr.io/org/app (lower case, no tag)'),
    );
    if (!repository) return;

    // Tag: short SHA, the Git tag on HEAD, the next patch after the newest semver tag.
    const facts = await gitFacts(folder.fsPath);
    const suggestions = await client.sendRequest(PushTagSuggestionsRequest, { repository }).catch(() => ({ tags: [] as string[], newest: undefined, nextPatch: undefined }));
    const tagItems: vscode.QuickPickItem[] = [];
    // The map's tags for this repository come first (the tag CI pushes from this folder).
    const artifacts = mapped.filter((m) => m.repository === repository);
    for (const m of artifacts) if (m.tag && !tagItems.some((i) => i.label === m.tag)) tagItems.push({ label: m.tag, description: `pushed from this folder — ${m.origin}` });
    if (facts.tag) tagItems.push({ label: facts.tag, description: 'Git tag on HEAD' });
    if (suggestions.nextPatch) tagItems.push({ label: suggestions.nextPatch, description: `next patch after ${suggestions.newest}` });
    if (facts.shortSha) tagItems.push({ label: facts.shortSha, description: 'short Git commit' });
    const chosenArtifact = artifacts[0];
    // CI's flags for this folder: what it leaves out and the annotations it adds.
    const ignorePaths = chosenArtifact?.ignorePaths.length ? chosenArtifact.ignorePaths : undefined;
    const annotations = chosenArtifact?.annotations;
    if (!tagItems.some((i) => i.label === 'latest')) tagItems.push({ label: 'latest', description: 'moving tag' });
    const tag = await pickOrType('Push Folder as Artifact (3/3): tag', 'Tag to push — pick one or type it', tagItems, (t) => t, (t) => (TAG.test(t) ? undefined : 'a tag: letters, digits, _ . - (at most 128)'));
    if (!tag) return;
    const reference = `${repository}:${tag}`;

    // Checks before anything is uploaded.
    let prepared: PreparePushResult;
    try {
      prepared = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Checking ${vscode.workspace.asRelativePath(folder)} before pushing…` },
        () => client.sendRequest(PreparePushRequest, { folder: folder.toString(), reference, ...(ignorePaths ? { ignorePaths } : {}) }));
    } catch (error) {
      void vscode.window.showErrorMessage(`Cannot push ${vscode.workspace.asRelativePath(folder)}: ${(error as Error).message}`);
      return;
    }
    if (prepared.secrets.length > 0) {
      void vscode.window.showErrorMessage(`Not pushed: ${prepared.secrets.length} secret${prepared.secrets.length === 1 ? '' : 's'} would be published.`, {
        modal: true,
        detail: `${listed(prepared.secrets.map((s) => `${s.path}${s.line ? `:${s.line}` : ''}: ${s.reason}`))}\n\nEncrypt Secrets with SOPS, or leave the files out with .sourceignore.`,
      });
      return;
    }
    let allowLintErrors = false;
    if (prepared.lintErrors.length > 0) {
      const answer = await vscode.window.showWarningMessage(`${prepared.lintErrors.length} error${prepared.lintErrors.length === 1 ? '' : 's'} in the manifests to push.`, {
        modal: true,
        detail: `${listed(prepared.lintErrors.map((e) => `${e.path}:${e.line}:${e.column} ${e.message}`))}\n\nFlux would fail to apply them.`,
      }, 'Push anyway');
      if (answer !== 'Push anyway') return;
      allowLintErrors = true;
    }
    let overwriteDigest: string | undefined;
    if (prepared.existingDigest) {
      const synced = prepared.syncedBy ?? [];
      const answer = await vscode.window.showWarningMessage(`${reference} already exists.`, {
        modal: true,
        detail: `It points at ${prepared.existingDigest}. Replacing it moves the tag for everyone who pulls it (an OCIRepository following this tag picks up the new content).`
          + (synced.length ? `\n\nShow What Changes compares what ${synced.map((k) => k.name).join(', ')} ${synced.length === 1 ? 'applies' : 'apply'} from the published artifact with what ${synced.length === 1 ? 'it' : 'they'} would apply from this folder.` : ''),
      }, 'Replace', ...(synced.length ? ['Show What Changes'] : []));
      if (answer === 'Show What Changes') {
        // The object diff of each Kustomization synced from this artifact; the push waits for the user to run it again.
        for (const k of synced.slice(0, 3)) await vscode.commands.executeCommand(COMPARE_RENDERED_COMMAND, k.uri, k.documentIndex, k.name);
        void vscode.window.showInformationMessage(`Not pushed yet: review what changes, then push ${vscode.workspace.asRelativePath(folder)} again.`);
        return;
      }
      if (answer !== 'Replace') return;
      overwriteDigest = prepared.existingDigest;
    }

    // The push, in the server's registry session.
    let result: PushResultInfo;
    try {
      result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Pushing ${reference}`, cancellable: true }, async (progress, token) => {
        progress.report({ message: `${prepared.files} files, ${describeSize(prepared.bytes)}` });
        const workDoneToken = `fluxOci.push.${Date.now()}.${Math.random().toString(36).slice(2)}`;
        let reported = 0;
        const listener = client.onProgress(WorkDoneProgress.type, workDoneToken, (value: WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd) => {
          if (value.kind !== 'report') return;
          const percentage = value.percentage ?? reported;
          progress.report({ message: value.message, increment: Math.max(0, percentage - reported) });
          reported = Math.max(reported, percentage);
        });
        try {
          return await client.sendRequest(PushRequest, {
            folder: folder.toString(), reference, workDoneToken,
            source: facts.source, revision: facts.revision, allowLintErrors, overwriteDigest,
            ...(ignorePaths ? { ignorePaths } : {}), ...(annotations ? { annotations } : {}),
          }, token);
        } finally {
          listener.dispose();
        }
      });
    } catch (error) {
      // The server answers a cancelled push with LSP's RequestCancelled (-32800).
      if (error instanceof vscode.CancellationError || (error as { name?: string }).name === 'Canceled' || (error as { code?: unknown }).code === -32800) {
        void vscode.window.showInformationMessage(`Push of ${reference} cancelled; the tag was not changed.`);
      } else void vscode.window.showErrorMessage(`Push of ${reference} failed: ${(error as Error).message}`);
      return;
    }
    if (result === undefined) {
      // The language client answers a cancelled request with no value.
      void vscode.window.showInformationMessage(`Push of ${reference} cancelled; the tag was not changed.`);
      return;
    }
    await context.workspaceState.update(RECENT_KEY, [repository, ...recent.filter((r) => r !== repository)].slice(0, MAX_RECENT));

    if (artifacts.length === 0) void offerToRecord(folder, repository);
    // What is published changed: the local-versus-published item asks again.
    void vscode.commands.executeCommand('fluxOci.artifactStatus.refresh').then(undefined, () => undefined);

    const pinned = `${repository}@${result.digest}`;
    const canPin = (await vscode.commands.getCommands(true)).includes('fluxOci.pinDigest');
    const actions = ['Copy reference', ...(canPin ? ['Pin digest'] : [])];
    const what = result.unchanged ? `${reference} already held this artifact.` : `Pushed ${result.files} file${result.files === 1 ? '' : 's'} as ${reference}.`;
    const choice = await vscode.window.showInformationMessage(`${what} Digest reference: ${pinned}`, ...actions);
    if (choice === 'Copy reference') {
      await vscode.env.clipboard.writeText(pinned);
      void vscode.window.setStatusBarMessage(`Copied ${pinned}`, 5000);
    } else if (choice === 'Pin digest') await vscode.commands.executeCommand('fluxOci.pinDigest', pinned);
  });
}

/**
 * After a push from a folder the artifact map does not know: offer to record the link in the
 * declared map at the top of the workspace folder, so the editor and the CLI judge the fleet by it.
 */
async function offerToRecord(folder: vscode.Uri, repository: string): Promise<void> {
  const root = vscode.workspace.getWorkspaceFolder(folder);
  if (!root) return;
  const relative = path.relative(root.uri.fsPath, folder.fsPath).split(path.sep).join('/');
  const written = relative ? `./${relative}` : '.';
  const answer = await vscode.window.showInformationMessage(
    `Record that ${repository} is built from ${written}? Flux OCI then judges the Kustomizations it syncs against this folder.`,
    `Record in ${DECLARED_FILE_NAME}`);
  if (!answer) return;
  const file = vscode.Uri.joinPath(root.uri, DECLARED_FILE_NAME);
  let text: string | undefined;
  try {
    text = new TextDecoder().decode(await vscode.workspace.fs.readFile(file));
  } catch {
    text = undefined;
  }
  const entry = `  - url: ${repository}\n    path: ${written}\n`;
  const next = text === undefined || !/^artifacts:/m.test(text)
    ? `${text ?? '# Which folder of this repository each OCI artifact is built from (read by Flux OCI).\n'}${text && !text.endsWith('\n') ? '\n' : ''}artifacts:\n${entry}`
    : `${text}${text.endsWith('\n') ? '' : '\n'}${entry}`;
  await vscode.workspace.fs.writeFile(file, new TextEncoder().encode(next));
  void vscode.window.setStatusBarMessage(`Recorded ${repository} ← ${written} in ${DECLARED_FILE_NAME}`, 5000);
}
