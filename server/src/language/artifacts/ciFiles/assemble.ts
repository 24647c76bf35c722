// Assembling the entries: tag copies resolved to the push they copy, folders checked for being
// generated, duplicates (a task run both alone and called) dropped.
import type { ArtifactMapEntry } from '../types';
import type { PushRecord, Session } from './session';

export function assemble(s: Session): ArtifactMapEntry[] {
  const writes = [...new Set(s.writes)].sort();
  const writeSet = new Set(writes);
  const generated = (folder: string): boolean => {
    // A write at or above the folder (`rm -rf dist`, `mkdir -p dist/prod` for dist/prod) …
    for (let i = folder.indexOf('/', folder.indexOf('://') + 3); i !== -1; i = folder.indexOf('/', i + 1)) {
      if (writeSet.has(folder.slice(0, i + 1))) return true;
    }
    // … or inside it (`kustomize build … > dist/all.yaml`).
    let lo = 0;
    let hi = writes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (writes[mid] < folder) lo = mid + 1;
      else hi = mid;
    }
    return lo < writes.length && writes[lo].startsWith(folder);
  };

  const single = new Map<string, PushRecord | null>();
  const lastByTag = new Map<string, PushRecord>();
  for (const p of s.pushes) {
    const seen = single.get(p.repository);
    single.set(p.repository, seen === undefined || (seen !== null && seen.folder === p.folder) ? (seen ?? p) : null);
    if (p.tag !== undefined) lastByTag.set(`${p.repository}:${p.tag}`, p);
  }

  const entries: ArtifactMapEntry[] = [];
  const keys = new Set<string>();
  const add = (p: PushRecord, tag: string | undefined, line: number): void => {
    const verifiable = !p.isFile && !p.unsureIgnore && !generated(p.folder);
    const entry: ArtifactMapEntry = {
      repository: p.repository,
      ...(tag !== undefined ? { tag } : {}),
      folder: p.folder,
      path: p.path,
      ignorePaths: p.ignorePaths,
      ...(p.annotations ? { annotations: p.annotations } : {}),
      verifiable,
      origin: { kind: 'ci', uri: s.input.uri, line },
    };
    const key = JSON.stringify([entry.repository, tag ?? null, entry.folder, entry.path, entry.ignorePaths, entry.annotations ?? null, line]);
    if (keys.has(key)) return;
    keys.add(key);
    entries.push(entry);
  };

  const events = [...s.pushes.map((p) => ({ seq: p.seq, push: p })), ...s.tags.map((t) => ({ seq: t.seq, tag: t }))].sort((a, b) => a.seq - b.seq);
  const runningByTag = new Map<string, PushRecord>();
  const runningUnknown = new Map<string, PushRecord>();
  for (const e of events) {
    if ('push' in e && e.push) {
      const p = e.push;
      add(p, p.tag, p.line);
      if (p.tag !== undefined) runningByTag.set(`${p.repository}:${p.tag}`, p);
      else runningUnknown.set(p.repository, p);
      continue;
    }
    if (!('tag' in e) || !e.tag) continue;
    const t = e.tag;
    const source =
      t.from !== undefined
        ? (runningByTag.get(`${t.repository}:${t.from}`) ?? lastByTag.get(`${t.repository}:${t.from}`) ?? single.get(t.repository))
        : (runningUnknown.get(t.repository) ?? single.get(t.repository));
    if (!source) continue;
    for (const tag of t.tags) add(source, tag, t.line);
  }
  return entries;
}
