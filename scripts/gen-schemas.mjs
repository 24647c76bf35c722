// Generates JSON Schemas (draft-07, for ajv) from the upstream Flux CRDs.
// Only structure and constraints are kept; upstream descriptions are dropped on purpose
// (our own words live in schemas/docs/).
//
// usage: node scripts/gen-schemas.mjs [--crds <dir>] [--check]
//   --crds   folder holding current/ and legacy/ (default ../shared/flux-crds)
//   --check  compare with the committed schemas/ and exit 1 on any difference
import { readFileSync, readdirSync, writeFileSync, mkdirSync, existsSync, statSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const crdRoot = resolve(args.includes('--crds') ? args[args.indexOf('--crds') + 1] : join(root, '..', 'shared', 'flux-crds'));
const check = args.includes('--check');
const outDir = join(root, 'schemas');

// Keywords carried over unchanged from the CRD's OpenAPI v3 schema.
const KEPT = ['type', 'enum', 'pattern', 'default', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum',
  'minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties', 'uniqueItems', 'multipleOf'];

/** Converts one OpenAPI v3 node of a structural CRD schema into JSON Schema. */
export function convert(node) {
  const out = {};
  for (const k of KEPT) if (node[k] !== undefined) out[k] = node[k];
  if (node.nullable && out.type) out.type = [out.type, 'null'];
  if (node['x-kubernetes-int-or-string']) { delete out.type; out.anyOf = [{ type: 'integer' }, { type: 'string' }]; }
  if (node.properties) {
    out.properties = {};
    for (const [name, child] of Object.entries(node.properties)) out.properties[name] = convert(child);
    if (node.required?.length) out.required = [...node.required];
  } else if (node.required?.length) out.required = [...node.required];
  if (node.items) out.items = convert(node.items);
  if (node.additionalProperties !== undefined) {
    out.additionalProperties = typeof node.additionalProperties === 'object' ? convert(node.additionalProperties) : node.additionalProperties;
  } else if (node.properties && !node['x-kubernetes-preserve-unknown-fields']) {
    // The API server prunes fields a structural schema does not declare; flag them.
    out.additionalProperties = false;
  }
  return out;
}

function loadCrds(dir) {
  const files = [];
  const walk = (d) => { for (const f of readdirSync(d).sort()) { const p = join(d, f); if (statSync(p).isDirectory()) walk(p); else if (/\.ya?ml$/.test(f)) files.push(p); } };
  walk(dir);
  return files.map((f) => parse(readFileSync(f, 'utf8')));
}

function generate() {
  const outputs = new Map();
  const catalog = [];
  const seen = new Set();
  for (const [folder, legacy] of [['current', false], ['legacy', true]]) {
    for (const crd of loadCrds(join(crdRoot, folder))) {
      const { group, names } = crd.spec;
      for (const version of crd.spec.versions) {
        const id = `${group}/${version.name}/${names.kind}`;
        if (seen.has(id)) continue; // current wins over legacy for versions both contain
        seen.add(id);
        const top = version.schema.openAPIV3Schema;
        const schema = convert(top);
        // apiVersion/kind/metadata are checked by the document model, not by the schema;
        // status is written by the controller, never by users.
        for (const k of ['apiVersion', 'kind', 'metadata', 'status']) delete schema.properties[k];
        schema.additionalProperties = true;
        const file = `${legacy ? 'legacy/' : ''}${names.kind.toLowerCase()}-${version.name}.json`;
        outputs.set(file, JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', $id: `flux-oci:${id}`, ...schema }, null, 1) + '\n');
        catalog.push({ group, version: version.name, kind: names.kind, served: !legacy && version.served !== false, file });
      }
    }
  }
  catalog.sort((a, b) => (a.kind + a.version).localeCompare(b.kind + b.version));
  outputs.set('catalog.json', JSON.stringify(catalog, null, 1) + '\n');
  return outputs;
}

if (!existsSync(crdRoot)) { console.error(`gen-schemas: no CRD folder at ${crdRoot}`); process.exit(2); }
const outputs = generate();
let differences = 0;
for (const [file, text] of outputs) {
  const target = join(outDir, file);
  if (check) {
    if (!existsSync(target) || readFileSync(target, 'utf8') !== text) { console.error(`gen-schemas: ${file} differs from what the CRDs give`); differences++; }
  } else {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
  }
}
if (check && differences) process.exit(1);
console.log(`gen-schemas: ${check ? 'checked' : 'wrote'} ${outputs.size} files from ${crdRoot}`);
