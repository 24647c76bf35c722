// Lists the field paths a hover-docs file must cover for each Flux kind, so that a writer of
// schemas/docs/<kind>.yaml can see what is missing or stale without running the whole unit suite.
// The rules for building paths match test/unit/hover-docs.test.ts (which is the real guard).
//
// usage: node scripts/field-paths.mjs [--crds <dir>] [--kind <Kind>] [--upstream] [--missing]
//   --crds      folder with the current CRDs (default ../shared/flux-crds/current)
//   --kind      only this kind (case-insensitive), e.g. OCIRepository
//   --upstream  print the CRD's own description next to each path (for reading only: our
//               docs must use their own words)
//   --missing   print only paths without an entry in schemas/docs/<kind>.yaml, then the stale
//               entries (paths in the docs file that the CRD does not have)
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const crdDir = resolve(option('--crds') ?? join(root, '..', 'shared', 'flux-crds', 'current'));
const onlyKind = option('--kind')?.toLowerCase();
const showUpstream = args.includes('--upstream');
const onlyMissing = args.includes('--missing');

/** Walks one OpenAPI node and records every path below it, with the node's upstream text. */
function walk(node, path, out) {
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    const p = `${path}.${name}`;
    out.set(p, child.description ?? '');
    walk(child, p, out);
  }
  if (node.items && typeof node.items === 'object') {
    // One entry for "an item of this list", then the item's own fields below it.
    const p = `${path}[]`;
    out.set(p, node.items.description ?? '');
    walk(node.items, p, out);
  }
  // A schema-valued additionalProperties is a map; "*" stands for any key ("true" adds nothing).
  const extra = node.additionalProperties;
  if (extra && typeof extra === 'object') {
    const p = `${path}.*`;
    out.set(p, extra.description ?? '');
    walk(extra, p, out);
  }
}

if (!existsSync(crdDir)) { console.error(`field-paths: no CRD folder at ${crdDir}`); process.exit(2); }
for (const file of readdirSync(crdDir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
  const crd = parse(readFileSync(join(crdDir, file), 'utf8'));
  const kind = crd.spec.names.kind;
  if (onlyKind && kind.toLowerCase() !== onlyKind) continue;
  const paths = new Map();
  for (const version of crd.spec.versions.filter((v) => v.served)) {
    const top = version.schema.openAPIV3Schema;
    for (const k of ['apiVersion', 'kind', 'metadata', 'spec']) paths.set(k, top.properties?.[k]?.description ?? '');
    if (top.properties?.spec) walk(top.properties.spec, 'spec', paths);
  }
  const docsFile = join(root, 'schemas', 'docs', `${kind.toLowerCase()}.yaml`);
  const documented = existsSync(docsFile) ? parse(readFileSync(docsFile, 'utf8'))?.fields ?? {} : {};
  console.log(`# ${kind} (${paths.size} paths)${existsSync(docsFile) ? '' : ' — no docs file yet'}`);
  for (const [p, text] of paths) {
    if (onlyMissing && documented[p]?.description) continue;
    console.log(showUpstream ? `${p}\n    ${text.replace(/\s+/g, ' ').trim()}` : p);
  }
  if (onlyMissing) for (const p of Object.keys(documented)) if (!paths.has(p)) console.log(`STALE ${p}`);
}
