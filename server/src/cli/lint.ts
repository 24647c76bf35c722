// `flux-oci lint`: the language server's checks over files and folders, for terminals and CI.
import { readFileSync, statSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { WorkspaceIndex } from '../language/workspaceIndex';
import { checkThenRelease, defaultLintContext, type LintContext } from '../language/lint';
import type { YamlFile } from '../language/documents';
import { lintAsApplied } from '../language/appliedFindings';
import { applyGraphOf, type WorkspaceRoot } from '../language/applyGraph';
import { discoverRoot, diskFolderProbe } from '../language/gitRoots';
import type { Finding } from '../language/types';
import { findYamlFiles } from './walk';
import { toSarif } from './sarif';
import { toCodeQuality } from './codequality';
import type { ArtifactMapEntry } from '../language/artifacts/types';
import { artifactMapOf, type MapFile } from '../language/artifacts/collect';
import { artifactMapFiles, readMapFile } from '../language/artifacts/discover';
import { readCiPushes } from '../language/artifacts/ci';

export interface FileFindings {
  path: string;
  findings: Finding[];
}

export interface LintOptions {
  format: 'text' | 'json' | 'sarif' | 'codequality';
  unknownFields: 'warning' | 'off';
  /** Sources often live only in the cluster or in another repository, so this is opt-in here. */
  unresolvedReferences: 'warning' | 'off';
  /** `--artifact oci://repo[:tag]=./dir`: which folder an artifact is built from, over what the files say. */
  artifacts?: ArtifactMapEntry[];
  /** The whole artifact map, once it is known (computed once and handed to worker threads). */
  artifactMap?: ArtifactMapEntry[];
}

/** The artifact map for linting these paths: the declared map and CI files under each root, then `--artifact` entries. */
export function lintArtifactMap(paths: readonly string[], given: readonly ArtifactMapEntry[] = []): ArtifactMapEntry[] {
  const roots = lintRoots(paths);
  const files: MapFile[] = [];
  for (const root of new Set(roots.map((r) => r.uri))) {
    for (const path of artifactMapFiles(fileURLToPath(root))) {
      const text = readMapFile(path);
      if (text !== undefined) files.push({ uri: pathToFileURL(path).href, text });
    }
  }
  return artifactMapOf(files, roots, readCiPushes, given);
}

/** The lint context of the CLI's options. */
export function cliLintContext(options: Partial<Pick<LintOptions, 'unknownFields' | 'unresolvedReferences'>>): LintContext {
  return { ...defaultLintContext({ unknownFields: options.unknownFields ?? 'warning' }), unresolvedReferences: options.unresolvedReferences ?? 'off' };
}

/** Reads a file; an unreadable one stops the run with the reason. */
export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as Error).message}`);
  }
}

/** Adds a file to the index, checks each of its documents on its own and drops their trees. */
export function addCheckedFile(index: WorkspaceIndex, uri: string, text: string, context: LintContext): YamlFile {
  const file = index.setFile(uri, text);
  for (const { parsed } of file.documents) checkThenRelease(parsed, context);
  return file;
}

/** The roots `spec.path`s are read against: each linted path's Git repository (or its folder). */
export function lintRoots(paths: readonly string[]): WorkspaceRoot[] {
  return paths.map((p) => discoverRoot(statSync(p, { throwIfNoEntry: false })?.isDirectory() ? p : dirname(p)));
}

/** One file's findings as Flux applies it, in the order they are printed. */
export function appliedFileFindings(file: YamlFile, index: WorkspaceIndex, context: LintContext): FileFindings {
  const findings = lintAsApplied(file, index, context)
    .sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  return { path: fileURLToPath(file.uri), findings };
}

export function lintPaths(paths: readonly string[], options: Partial<Pick<LintOptions, 'unknownFields' | 'unresolvedReferences' | 'artifacts' | 'artifactMap'>> = {}): FileFindings[] {
  const index = new WorkspaceIndex();
  const context = cliLintContext(options);
  for (const path of findYamlFiles(paths)) addCheckedFile(index, pathToFileURL(path).href, readText(path), context);
  applyGraphOf(index).configure(lintRoots(paths), diskFolderProbe(), options.artifactMap ?? lintArtifactMap(paths, options.artifacts));
  const results = [...index.uris()].map((uri) => appliedFileFindings(index.file(uri)!, index, context));
  return results.sort((a, b) => a.path.localeCompare(b.path));
}

/** The results of the files `paths` names: each file itself, or every file under a folder (`--context`). */
export function resultsUnder(results: readonly FileFindings[], paths: readonly string[]): FileFindings[] {
  const wanted = paths.map((p) => resolve(p));
  const inside = (file: string, path: string) => file === path || file.startsWith(path.endsWith(sep) ? path : `${path}${sep}`);
  return results.filter((r) => wanted.some((w) => inside(r.path, w)));
}

export function formatResults(results: readonly FileFindings[], format: LintOptions['format'], cwd = process.cwd()): string {
  if (format === 'json') {
    return JSON.stringify(results.filter((r) => r.findings.length).map((r) => ({
      path: relative(cwd, r.path),
      findings: r.findings.map((f) => ({ line: f.range.start.line + 1, column: f.range.start.character + 1, endLine: f.range.end.line + 1, endColumn: f.range.end.character + 1, severity: f.severity, code: f.code, message: f.message })),
    })), null, 2) + '\n';
  }
  if (format === 'sarif') return JSON.stringify(toSarif(results, cwd), null, 2) + '\n';
  if (format === 'codequality') return JSON.stringify(toCodeQuality(results, cwd), null, 2) + '\n';
  const lines: string[] = [];
  for (const r of results) {
    for (const f of r.findings) lines.push(`${relative(cwd, r.path)}:${f.range.start.line + 1}:${f.range.start.character + 1} ${f.severity} ${f.code} ${f.message}`);
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}

export function summary(results: readonly FileFindings[]): { errors: number; warnings: number; infos: number; hints: number; files: number } {
  let errors = 0;
  let warnings = 0;
  let infos = 0;
  let hints = 0;
  for (const r of results) for (const f of r.findings) {
    if (f.severity === 'error') errors++;
    else if (f.severity === 'warning') warnings++;
    else if (f.severity === 'info') infos++;
    else hints++;
  }
  return { errors, warnings, infos, hints, files: results.length };
}

/** The text format's last line: every finding printed is counted. */
export function summaryLine(results: readonly FileFindings[]): string {
  const { errors, warnings, infos, hints, files } = summary(results);
  const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
  const counts = [count(errors, 'error'), count(warnings, 'warning'), ...(infos ? [count(infos, 'info', 'infos')] : []), count(hints, 'hint')];
  return `${count(files, 'file')} checked: ${counts.join(', ')}`;
}
