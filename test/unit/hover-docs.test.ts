// Guards the hover texts in schemas/docs/: every field a user can write in a served Flux kind
// has our own description, no entry points at a field the CRD lacks, and no description reuses
// a sentence of the upstream CRD text (we write our own words; the schema supplies the facts).
//
// The CRDs are read from ../shared/flux-crds/current next to the checkout. Without that folder
// the checks are skipped, because there is nothing to compare against.
// HOVER_DOCS_KINDS=OCIRepository,GitRepository limits the per-kind checks to those kinds, which
// helps while some docs files are still being written; the full run covers every kind.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const repoRoot = path.resolve(__dirname, '..', '..');
const crdDir = path.resolve(repoRoot, '..', 'shared', 'flux-crds', 'current');
const docsDir = path.join(repoRoot, 'schemas', 'docs');

/** Sentences shorter than this are stock phrases ("Name of the referent.") that any writer may hit. */
const SHORTEST_GUARDED_SENTENCE = 25;
/** Hovers are read at a glance; the brief asks for about 300 characters, this leaves slack. */
const LONGEST_DESCRIPTION = 400;

interface SchemaNode {
  description?: string;
  type?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  additionalProperties?: SchemaNode | boolean;
}

interface CrdVersion {
  name: string;
  served: boolean;
  schema: { openAPIV3Schema: SchemaNode };
}

interface Crd {
  spec: { group: string; names: { kind: string }; versions: CrdVersion[] };
}

interface KindFacts {
  kind: string;
  /** group/version for each served version. */
  apiVersions: string[];
  /** Every path a docs file must describe. */
  paths: Set<string>;
}

/**
 * Collects the paths below one schema node: object properties as ".name", an array's item as
 * "[]" and a schema-valued additionalProperties (a map) as ".*", each followed by its own children.
 */
export function collectPaths(node: SchemaNode, prefix: string, out: Set<string>): void {
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    const p = `${prefix}.${name}`;
    out.add(p);
    collectPaths(child, p, out);
  }
  if (node.items && typeof node.items === 'object') {
    const p = `${prefix}[]`;
    out.add(p);
    collectPaths(node.items, p, out);
  }
  if (node.additionalProperties && typeof node.additionalProperties === 'object') {
    const p = `${prefix}.*`;
    out.add(p);
    collectPaths(node.additionalProperties, p, out);
  }
}

/** Every description string anywhere in a schema, status included (none of it may be copied). */
function collectDescriptions(node: SchemaNode, out: string[]): void {
  if (typeof node.description === 'string') out.push(node.description);
  for (const child of Object.values(node.properties ?? {})) collectDescriptions(child, out);
  if (node.items && typeof node.items === 'object') collectDescriptions(node.items, out);
  if (node.additionalProperties && typeof node.additionalProperties === 'object') collectDescriptions(node.additionalProperties, out);
}

/** Lower case, single spaces, no trailing sentence punctuation: how sentences are compared. */
export function normalise(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').trim().replace(/[.!?:;,]+$/, '').trim();
}

/**
 * Splits CRD prose into sentences. Line breaks inside a paragraph are only wrapping, but blank
 * lines and list bullets start a new piece, and ". " (or "? ", "! ") ends a sentence.
 */
export function splitSentences(text: string): string[] {
  return text
    .split(/\n\s*\n|\n\s*[-*]\s+|(?<=[.!?])\s+/)
    .map((s) => normalise(s.replace(/^\s*[-*]\s+/, '')))
    .filter((s) => s.length > 0);
}

/** Returns the first guarded upstream sentence that the description repeats, if any. */
export function findCopiedSentence(description: string, upstreamSentences: readonly string[]): string | undefined {
  const ours = normalise(description);
  return upstreamSentences.find((s) => s.length >= SHORTEST_GUARDED_SENTENCE && ours.includes(s));
}

function loadCrds(): Crd[] {
  return readdirSync(crdDir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => parse(readFileSync(path.join(crdDir, f), 'utf8')) as Crd);
}

function factsFor(crd: Crd): KindFacts {
  const served = crd.spec.versions.filter((v) => v.served);
  const paths = new Set<string>(['apiVersion', 'kind', 'metadata', 'spec']);
  for (const v of served) {
    const spec = v.schema.openAPIV3Schema.properties?.spec;
    if (spec) collectPaths(spec, 'spec', paths);
  }
  return { kind: crd.spec.names.kind, apiVersions: served.map((v) => `${crd.spec.group}/${v.name}`), paths };
}

interface DocsEntry {
  description?: unknown;
  anchor?: unknown;
}

interface DocsFile {
  kind?: unknown;
  apiVersion?: unknown;
  reference?: unknown;
  fields?: Record<string, DocsEntry | null>;
}

function readDocs(file: string): DocsFile {
  return (parse(readFileSync(path.join(docsDir, file), 'utf8')) ?? {}) as DocsFile;
}

const kindFilter = (process.env.HOVER_DOCS_KINDS ?? '')
  .split(',')
  .map((k) => k.trim().toLowerCase())
  .filter((k) => k.length > 0);
const wanted = (kind: string): boolean => kindFilter.length === 0 || kindFilter.includes(kind.toLowerCase());

