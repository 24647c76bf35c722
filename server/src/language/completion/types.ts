// Plain completion data returned by the language core; server/src/lsp/completion.ts turns it into LSP items.
import type { Range } from '../types';

export type CompletionEntryKind = 'field' | 'value' | 'enum' | 'reference' | 'snippet' | 'kind' | 'version';

export interface CompletionEntry {
  label: string;
  kind: CompletionEntryKind;
  /** Short text next to the label (type, target kind...). */
  detail?: string;
  /** Markdown shown beside the list. */
  documentation?: string;
  /** Text that replaces `range`; snippet syntax when `snippet` is true. */
  newText: string;
  snippet: boolean;
  /** Range replaced, in file coordinates. */
  range: Range;
  sortText?: string;
  filterText?: string;
  preselect?: boolean;
  /** Ask the editor to open the suggestion list again after inserting (values follow). */
  retrigger?: boolean;
}
