// GitLab Code Quality report (`flux-oci lint --format codequality`): the JSON array GitLab shows in
// merge requests when a job declares it under `artifacts: reports: codequality`.
import { createHash } from 'node:crypto';
import { relative, sep } from 'node:path';
import type { FileFindings } from './lint';
import type { Severity } from '../language/types';

export interface CodeQualityIssue {
  description: string;
  check_name: string;
  /** Stable across commits: the same finding keeps its fingerprint when lines move. */
  fingerprint: string;
  severity: 'info' | 'minor' | 'major' | 'critical' | 'blocker';
  location: { path: string; lines: { begin: number; end: number } };
}

const SEVERITY: Record<Severity, CodeQualityIssue['severity']> = { error: 'major', warning: 'minor', info: 'info', hint: 'info' };

export function toCodeQuality(results: readonly FileFindings[], cwd: string): CodeQualityIssue[] {
  const issues: CodeQualityIssue[] = [];
  for (const r of results) {
    const path = relative(cwd, r.path).split(sep).join('/');
    // The n-th identical finding of a file gets its own fingerprint (no line numbers in it).
    const seen = new Map<string, number>();
    for (const f of r.findings) {
      const key = `${path}\0${f.code}\0${f.message}`;
      const nth = (seen.get(key) ?? 0) + 1;
      seen.set(key, nth);
      issues.push({
        description: f.message,
        check_name: f.code,
        fingerprint: createHash('sha256').update(`${key}\0${nth}`).digest('hex'),
        severity: SEVERITY[f.severity],
        location: { path, lines: { begin: f.range.start.line + 1, end: f.range.end.line + 1 } },
      });
    }
  }
  return issues;
}
