// LSP wiring only: capabilities and handlers that delegate to the language core.
// Runs over stdio (`--stdio`) or Node IPC (`--node-ipc`, used by the VS Code client).
import { createConnection, ProposedFeatures, TextDocuments, TextDocumentSyncKind, DidChangeConfigurationNotification } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { YamlFile } from './language/documents';
import { lintFile, defaultLintContext, type LintContext } from './language/lint';
import { toDiagnostic } from './lsp/convert';
import { readSettings, DEFAULT_SERVER_SETTINGS, type ServerSettings } from './lsp/settings';

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const files = new Map<string, YamlFile>();
let settings: ServerSettings = DEFAULT_SERVER_SETTINGS;
let lintContext: LintContext = defaultLintContext();
let canPullConfiguration = false;

connection.onInitialize((params) => {
  canPullConfiguration = Boolean(params.capabilities.workspace?.configuration);
  return {
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
      completionProvider: { triggerCharacters: [':', ' '] },
      hoverProvider: true,
    },
    serverInfo: { name: 'flux-oci-ls', version: '0.1.0' },
  };
});

connection.onInitialized(async () => {
  if (canPullConfiguration) {
    void connection.client.register(DidChangeConfigurationNotification.type, { section: 'fluxOci' }).catch(() => undefined);
    await refreshSettings(undefined);
  }
});

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
  lintContext = defaultLintContext({ unknownFields: settings.validate.unknownFields });
  for (const document of documents.all()) schedule(document.uri);
}

connection.onDidChangeConfiguration((change) => refreshSettings(change.settings));

// Coalesce bursts of changes: lint once per turn of the event loop for each document.
const pending = new Set<string>();
function schedule(uri: string): void {
  if (pending.has(uri)) return;
  pending.add(uri);
  setImmediate(() => {
    pending.delete(uri);
    publish(uri);
  });
}

function publish(uri: string): void {
  const document = documents.get(uri);
  if (!document) return;
  let file = files.get(uri);
  if (!file) {
    file = new YamlFile(uri);
    files.set(uri, file);
  }
  file.update(document.getText());
  const diagnostics = settings.validate.enable ? lintFile(file, lintContext).map(toDiagnostic) : [];
  void connection.sendDiagnostics({ uri, version: document.version, diagnostics });
}

documents.onDidOpen((e) => schedule(e.document.uri));
documents.onDidChangeContent((e) => schedule(e.document.uri));
documents.onDidClose((e) => {
  files.delete(e.document.uri);
  void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
});

connection.onCompletion(() => []);
connection.onHover(() => null);

documents.listen(connection);
connection.listen();
