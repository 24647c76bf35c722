// What a CI reader is given, and which kind of file a path is read as (by its name alone:
// isCiFile answers before any text is read).

export interface CiFileInput {
  /** The file's URI (origin of the entries). */
  uri: string;
  /** The file's text. */
  text: string;
  /**
   * Folder URI ending in '/' that relative paths in workflows, .gitlab-ci.yml and shell scripts
   * are resolved against (the repository root). Makefiles and Taskfiles resolve against their
   * own folder, where make and task run.
   */
  rootUri: string;
  /**
   * From the Git remote, e.g. { owner: 'org', name: 'fleet' }. `host` (e.g. 'gitlab.com') lets
   * GitLab's `$CI_REGISTRY_IMAGE` resolve; GitHub's variables need only owner and name.
   */
  repository?: { owner: string; name: string; host?: string };
}

type CiKind = 'github' | 'gitlab' | 'make' | 'task' | 'shell';
/** What a file is read as: one of the kinds, or plain YAML (line scan only). */
export type ReadKind = CiKind | 'yaml';

export function kindOf(path: string): CiKind | undefined {
  const p = path.replace(/\\/g, '/');
  const base = p.slice(p.lastIndexOf('/') + 1);
  if (/(^|\/)\.github\/workflows\/[^/]+\.ya?ml$/.test(p)) return 'github';
  // Included GitLab files live under .gitlab/ (commonly .gitlab/ci/) or are named *.gitlab-ci.yml.
  if (/\.gitlab-ci\.ya?ml$/.test(base) || /(^|\/)\.gitlab\/(?:[^/]+\/)*[^/]+\.ya?ml$/.test(p)) return 'gitlab';
  if (base === 'Makefile' || base === 'makefile' || base === 'GNUmakefile' || base.endsWith('.mk')) return 'make';
  if (/^[Tt]askfile(\.dist)?\.ya?ml$/.test(base)) return 'task';
  if (/\.(sh|bash)$/.test(base)) return 'shell';
  return undefined;
}
