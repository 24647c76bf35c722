// How the command lines that push or tag an artifact (`flux push artifact`, `flux tag artifact`,
// `flux-oci push`, `flux-oci tag`) are read: the flags of both CLIs, and the repository and tag a
// reference names. The interpreter (shell.ts) records the pushes with these.
//
// Flags of the two CLIs (flux2 `cmd/flux/*_artifact.go` plus its global flags; ours in
// server/src/cli/push.ts and registry.ts). Only flags that exist: a flag taking a value must be
// known, or its value would be taken for the URL.
import { normalizeRepository, tagOf } from '../types';
import { clean, PLACE, UNKNOWN } from './shellValues';

interface FlagSpec {
  name: string;
  value: boolean;
  list?: boolean;
}

export interface ParsedFlags {
  positionals: string[];
  values: Map<string, string[]>;
}

function flagTable(defs: [string[], boolean, boolean?][]): Map<string, FlagSpec> {
  const table = new Map<string, FlagSpec>();
  for (const [names, value, list] of defs) for (const n of names) table.set(n, { name: names[0], value, list });
  return table;
}

export const FLUX_FLAGS = flagTable([
  [['--path'], true],
  [['--source'], true],
  [['--revision'], true],
  [['--annotations', '-a'], true],
  [['--ignore-paths'], true, true],
  [['--tag'], true, true],
  [['--output', '-o'], true],
  [['--creds'], true],
  [['--provider'], true],
  [['--timeout'], true],
  [['--filter-semver'], true],
  [['--filter-regex'], true],
  [['--kubeconfig'], true],
  [['--context'], true],
  [['--namespace', '-n'], true],
  [['--cache-dir'], true],
  [['--server', '-s'], true],
  [['--certificate-authority'], true],
  [['--client-certificate'], true],
  [['--client-key'], true],
  [['--token'], true],
  [['--user'], true],
  [['--cluster'], true],
  [['--as'], true],
  [['--as-group'], true],
  [['--as-uid'], true],
  [['--request-timeout'], true],
  [['--tls-server-name'], true],
  [['--reproducible'], false],
  [['--insecure-registry'], false],
  [['--verbose'], false],
  [['--insecure-skip-tls-verify'], false],
  [['--disable-compression'], false],
]);

export const FLUX_OCI_FLAGS = flagTable([
  [['--path'], true],
  [['--source'], true],
  [['--revision'], true],
  [['--annotations', '-a', '--annotation'], true],
  [['--ignore-paths'], true, true],
  [['--ignore'], true],
  [['--tag', '-t'], true, true],
  [['--output', '-o'], true],
  [['--creds'], true],
  [['--ca-file'], true],
  [['--timeout'], true],
  [['--provider'], true],
  [['--reproducible'], false],
  [['--force', '--overwrite'], false],
  [['--no-verify'], false],
  [['--insecure-registry', '--insecure'], false],
  [['--tag-only'], false],
]);

export function parseFlags(args: string[], table: Map<string, FlagSpec>): ParsedFlags {
  const positionals: string[] = [];
  const values = new Map<string, string[]>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      for (let j = i + 1; j < args.length; j++) positionals.push(args[j]);
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const spec = table.get(eq > 0 ? a.slice(0, eq) : a);
    // An unknown flag is taken for a switch: cobra flags are mostly switches.
    if (!spec || !spec.value) continue;
    const raw = eq > 0 ? a.slice(eq + 1) : args[++i];
    if (raw === undefined) continue;
    const list = values.get(spec.name) ?? [];
    // Flux joins the ignore patterns with line breaks and reads them as a .sourceignore file
    // (fluxcd/pkg oci build.go): a break inside one value separates patterns, `#` starts a comment.
    const ignore = spec.name === '--ignore-paths';
    if (spec.list) for (const part of raw.split(ignore ? /[,\n]/ : ',')) {
      const trimmed = part.trim();
      if (trimmed && !(ignore && trimmed.startsWith('#'))) list.push(trimmed);
    }
    else list.push(raw);
    values.set(spec.name, list);
  }
  return { positionals, values };
}

export const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
export const FILE_RE = /\.(ya?ml|json|tgz|tar\.gz|tar|zip|gz)$/i;

/** Repository and tag of a pushed reference; undefined when the repository is not known. */
export function splitReference(url: string, requireScheme: boolean): { repository: string; tag: string | undefined; digest: boolean } | undefined {
  if (url.includes(PLACE)) return undefined;
  const scheme = /^oci:\/\//i.test(url);
  if (!scheme && requireScheme) return undefined;
  let rest = scheme ? url.slice(6) : url;
  const at = rest.indexOf('@');
  const digest = at >= 0;
  if (digest) rest = rest.slice(0, at);
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  const repoPart = colon > slash ? rest.slice(0, colon) : rest;
  if (slash < 0 || repoPart.includes(UNKNOWN)) return undefined;
  // A Docker Hub short name (`org/app`) would need the registry's rules to normalize; such
  // fleets are rare enough to leave out rather than guess.
  const host = repoPart.slice(0, repoPart.indexOf('/'));
  if (!/[.:]/.test(host) && host !== 'localhost') return undefined;
  const repository = normalizeRepository(repoPart);
  if (!repository) return undefined;
  if (digest) return { repository, tag: undefined, digest };
  if (colon > slash) {
    const tagText = rest.slice(colon + 1);
    if (tagText === '') return undefined;
    if (!clean(tagText)) return { repository, tag: undefined, digest };
    if (!TAG_RE.test(tagText)) return undefined;
  }
  // Both CLIs push `latest` when the reference names no tag.
  return { repository, tag: tagOf(rest) ?? 'latest', digest };
}
