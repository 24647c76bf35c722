// LSP wiring only: capabilities and handlers that delegate to the language core.
// Runs over stdio (`--stdio`) or Node IPC (`--node-ipc`, used by the VS Code client).
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  createConnection, ProposedFeatures, TextDocumentSyncKind, DidChangeConfigurationNotification,
  FileChangeType, type WorkspaceFoldersChangeEvent,
} from 'vscode-languageserver/node';
import { WorkspaceIndex } from './language/workspaceIndex';
import { defaultLintContext, type LintContext } from './language/lint';
import { readSettings, DEFAULT_SERVER_SETTINGS, type ServerSettings } from './lsp/settings';
import type { ServerContext } from './lsp/context';
import { createDiagnosticsPublisher } from './lsp/diagnostics';
import { createOpenDocuments, openFile } from './lsp/openDocuments';
import { indexFolders, readIndexable, foldersAfterChange } from './lsp/workspaceScan';
import { registerCompletion } from './lsp/completion';
import { registerHover } from './lsp/hover';
import { registerCodeActions } from './lsp/codeActions';
import { registerNavigation } from './lsp/navigation';
import { registerPush } from './lsp/push';
import { registerExplorer } from './lsp/explorer';
import { RegistrySession } from './registry/session';
import { SetCredentialsRequest, SetTrustNotification } from './protocol';
import { applyGraphOf } from './language/applyGraph';
import { ServerArtifactMap } from './lsp/artifactMap';
import { registerArtifactStatus } from './lsp/artifactStatus';
import { readMapFile } from './language/artifacts/discover';
import { discoverRoot, diskFolderProbe } from './language/gitRoots';
import { registerLive } from './lsp/live';
import { TagCache } from './registry/tagCache';
import { targetsOf } from './registry/targets';
import { registerRegistryCheck } from './lsp/registryCheck';
import { registerRender } from './lsp/render';
import { createRenderDiagnostics } from './lsp/renderDiagnostics';
import { VERSION } from './version';
import { serverArgs } from './serverArgs';

// `flux-oci-ls --version` / `--help` answer before any connection is made.
const outcome = serverArgs(process.argv.slice(2), VERSION);
if (outcome.kind === 'exit') {
  if (outcome.stdout) process.stdout.write(outcome.stdout);
  if (outcome.stderr) process.stderr.write(outcome.stderr);
  process.exit(outcome.code);
}

const connection = createConnection(ProposedFeatures.all);
const index = new WorkspaceIndex();
const documents = createOpenDocuments(index, {
  lintContext: () => lintContext,
  onReady: (uri) => diagnostics.schedule(uri),
  // Live checks read each document's registry targets: only worth reading when they are on.
  warm: (parsed) => { if (TagCache.for(registry).enabled) targetsOf(parsed); },
});
const registry = new RegistrySession();
let settings: ServerSettings = DEFAULT_SERVER_SETTINGS;
/** The lint context every feature uses, derived from the settings in one place. */
const lintContextFor = (s: ServerSettings): LintContext => ({
  ...defaultLintContext({ unknownFields: s.validate.unknownFields }),
  unresolvedReferences: s.references.unresolved,
});
let lintContext: LintContext = lintContextFor(settings);
let canPullConfiguration = false;
let workspaceFolders: string[] = [];
let clientSendsFolderChanges = false;
let resolveIndexed: () => void = () => undefined;
const indexed = new Promise<void>((resolve) => { resolveIndexed = resolve; });

const ctx: ServerContext = {
  connection,
  documents,
  index,
  settings: () => settings,
  registry,
  lintContext: () => lintContext,
  fileFor(uri) {
    const document = documents.get(uri);
    return document ? openFile(document, index) : index.file(uri);
  },
  revalidateAll() {
    for (const document of documents.all()) diagnostics.schedule(document.uri);
  },
  workspaceIndexed: () => indexed,
};
const artifactMap = new ServerArtifactMap(index);
const live = registerLive(ctx, (uri) => diagnostics.schedule(uri));
const rendered = createRenderDiagnostics(ctx, (uri) => diagnostics.schedule(uri));
const diagnostics = createDiagnosticsPublisher(ctx, (uri, file, version) => {
  const own = rendered.diagnostics(uri, file);
  const fromRegistry = live.diagnostics(uri, file, version);
  return own.length ? [...fromRegistry, ...own] : fromRegistry;
});

connection.onInitialize((params) => {
  canPullConfiguration = Boolean(params.capabilities.workspace?.configuration);
  const folders = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
  workspaceFolders = folders.filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u));
  clientSendsFolderChanges = Boolean(params.capabilities.workspace?.workspaceFolders);
  // The apply graph reads spec.paths from each folder's Git repository (or the folder itself).
  applyGraphOf(index).configure(workspaceFolders.map(discoverRoot), diskFolderProbe());
  artifactMap.setRoots(workspaceFolders.map(discoverRoot));
  // A client that manages workspace trust (the VS Code extension) says so here; until it reports a
  // trusted workspace, no registry named in workspace files is contacted. Other clients are trusted.
  const init = params.initializationOptions as { workspaceTrust?: boolean } | undefined;
  if (init?.workspaceTrust === true) registry.setTrusted(false);
  return {
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
      completionProvider: { triggerCharacters: [':', ' ', '/'], resolveProvider: true },
      inlayHintProvider: true,
      hoverProvider: true,
      codeActionProvider: { codeActionKinds: ['quickfix'] },
      definitionProvider: true,
      referencesProvider: true,
      documentSymbolProvider: true,
      codeLensProvider: { resolveProvider: false },
      workspaceSymbolProvider: true,
      workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
    },
    serverInfo: { name: 'flux-oci-ls', version: VERSION },
  };
});

