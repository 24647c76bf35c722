// Everything a completion producer needs about one request.
import type { FieldDocs } from '../fieldDocs';
import type { SchemaCatalog } from '../schemas';
import type { Range } from '../types';
import type { WorkspaceIndex } from '../workspaceIndex';
import type { CursorContext } from './cursor';
import type { DocumentView } from './documentView';

export interface CompletionSetting {
  cursor: CursorContext;
  view: DocumentView;
  docs: FieldDocs;
  catalog: SchemaCatalog;
  index: WorkspaceIndex;
  uri: string;
  /** The text a completion replaces, in file coordinates. */
  range: Range;
  /** One level of indentation as this file writes it. */
  indentUnit: string;
  /** Set by a producer that left entries out; the editor should ask again as the user types. */
  incomplete?: boolean;
}
