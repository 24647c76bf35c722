// The workspace's own objects a render needs: the Kustomization itself when no file is named, and
// the ConfigMaps and Secrets `substituteFrom` reads (the controller reads them from the cluster;
// we read the workspace's copies and say where they came from).
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { findYamlFiles } from '../cli/walk';
import { QUIET } from './engine';
import type { SubstituteReference } from './spec';
import type { SourceLookup, SubstitutionSource } from './variables';
import { isRecord } from './spec';

export interface FoundObject {
  value: Record<string, unknown>;
  file: string;
  line: number;
}


/** Kubernetes objects of the given kinds in YAML files under `root` (honouring .gitignore). */
export function workspaceObjects(root: string, kinds: ReadonlySet<string>): FoundObject[] {
  const found: FoundObject[] = [];
  const kindLine = new RegExp(`^\\s*kind:\\s*["']?(${[...kinds].join('|')})["']?\\s*$`, 'm');
  for (const file of findYamlFiles([root])) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    if (!kindLine.test(text)) continue;
    const docs = parseAllDocuments(text, QUIET);
    for (const doc of Array.isArray(docs) ? docs : []) {
      if (doc.errors.length) continue;
      const value = doc.toJS() as unknown;
      if (!isRecord(value) || typeof value.kind !== 'string' || !kinds.has(value.kind)) continue;
      const offset = doc.contents?.range?.[0] ?? 0;
      found.push({ value, file, line: text.slice(0, offset).split('\n').length });
    }
  }
  return found;
}

/** substituteFrom objects looked up among the workspace's ConfigMaps and Secrets. */
export function workspaceLookup(objects: readonly FoundObject[], shown: (file: string) => string): SourceLookup {
  return (reference: SubstituteReference, namespace: string): SubstitutionSource | undefined => {
    const candidates = objects.filter((o) => {
      const m = isRecord(o.value.metadata) ? o.value.metadata : {};
      return o.value.kind === reference.kind && m.name === reference.name && (m.namespace === undefined || m.namespace === namespace);
    });
    // An object that names the namespace is the better match.
    const match = candidates.find((o) => isRecord(o.value.metadata) && o.value.metadata.namespace === namespace) ?? candidates[0];
    if (!match) return undefined;
    const encrypted = isRecord(match.value.sops);
    const data: Record<string, string> = {};
    const add = (map: unknown, decode: boolean) => {
      if (!isRecord(map)) return;
      for (const [k, v] of Object.entries(map)) {
        if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') continue;
        data[k] = decode && !encrypted ? Buffer.from(String(v), 'base64').toString('utf8') : String(v);
      }
    };
    if (reference.kind === 'ConfigMap') add(match.value.data, false);
    else {
      add(match.value.data, true);
      add(match.value.stringData, false);
    }
    return { data, encrypted, where: `${shown(match.file)}:${match.line}` };
  };
}

