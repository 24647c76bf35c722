// Plain data shared by the language core, the LSP server and the CLI.
// Shapes follow LSP (zero-based lines, UTF-16 columns) without depending on LSP packages.

export interface Position { line: number; character: number }
export interface Range { start: Position; end: Position }

export type Severity = 'error' | 'warning' | 'info' | 'hint';

/** A problem found in a document, with a stable code such as `schema/pattern`. */
export interface Finding {
  range: Range;
  severity: Severity;
  code: string;
  message: string;
  /** Extra data for quick fixes; plain JSON. */
  data?: unknown;
}

export interface TextEdit { range: Range; newText: string }

export interface LintSettings {
  /** Report fields the API server would prune. */
  unknownFields: 'warning' | 'off';
  /**
   * The workspace shows the Flux Operator (a fluxcd.controlplane.io object, or a release of its
   * flux-operator or flux-instance chart), whose patched notification CRDs accept its kinds in
   * Alert eventSources and Receiver resources. Derived from the workspace index, not a user setting.
   */
  fluxOperator?: boolean;
}

export const DEFAULT_LINT_SETTINGS: LintSettings = { unknownFields: 'warning' };
