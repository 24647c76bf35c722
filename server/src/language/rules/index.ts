// Flux rules that need more than one document's text: they look at other objects through
// the workspace index. Returns findings in file coordinates.
import type { YamlFile } from '../documents';
import type { WorkspaceIndex } from '../workspaceIndex';
import type { LintContext } from '../lint';
import type { Finding } from '../types';

export function workspaceFindings(file: YamlFile, index: WorkspaceIndex, context: LintContext): Finding[] {
  void file; void index; void context;
  return [];
}
