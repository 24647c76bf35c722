// Quick fixes by finding code. Each rule module computes its own edits; this only dispatches.
import type { YamlFile } from '../documents';
import type { LintContext } from '../lint';
import type { Finding } from '../types';
import type { WorkspaceIndex } from '../workspaceIndex';
import { pathAtOffset } from '../yamlPath';
import { deletePaths, type QuickFix } from './edits';
import { migrationFix } from './removedApiVersion';
import { PATH_NOT_FOUND, pathFixes } from '../appliedPaths';
import { gitToOciFix } from './gitOciUrl';
import { secretContentFixes } from './secretContent';
import { wrongKindFix } from './resolution';
import { layerSelectorFix } from './helmRelease';
import { ociRepositoryFixes } from './ociRepository';
import { imageRepositoryFixes } from './imageAutomation';
import { GO_DURATION } from '../patterns';

export type { QuickFix } from './edits';

export function quickFixesFor(finding: Pick<Finding, 'code' | 'range' | 'data'>, file: YamlFile, index: WorkspaceIndex, context: LintContext): QuickFix[] {
  return withLineEnds(fixesByCode(finding, file, index, context), (uri) => (uri === file.uri ? file : index.file(uri)));
}

const usesCrlf = (text: string): boolean => {
  const newline = text.indexOf('\n');
  return newline > 0 && text[newline - 1] === '\r';
};

/**
 * Rules write their new lines with \n; in a file whose lines end with \r\n that would leave mixed
 * line ends, so inserted line breaks follow the file's own convention (judged by its first line).
 */
function withLineEnds(fixes: QuickFix[], fileOf: (uri: string) => YamlFile | undefined): QuickFix[] {
  return fixes.map((fix) => {
    const edits: QuickFix['edits'] = {};
    for (const [uri, list] of Object.entries(fix.edits)) {
      const text = fileOf(uri)?.text;
      edits[uri] = text !== undefined && usesCrlf(text)
        ? list.map((e) => ({ ...e, newText: e.newText.replace(/\r?\n/g, '\r\n') }))
        : list;
    }
    return { ...fix, edits };
  });
}

function fixesByCode(finding: Pick<Finding, 'code' | 'range' | 'data'>, file: YamlFile, index: WorkspaceIndex, context: LintContext): QuickFix[] {
  const doc = file.documentAtLine(finding.range.start.line);
  if (!doc) return [];
  const uri = file.uri;
  switch (finding.code) {
    case 'flux/removed-api-version': {
      const fix = migrationFix(uri, doc, context.catalog);
      return fix ? [fix] : [];
    }
    case 'flux/git-oci-url': {
      const fix = gitToOciFix(uri, doc, index, context.catalog);
      return fix ? [fix] : [];
    }
    case 'flux/secret-type-oci-registry':
    case 'flux/dockerconfigjson-plain':
      return secretContentFixes(uri, doc, finding.code);
    case 'flux/ref-wrong-kind':
      return wrongKindFix(index, uri, finding);
    case PATH_NOT_FOUND:
      return pathFixes(uri, file, finding);
    case 'flux/chartref-layer-selector':
      return layerSelectorFix(index, finding.data);
    case 'flux/oci-url-scheme':
    case 'flux/oci-url-path':
    case 'flux/oci-url-reference':
      return ociRepositoryFixes(uri, doc, finding.code);
    case 'flux/image-scheme':
    case 'flux/image-tag':
      return imageRepositoryFixes(uri, doc, finding.code);
    case 'schema/duration': {
      const duration = (finding.data as { duration?: unknown } | undefined)?.duration;
      if (typeof duration !== 'string' || !GO_DURATION.test(duration)) return [];
      return [{ title: `Write ${duration}`, kind: 'quickfix', isPreferred: true, edits: { [uri]: [{ range: finding.range, newText: duration }] } }];
    }
    case 'schema/unknown-field': {
      const offset = doc.parsed.lines.offsetAt({ line: finding.range.start.line - doc.chunk.startLine, character: finding.range.start.character });
      const { path, onKey } = pathAtOffset(doc.parsed.yaml, offset);
      if (!onKey || path.length === 0) return [];
      const edits = deletePaths(doc, [path]);
      return edits ? [{ title: `Remove ${String(path.at(-1))} (the API server drops it)`, kind: 'quickfix', edits: { [uri]: edits } }] : [];
    }
    default:
      return [];
  }
}
