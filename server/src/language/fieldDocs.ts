// Our own hover texts (schemas/docs/<kind>.yaml), loaded once and looked up by kind and field path.
// The texts are reviewed separately (test/unit/hover-docs.test.ts); this module only reads them.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { findSchemaDir } from './schemas';

export interface FieldDoc {
  description: string;
  /** Fragment of the kind's reference page, without '#'. */
  anchor?: string;
}

export interface KindDocs {
  kind: string;
  apiVersion: string;
  /** The kind's page in the Flux documentation. */
  reference: string;
  fields: ReadonlyMap<string, FieldDoc>;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function readKindDocs(file: string): KindDocs | undefined {
  const raw: unknown = parse(readFileSync(file, 'utf8'));
  if (!isRecord(raw) || typeof raw.kind !== 'string' || typeof raw.reference !== 'string') return undefined;
  const fields = new Map<string, FieldDoc>();
  if (isRecord(raw.fields)) {
    for (const [path, entry] of Object.entries(raw.fields)) {
      if (!isRecord(entry) || typeof entry.description !== 'string') continue;
      fields.set(path, typeof entry.anchor === 'string' ? { description: entry.description.trim(), anchor: entry.anchor } : { description: entry.description.trim() });
    }
  }
  return { kind: raw.kind, apiVersion: typeof raw.apiVersion === 'string' ? raw.apiVersion : '', reference: raw.reference, fields };
}

export class FieldDocs {
  private readonly byKind = new Map<string, KindDocs>();

  constructor(dir: string = join(findSchemaDir(), 'docs')) {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
      const docs = readKindDocs(join(dir, name));
      if (docs) this.byKind.set(docs.kind, docs);
    }
  }

  kind(kind: string): KindDocs | undefined {
    return this.byKind.get(kind);
  }

  /** The description of a field path such as `spec.ref.tag` or `spec.dependsOn[].name`. */
  field(kind: string, docPath: string): FieldDoc | undefined {
    return this.byKind.get(kind)?.fields.get(docPath);
  }

  /**
   * The reference link for a field: the kind's page plus the anchor of the field or, failing
   * that, of its nearest ancestor that has one (so `spec.secretRef.name` lands on the secretRef section).
   */
  link(kind: string, docPath: string): string | undefined {
    const docs = this.byKind.get(kind);
    if (!docs) return undefined;
    for (let p = docPath; p; p = parentDocPath(p)) {
      const anchor = docs.fields.get(p)?.anchor;
      if (anchor) return `${docs.reference}#${anchor}`;
    }
    return docs.reference;
  }
}

/** `spec.a[].b` → `spec.a[]` → `spec.a` → `spec` → ''. */
export function parentDocPath(path: string): string {
  if (path.endsWith('[]')) return path.slice(0, -2);
  const dot = path.lastIndexOf('.');
  return dot === -1 ? '' : path.slice(0, dot);
}

let shared: FieldDocs | undefined;
/** The installed docs, loaded on first use. */
export function defaultFieldDocs(): FieldDocs {
  shared ??= new FieldDocs();
  return shared;
}
