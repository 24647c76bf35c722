// What the interpreter knows of common commands besides the flux CLIs: which write into a
// folder, which print nothing, and `tr`'s case changes.
import { UNKNOWN } from './shellValues';

// What writes into a folder, for telling a generated folder from a checked-in one.
export const WRITE_REDIRS = new Set(['>', '>>', '>|', '&>', '&>>', '<>']);
export const WRITE_ALL = new Set(['mkdir', 'rm', 'rmdir', 'touch']);
export const WRITE_LAST = new Set(['cp', 'mv', 'rsync', 'ln', 'install', 'scp']);
export const WRITE_TOOLS = new Set([
  'kustomize', 'kubectl', 'helm', 'flux', 'flux-oci', 'tar', 'unzip', 'curl', 'wget', 'jsonnet', 'cue', 'timoni', 'gomplate',
  'yq', 'ytt', 'kcl', 'oras', 'sops', 'cp', 'envsubst',
]);
export const OUTPUT_FLAGS = new Set(['-o', '--output', '--output-dir', '--out', '--outdir', '--out-dir', '-O', '-d', '-C', '--directory', '--untardir', '--target-directory', '-t', '--destination', '--output-file', '--outfile']);
/** Commands that print nothing: their output is empty, not unknown. */
export const SILENT = new Set([
  'true', ':', 'set', 'shopt', 'source', '.', 'exit', 'return', 'trap', 'mkdir', 'rm', 'cp', 'mv', 'touch', 'test', '[', '[[',
  'chmod', 'ln', 'wait', 'sleep', 'exec',
]);

/** A command's name without its folder (`/usr/bin/flux` is `flux`). */
export function baseName(field: string): string {
  return field.slice(field.lastIndexOf('/') + 1);
}

/** `tr`'s output for a case change (`tr A-Z a-z`); any other translation is unknown. */
export function translate(args: string[], input: string): string {
  const [from, to] = args;
  const upper = ['A-Z', '[A-Z]', '[:upper:]'];
  const lower = ['a-z', '[a-z]', '[:lower:]'];
  if (upper.includes(from) && lower.includes(to)) return input.toLowerCase();
  if (lower.includes(from) && upper.includes(to)) return input.toUpperCase();
  return UNKNOWN;
}
