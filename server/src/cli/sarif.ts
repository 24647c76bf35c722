// SARIF 2.1.0 output, so `flux-oci lint --format sarif` feeds code-scanning in CI.
import { relative, sep } from 'node:path';
import type { FileFindings } from './lint';
import type { Severity } from '../language/types';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note', hint: 'note' };

export function toSarif(results: readonly FileFindings[], cwd: string): object {
  const codes = [...new Set(results.flatMap((r) => r.findings.map((f) => f.code)))].sort();
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'flux-oci', informationUri: 'https://fluxcd.io/flux/components/', rules: codes.map((id) => ({ id })) } },
      results: results.flatMap((r) => r.findings.map((f) => ({
        ruleId: f.code,
        level: LEVEL[f.severity],
        message: { text: f.message },
        locations: [{
          physicalLocation: {
            artifactLocation: { uri: relative(cwd, r.path).split(sep).join('/') },
            region: { startLine: f.range.start.line + 1, startColumn: f.range.start.character + 1, endLine: f.range.end.line + 1, endColumn: f.range.end.character + 1 },
          },
        }],
      }))),
    }],
  };
}
