// Document and workspace symbols: one per Kubernetes object, labelled the way people say it
// ("OCIRepository flux-system/podinfo").
import type { Range } from './types';
import type { IndexedObject, WorkspaceIndex } from './workspaceIndex';

export interface ObjectSymbol {
  name: string;
  kind: string;
  uri: string;
  range: Range;
  selectionRange: Range;
}

export const symbolName = (o: IndexedObject) => `${o.identity.kind} ${o.identity.namespace ? `${o.identity.namespace}/` : ''}${o.identity.name}`;

const toSymbol = (o: IndexedObject): ObjectSymbol => ({ name: symbolName(o), kind: o.identity.kind, uri: o.uri, range: o.documentRange, selectionRange: o.nameRange });

export function documentSymbols(index: WorkspaceIndex, uri: string): ObjectSymbol[] {
  return index.objectsIn(uri).map(toSymbol);
}

/** Objects whose label contains every word of the query (case-insensitive); at most `limit`. */
export function workspaceSymbols(index: WorkspaceIndex, query: string, limit = 500): ObjectSymbol[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const out: ObjectSymbol[] = [];
  for (const o of index.objects()) {
    const label = symbolName(o).toLowerCase();
    if (words.every((w) => label.includes(w))) out.push(toSymbol(o));
    if (out.length >= limit) break;
  }
  return out;
}
