// What every LSP feature module gets: the connection, open documents, the workspace index
// and the current settings. Feature modules register their own handlers.
import type { Connection, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { WorkspaceIndex } from '../language/workspaceIndex';
import type { LintContext } from '../language/lint';
import type { ServerSettings } from './settings';
import type { YamlFile } from '../language/documents';
import type { RegistrySession } from '../registry/session';

export interface ServerContext {
  connection: Connection;
  documents: TextDocuments<TextDocument>;
  index: WorkspaceIndex;
  settings(): ServerSettings;
  /** The window's one registry session (credentials, trust, clients). */
  registry: RegistrySession;
  lintContext(): LintContext;
  /** The up-to-date model of an open document (or an indexed file). */
  fileFor(uri: string): YamlFile | undefined;
  /** Asks for diagnostics to be recomputed for every open document. */
  revalidateAll(): void;
  /** Settles once the YAML files of the workspace folders have been indexed after start-up. */
  workspaceIndexed(): Promise<void>;
}