describe('hover docs helpers', () => {
  test('a copied sentence is found despite case and line wrapping; short stock phrases are not', () => {
    const upstream = splitSentences('Interval at which the source is checked\nfor updates. Name of the referent.');
    assert.deepEqual(upstream, ['interval at which the source is checked for updates', 'name of the referent']);
    assert.equal(findCopiedSentence('How often to look. INTERVAL at which the source is checked   for updates!', upstream),
      'interval at which the source is checked for updates');
    assert.equal(findCopiedSentence('Name of the referent.', upstream), undefined);
    assert.equal(findCopiedSentence('How often Flux polls the registry for a new digest.', upstream), undefined);
  });

  test('paths cover properties, list items and maps', () => {
    const out = new Set<string>();
    collectPaths({
      properties: {
        list: { type: 'array', items: { type: 'object', properties: { a: { type: 'string' } } } },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        open: { type: 'object', additionalProperties: true },
      },
    }, 'spec', out);
    assert.deepEqual([...out].sort(), ['spec.labels', 'spec.labels.*', 'spec.list', 'spec.list[]', 'spec.list[].a', 'spec.open']);
  });
});

describe('hover docs in schemas/docs', { skip: existsSync(crdDir) ? false : `no CRDs at ${crdDir}` }, () => {
  // Guarded by the skip above: describe callbacks run even when skipped, so load lazily.
  const crds = existsSync(crdDir) ? loadCrds() : [];
  const kinds = crds.map(factsFor);
  const upstreamSentences = [...new Set(crds.flatMap((crd) => {
    const texts: string[] = [];
    for (const v of crd.spec.versions) collectDescriptions(v.schema.openAPIV3Schema, texts);
    return texts.flatMap(splitSentences);
  }))];
  const docFiles = existsSync(docsDir) ? readdirSync(docsDir).filter((f) => /\.ya?ml$/.test(f)).sort() : [];

  test('the CRD folder yields the served kinds and their paths', () => {
    assert.ok(kinds.length >= 8, `expected the eight Flux kinds, found ${kinds.map((k) => k.kind).join(', ')}`);
    for (const k of kinds) assert.ok(k.apiVersions.length > 0, `${k.kind} has no served version`);
    const oci = kinds.find((k) => k.kind === 'OCIRepository');
    assert.ok(oci?.paths.has('spec.verify.matchOIDCIdentity[].issuer'), 'path walk missed a field inside a list item');
    assert.ok(upstreamSentences.length > 100, 'too few upstream sentences: splitting is broken');
  });

  for (const facts of kinds.filter((k) => wanted(k.kind))) {
    const file = `${facts.kind.toLowerCase()}.yaml`;

    test(`${facts.kind}: ${file} exists and names kind, apiVersion and reference`, () => {
      assert.ok(docFiles.includes(file), `schemas/docs/${file} is missing`);
      const docs = readDocs(file);
      assert.equal(docs.kind, facts.kind, `${file}: kind`);
      assert.ok(typeof docs.apiVersion === 'string' && facts.apiVersions.includes(docs.apiVersion),
        `${file}: apiVersion must be a served version, one of ${facts.apiVersions.join(', ')}`);
      assert.ok(typeof docs.reference === 'string' && /^https:\/\/fluxcd\.io\//.test(docs.reference),
        `${file}: reference must be a https://fluxcd.io/ page`);
      assert.ok(docs.fields && typeof docs.fields === 'object', `${file}: fields must be a map`);
    });

    test(`${facts.kind}: every field has a description and no entry is stale`, () => {
      if (!docFiles.includes(file)) assert.fail(`schemas/docs/${file} is missing`);
      const fields = readDocs(file).fields ?? {};
      const missing = [...facts.paths].filter((p) => {
        const d = fields[p]?.description;
        return typeof d !== 'string' || d.trim() === '';
      });
      const stale = Object.keys(fields).filter((p) => !facts.paths.has(p));
      assert.deepEqual({ missing, stale }, { missing: [], stale: [] }, `${file}: fields without a description, or not in the CRD`);
    });

    test(`${facts.kind}: descriptions are our own words, short, with well-formed anchors`, () => {
      if (!docFiles.includes(file)) assert.fail(`schemas/docs/${file} is missing`);
      const problems: string[] = [];
      for (const [p, entry] of Object.entries(readDocs(file).fields ?? {})) {
        if (!entry || typeof entry.description !== 'string') continue; // reported by the coverage test
        const copied = findCopiedSentence(entry.description, upstreamSentences);
        if (copied) problems.push(`${p}: repeats the CRD sentence "${copied}"`);
        if (entry.description.length > LONGEST_DESCRIPTION) problems.push(`${p}: ${entry.description.length} characters (limit ${LONGEST_DESCRIPTION})`);
        const extraKeys = Object.keys(entry).filter((k) => k !== 'description' && k !== 'anchor');
        if (extraKeys.length) problems.push(`${p}: unknown keys ${extraKeys.join(', ')} (only description and anchor)`);
        if (entry.anchor !== undefined && (typeof entry.anchor !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(entry.anchor))) {
          problems.push(`${p}: anchor must be a bare fragment like "layer-selector"`);
        }
      }
      assert.deepEqual(problems, []);
    });
  }

  test('every docs file belongs to a served kind', () => {
    const known = new Set(kinds.map((k) => `${k.kind.toLowerCase()}.yaml`));
    assert.deepEqual(docFiles.filter((f) => !known.has(f)), [], 'docs files without a matching CRD kind');
  });
});
