// The declared artifact map: `.flux-oci.yaml` at the top of the repository, written by people
// (or by `flux-oci artifacts record`) and read by the editor and the CLI alike:
//
//   # Which folder of this repository each OCI artifact is built from.
//   artifacts:
//     - url: oci://ghcr.io/org/fleet      # the repository (a tag here limits the entry to it)
//       path: ./kubernetes                # relative to this file's folder
//       tags: [staging]                   # optional: only these tags (default: every tag)
//       ignorePaths: ["*.md", "tests/"]   # optional: what the push leaves out (gitignore syntax)
//
// The most authoritative way of knowing, so it wins over CI files and structure.
import { parseDocument } from 'yaml';
import { DECLARED_FILE_NAME, normalizeRepository, tagOf, type ArtifactMapEntry } from './types';
import { joinFolder } from './paths';

export { DECLARED_FILE_NAME };

/** Is this URI a declared map file? */
export const isDeclaredFile = (uri: string): boolean => uri.endsWith(`/${DECLARED_FILE_NAME}`);

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : []);

/** The entries of a declared map file (invalid entries are skipped; the file's own diagnostics are the schema's job). */
export function declaredArtifacts(uri: string, text: string): ArtifactMapEntry[] {
  let doc;
  try {
    doc = parseDocument(text, { prettyErrors: false, uniqueKeys: false });
  } catch {
    return [];
  }
  if (doc.errors.length) return [];
  const folder = uri.slice(0, uri.lastIndexOf('/') + 1);
  const list = doc.get('artifacts', true);
  const out: ArtifactMapEntry[] = [];
  const items = list && typeof list === 'object' && 'items' in list && Array.isArray(list.items) ? list.items : [];
  for (const item of items) {
    const node = item as { toJSON?: () => unknown; range?: [number, number, number] };
    const value = typeof node.toJSON === 'function' ? node.toJSON() : undefined;
    if (!value || typeof value !== 'object' || Array.isArray(value)) continue;
    const entry = value as Record<string, unknown>;
    const url = typeof entry.url === 'string' ? entry.url : undefined;
    const path = typeof entry.path === 'string' ? entry.path : undefined;
    const repository = url ? normalizeRepository(url) : undefined;
    if (!repository || path === undefined) continue;
    const line = node.range ? text.slice(0, node.range[0]).split('\n').length - 1 : 0;
    const tags = [...strings(entry.tags), ...(url && tagOf(url) ? [tagOf(url)!] : [])];
    const base: ArtifactMapEntry = {
      repository,
      folder: joinFolder(folder, path),
      path,
      ignorePaths: strings(entry.ignorePaths),
      verifiable: !/\.(ya?ml|json|tgz|tar\.gz)$/i.test(path),
      origin: { kind: 'declared', uri, line },
    };
    if (tags.length === 0) out.push(base);
    else for (const tag of tags) out.push({ ...base, tag });
  }
  return out;
}

/** The text of a declared map file holding these entries (for `flux-oci artifacts record` and the editor's offer after a push). */
export function formatDeclaredFile(entries: readonly { url: string; path: string; tags?: readonly string[]; ignorePaths?: readonly string[] }[]): string {
  const lines = ['# Which folder of this repository each OCI artifact is built from (read by Flux OCI).', 'artifacts:'];
  for (const e of entries) {
    lines.push(`  - url: ${e.url}`, `    path: ${e.path}`);
    if (e.tags?.length) lines.push(`    tags: [${e.tags.map((t) => JSON.stringify(t)).join(', ')}]`);
    if (e.ignorePaths?.length) lines.push(`    ignorePaths: [${e.ignorePaths.map((t) => JSON.stringify(t)).join(', ')}]`);
  }
  return `${lines.join('\n')}\n`;
}