connection.onInitialized(async () => {
  if (canPullConfiguration) {
    void connection.client.register(DidChangeConfigurationNotification.type, { section: 'fluxOci' }).catch(() => undefined);
    await refreshSettings(undefined);
  }
  // Compile the served schemas while the editor is idle, not on the first keystroke.
  // One schema per turn of the event loop, so that requests are answered in between.
  const uncompiled = lintContext.catalog.entries.filter((entry) => entry.served);
  const compileStarted = performance.now();
  const compileCount = uncompiled.length;
  const compileNext = () => {
    const entry = uncompiled.shift();
    if (!entry) {
      // Start-up work is over: the log says so (benchmarks wait for it before timing an open).
      connection.console.log(`Compiled ${compileCount} schemas in ${Math.round(performance.now() - compileStarted)} ms`);
      return;
    }
    lintContext.catalog.validator(entry);
    setImmediate(compileNext);
  };
  setTimeout(compileNext, 0);
  void indexWorkspace().finally(resolveIndexed);
  if (clientSendsFolderChanges) connection.workspace.onDidChangeWorkspaceFolders((event) => void changeWorkspaceFolders(event));
});

/**
 * Folders added to or removed from the workspace: files under a removed folder (and no remaining
 * one) leave the index unless they are open, added folders are indexed, and the apply graph
 * reads spec.paths from the new set of roots.
 */
async function changeWorkspaceFolders(event: WorkspaceFoldersChangeEvent): Promise<void> {
  const paths = (folders: readonly { uri: string }[]) => folders.filter((f) => f.uri.startsWith('file:')).map((f) => fileURLToPath(f.uri));
  const change = foldersAfterChange(workspaceFolders, paths(event.added), paths(event.removed));
  workspaceFolders = change.folders;
  applyGraphOf(index).configure(workspaceFolders.map(discoverRoot), diskFolderProbe());
  artifactMap.setRoots(workspaceFolders.map(discoverRoot));
  for (const uri of [...index.uris()]) {
    if (uri.startsWith('file:') && !documents.get(uri) && change.dropped(fileURLToPath(uri))) index.removeFile(uri);
  }
  await indexFolders(index, change.added, { skip: (uri) => documents.get(uri) !== undefined || index.file(uri) !== undefined });
  ctx.revalidateAll();
}

/** Indexes YAML files on disk that are not open, so references resolve across the workspace. */
async function indexWorkspace(): Promise<void> {
  const started = performance.now();
  const files = await indexFolders(index, workspaceFolders, { skip: (uri) => documents.get(uri) !== undefined });
  connection.console.log(`Indexed ${files} YAML files in ${Math.round(performance.now() - started)} ms`);
  ctx.revalidateAll();
}

async function refreshSettings(pushed: unknown): Promise<void> {
  let raw: unknown = pushed;
  if (canPullConfiguration) {
    try {
      raw = await connection.workspace.getConfiguration('fluxOci');
    } catch {
      // The client could not answer; keep what was pushed.
    }
  }
  settings = readSettings(raw ?? {});
  lintContext = lintContextFor(settings);
  registry.configure(settings.registry);
  ctx.revalidateAll();
}

connection.onDidChangeConfiguration((change) => refreshSettings(change.settings));

connection.onDidChangeWatchedFiles(async ({ changes }) => {
  for (const change of changes) {
    // Makefiles and shell scripts tell the artifact map but are not YAML: read them here.
    if (!/\.ya?ml$/i.test(change.uri) && artifactMap.tells(change.uri)) {
      artifactMap.setFile(change.uri, change.type === FileChangeType.Deleted || !change.uri.startsWith('file:') ? undefined : readMapFile(fileURLToPath(change.uri)));
      continue;
    }
    if (!/\.ya?ml$/i.test(change.uri) || documents.get(change.uri)) continue;
    if (change.type === FileChangeType.Deleted) index.removeFile(change.uri);
    else {
      const text = change.uri.startsWith('file:') ? await readIndexable(fileURLToPath(change.uri)) : undefined;
      if (text === undefined) index.removeFile(change.uri);
      else index.setFile(change.uri, text);
    }
  }
  ctx.revalidateAll();
});

documents.onDidOpen((e) => diagnostics.schedule(e.document.uri));
documents.onDidChangeContent((e) => diagnostics.schedule(e.document.uri));
documents.onDidClose(async (e) => {
  // The file stays indexed with its content on disk (or leaves the index if it is gone).
  const uri = e.document.uri;
  const text = uri.startsWith('file:') ? await readIndexable(fileURLToPath(uri)) : undefined;
  if (text === undefined) index.removeFile(uri);
  else index.setFile(uri, text);
  void connection.sendDiagnostics({ uri, diagnostics: [] });
  // Unsaved edits are gone now; documents that refer to this one may see other names.
  ctx.revalidateAll();
});

connection.onRequest(SetCredentialsRequest, ({ credentials }) => registry.setCredentials(credentials));
connection.onNotification(SetTrustNotification, ({ trusted }) => registry.setTrusted(trusted));
connection.onShutdown(() => {
  live.dispose();
  registry.dispose();
});
// Settings, credentials or trust changed: live diagnostics may appear, go or change.
registry.onDidChange(() => ctx.revalidateAll());

registerCompletion(ctx, live.complete);
registerHover(ctx, live.hover);
registerCodeActions(ctx, live.codeActions);
registerNavigation(ctx);
registerRegistryCheck(ctx);
registerPush(ctx);
registerExplorer(ctx);
registerArtifactStatus(ctx);
registerRender(ctx);

documents.listen(connection);
connection.listen();
