// Every Kubernetes object of the workspace's YAML files (Flux objects, Secrets, ConfigMaps,
// and anything else with apiVersion/kind/name), kept current file by file.
// Re-indexing a file re-parses only its changed documents (YamlFile caches by text).
import { YamlFile, type PlacedDocument, type ParsedDocument } from './documents';
import type { ObjectIdentity } from './fluxObjects';
import { findPair, scalarString } from './fluxObjects';
import type { Range } from './types';

export interface IndexedObject {
  uri: string;
  /** Index of the document in its file. */
  documentIndex: number;
  identity: ObjectIdentity & { name: string };
  /** Range of `metadata.name`'s value, in file coordinates. */
  nameRange: Range;
  /** Range of the whole document, in file coordinates. */
  documentRange: Range;
  /** Secret `type`, when the object is a Secret. */
  secretType?: string;
}

export interface ObjectQuery {
  kind: string;
  name: string;
  /** When either side has no namespace, the match falls back to kind and name if unambiguous. */
  namespace?: string;
}

interface DocumentFacts {
  nameRange: Range;
  documentRange: Range;
  secretType?: string;
}

/** Facts that depend on a document's text alone, cached on the parsed document. */
const factsCache = new WeakMap<ParsedDocument, DocumentFacts>();
function documentFacts(parsed: ParsedDocument): DocumentFacts {
  let facts = factsCache.get(parsed);
  if (!facts) {
    const root = parsed.yaml.contents;
    const nameNode = findPair(findPair(root, 'metadata')?.value, 'name')?.value;
    facts = {
      nameRange: parsed.lines.rangeOf(nameNode?.range?.[0] ?? 0, nameNode?.range?.[1] ?? 0),
      documentRange: parsed.lines.rangeOf(0, parsed.text.length),
    };
    if (parsed.identity?.kind === 'Secret' && parsed.identity.group === '') {
      facts.secretType = scalarString(findPair(root, 'type')?.value) ?? 'Opaque';
    }
    factsCache.set(parsed, facts);
  }
  return facts;
}

const shiftRange = (r: Range, lines: number): Range => ({
  start: { line: r.start.line + lines, character: r.start.character },
  end: { line: r.end.line + lines, character: r.end.character },
});

function indexDocument(uri: string, doc: PlacedDocument): IndexedObject | undefined {
  const { identity } = doc.parsed;
  if (!identity?.name) return undefined;
  const facts = documentFacts(doc.parsed);
  const object: IndexedObject = {
    uri,
    documentIndex: doc.index,
    identity: { ...identity, name: identity.name },
    nameRange: shiftRange(facts.nameRange, doc.chunk.startLine),
    documentRange: shiftRange(facts.documentRange, doc.chunk.startLine),
  };
  if (facts.secretType !== undefined) object.secretType = facts.secretType;
  return object;
}

export class WorkspaceIndex {
  private readonly files = new Map<string, YamlFile>();
  private readonly objectsByFile = new Map<string, IndexedObject[]>();
  private readonly byKindName = new Map<string, IndexedObject[]>();
  /** Incremented on every change, so callers can tell whether cross-file results are stale. */
  generation = 0;

  /** Adds or updates a file; returns its model. */
  setFile(uri: string, text: string): YamlFile {
    let file = this.files.get(uri);
    if (file && file.text === text) return file;
    if (file) file.update(text);
    else {
      file = new YamlFile(uri, text);
      this.files.set(uri, file);
    }
    this.unlink(uri);
    const objects: IndexedObject[] = [];
    for (const doc of file.documents) {
      const object = indexDocument(uri, doc);
      if (object) objects.push(object);
    }
    this.objectsByFile.set(uri, objects);
    for (const object of objects) {
      const key = `${object.identity.kind}/${object.identity.name}`;
      const list = this.byKindName.get(key);
      if (list) list.push(object);
      else this.byKindName.set(key, [object]);
    }
    this.generation++;
    return file;
  }

  removeFile(uri: string): void {
    if (!this.files.has(uri)) return;
    this.unlink(uri);
    this.files.delete(uri);
    this.objectsByFile.delete(uri);
    this.generation++;
  }

  private unlink(uri: string): void {
    for (const object of this.objectsByFile.get(uri) ?? []) {
      const key = `${object.identity.kind}/${object.identity.name}`;
      const list = this.byKindName.get(key)?.filter((o) => o.uri !== uri);
      if (list?.length) this.byKindName.set(key, list);
      else this.byKindName.delete(key);
    }
  }

  file(uri: string): YamlFile | undefined {
    return this.files.get(uri);
  }

  get fileCount(): number {
    return this.files.size;
  }

  uris(): IterableIterator<string> {
    return this.files.keys();
  }

  objectsIn(uri: string): readonly IndexedObject[] {
    return this.objectsByFile.get(uri) ?? [];
  }

  *objects(): IterableIterator<IndexedObject> {
    for (const list of this.objectsByFile.values()) yield* list;
  }

  objectsOfKind(kind: string): IndexedObject[] {
    return [...this.objects()].filter((o) => o.identity.kind === kind);
  }

  /** Objects with this kind and name, whatever their namespace. */
  withKindAndName(kind: string, name: string): readonly IndexedObject[] {
    return this.byKindName.get(`${kind}/${name}`) ?? [];
  }

  /**
   * Resolves a reference. Exact namespace matches win; where a namespace is missing on either
   * side (kustomize often sets it later), a single kind+name match is accepted.
   */
  resolve(query: ObjectQuery): IndexedObject[] {
    const candidates = this.withKindAndName(query.kind, query.name);
    const exact = candidates.filter((o) => (o.identity.namespace ?? undefined) === (query.namespace ?? undefined));
    if (exact.length) return exact;
    const loose = candidates.filter((o) => !o.identity.namespace || !query.namespace);
    return loose.length === 1 ? loose : [];
  }

  /** Objects with this name in any kind (to tell "not found" from "wrong kind"). */
  withName(name: string, kinds: readonly string[]): IndexedObject[] {
    return kinds.flatMap((k) => this.withKindAndName(k, name));
  }
}
