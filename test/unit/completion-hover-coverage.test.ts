// Hover over every field path of every served Flux kind in the current CRDs: each must show our
// description from schemas/docs plus the schema facts, and no hover may contain a sentence of the
// upstream CRD descriptions. Runs on the language core (no server), one small document per path.
//
// Skipped when ../shared/flux-crds/current (next to the checkout) is absent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { YamlFile } from '../../server/src/language/documents';
import { WorkspaceIndex } from '../../server/src/language/workspaceIndex';
import { hover } from '../../server/src/language/hover';
import { defaultFieldDocs } from '../../server/src/language/fieldDocs';

const repoRoot = path.resolve(__dirname, '..', '..');
const crdDir = path.resolve(repoRoot, '..', 'shared', 'flux-crds', 'current');

interface CrdSchema {
  description?: string;
  properties?: Record<string, CrdSchema>;
  items?: CrdSchema;
  additionalProperties?: CrdSchema | boolean;
}
interface Crd {
  spec: { group: string; names: { kind: string }; versions: { name: string; served: boolean; schema: { openAPIV3Schema: CrdSchema } }[] };
}

function collectPaths(node: CrdSchema, prefix: string, out: Set<string>): void {
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    out.add(`${prefix}.${name}`);
    collectPaths(child, `${prefix}.${name}`, out);
  }
  if (node.items && typeof node.items === 'object') {
    out.add(`${prefix}[]`);
    collectPaths(node.items, `${prefix}[]`, out);
  }
  if (node.additionalProperties && typeof node.additionalProperties === 'object') {
    out.add(`${prefix}.*`);
    collectPaths(node.additionalProperties, `${prefix}.*`, out);
  }
}

function collectDescriptions(node: CrdSchema, out: string[]): void {
  if (typeof node.description === 'string') out.push(node.description);
  for (const child of Object.values(node.properties ?? {})) collectDescriptions(child, out);
  if (node.items && typeof node.items === 'object') collectDescriptions(node.items, out);
  if (node.additionalProperties && typeof node.additionalProperties === 'object') collectDescriptions(node.additionalProperties, out);
}

const normalise = (text: string) => text.toLowerCase().replace(/\s+/g, ' ').trim().replace(/[.!?:;,]+$/, '').trim();
const sentences = (text: string) => text.split(/\n\s*\n|\n\s*[-*]\s+|(?<=[.!?])\s+/).map((s) => normalise(s.replace(/^\s*[-*]\s+/, ''))).filter((s) => s.length >= 25);

/** `spec.dependsOn[].name` → ['spec', 'dependsOn', '[]', 'name']. */
const tokens = (docPath: string) => docPath.replace(/\[\]/g, '.[]').split('.').filter(Boolean);

/**
 * A document that contains the path, and the position of its last segment (the key, or the `-`
 * of a list item). Map keys (`*`) are written as `somekey`.
 */
export function documentFor(apiVersion: string, kind: string, docPath: string): { text: string; line: number; character: number } {
  const header = [`apiVersion: ${apiVersion}`, `kind: ${kind}`, 'metadata:', '  name: sample'];
  const top = ['apiVersion', 'kind', 'metadata'].indexOf(docPath);
  if (top !== -1) return { text: header.join('\n') + '\n', line: top, character: 1 };
  const lines = [...header];
  let indent = 0;
  let pending = '';
  let position = { line: 0, character: 0 };
  const parts = tokens(docPath);
  parts.forEach((part, i) => {
    const last = i === parts.length - 1;
    if (part === '[]') {
      if (!last) { pending += '- '; return; }
      lines.push(' '.repeat(indent) + pending + '- x');
      position = { line: lines.length - 1, character: indent + pending.length };
      return;
    }
    const keyCol = indent + pending.length;
    lines.push(' '.repeat(indent) + pending + (part === '*' ? 'somekey' : part) + ':');
    if (last) position = { line: lines.length - 1, character: keyCol + 1 };
    indent = keyCol + 2;
    pending = '';
  });
  return { text: lines.join('\n') + '\n', ...position };
}

test('every field of every served kind has a hover with our description, facts and no CRD sentence', { skip: !existsSync(crdDir) && 'no ../shared/flux-crds/current' }, () => {
  const crds = readdirSync(crdDir).filter((f) => /\.ya?ml$/.test(f)).map((f) => parse(readFileSync(path.join(crdDir, f), 'utf8')) as Crd);
  const upstream = new Set<string>();
  for (const crd of crds) for (const v of crd.spec.versions) {
    const texts: string[] = [];
    collectDescriptions(v.schema.openAPIV3Schema, texts);
    for (const t of texts) for (const s of sentences(t)) upstream.add(s);
  }
  assert.ok(upstream.size > 100, 'too few upstream sentences: splitting is broken');
  const docs = defaultFieldDocs();
  const index = new WorkspaceIndex();
  const problems: string[] = [];
  let checked = 0;
  for (const crd of crds) {
    const kind = crd.spec.names.kind;
    for (const version of crd.spec.versions.filter((v) => v.served)) {
      const apiVersion = `${crd.spec.group}/${version.name}`;
      const paths = new Set<string>(['apiVersion', 'kind', 'metadata', 'spec']);
      const spec = version.schema.openAPIV3Schema.properties?.spec;
      if (spec) collectPaths(spec, 'spec', paths);
      for (const docPath of paths) {
        const { text, line, character } = documentFor(apiVersion, kind, docPath);
        const result = hover({ file: new YamlFile('file:///coverage.yaml', text), position: { line, character }, index });
        checked++;
        if (!result) { problems.push(`${kind} ${docPath}: no hover`); continue; }
        const description = docs.field(kind, docPath)?.description;
        if (!description) problems.push(`${kind} ${docPath}: no description in schemas/docs`);
        else if (!result.markdown.includes(description)) problems.push(`${kind} ${docPath}: hover lacks our description`);
        if (!result.markdown.includes(`\`${docPath}\``)) problems.push(`${kind} ${docPath}: hover names another path: ${result.markdown.split('\n')[0]}`);
        if (!/Type: /.test(result.markdown)) problems.push(`${kind} ${docPath}: hover lacks the type`);
        if (!/\]\(https:\/\/fluxcd\.io\//.test(result.markdown)) problems.push(`${kind} ${docPath}: hover lacks the reference link`);
        const ours = normalise(result.markdown);
        const copied = [...upstream].find((s) => ours.includes(s));
        if (copied) problems.push(`${kind} ${docPath}: hover repeats the CRD sentence "${copied}"`);
      }
    }
  }
  assert.ok(checked > 300, `only ${checked} paths checked`);
  assert.deepEqual(problems, []);
});
