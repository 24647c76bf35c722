// dependsOn cycles: objects that wait for each other are never reconciled.
// The dependency graph of the whole workspace is analysed once per index generation.
import type { Finding } from '../types';
import type { IndexedObject, ObjectReference, WorkspaceIndex } from '../workspaceIndex';

interface CycleAnalysis {
  generation: number;
  /** Object → the members of its strongly connected component (only for cycles). */
  cycleOf: Map<IndexedObject, IndexedObject[]>;
}

const analyses = new WeakMap<WorkspaceIndex, CycleAnalysis>();

const objectKey = (o: IndexedObject) => `${o.uri}#${o.documentIndex}`;

function analyse(index: WorkspaceIndex): CycleAnalysis {
  const cached = analyses.get(index);
  if (cached && cached.generation === index.generation) return cached;
  const owners = new Map<string, IndexedObject>();
  const edges = new Map<IndexedObject, IndexedObject[]>();
  for (const uri of index.uris()) {
    const refs = index.referencesIn(uri);
    if (!refs.some((r) => r.role === 'dependsOn')) continue;
    for (const o of index.objectsIn(uri)) owners.set(objectKey(o), o);
    for (const ref of refs) {
      if (ref.role !== 'dependsOn') continue;
      const from = owners.get(`${ref.uri}#${ref.documentIndex}`);
      const targets = index.resolve({ kind: ref.kind, name: ref.name, namespace: ref.namespace });
      if (!from || targets.length !== 1) continue;
      const list = edges.get(from);
      if (list) list.push(targets[0]);
      else edges.set(from, [targets[0]]);
    }
  }
  // Tarjan's strongly connected components, iteratively (deep chains must not overflow the stack).
  const order = new Map<IndexedObject, number>();
  const low = new Map<IndexedObject, number>();
  const onStack = new Set<IndexedObject>();
  const stack: IndexedObject[] = [];
  const cycleOf = new Map<IndexedObject, IndexedObject[]>();
  let counter = 0;
  for (const start of edges.keys()) {
    if (order.has(start)) continue;
    const work: { node: IndexedObject; next: number }[] = [{ node: start, next: 0 }];
    order.set(start, counter); low.set(start, counter++); stack.push(start); onStack.add(start);
    while (work.length) {
      const frame = work[work.length - 1];
      const out = edges.get(frame.node) ?? [];
      if (frame.next < out.length) {
        const to = out[frame.next++];
        if (!order.has(to)) {
          order.set(to, counter); low.set(to, counter++); stack.push(to); onStack.add(to);
          work.push({ node: to, next: 0 });
        } else if (onStack.has(to)) low.set(frame.node, Math.min(low.get(frame.node)!, order.get(to)!));
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1].node;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.node)!));
      }
      if (low.get(frame.node) === order.get(frame.node)) {
        const members: IndexedObject[] = [];
        let member: IndexedObject;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          members.push(member);
        } while (member !== frame.node);
        const selfLoop = members.length === 1 && (edges.get(members[0]) ?? []).includes(members[0]);
        if (members.length > 1 || selfLoop) {
          members.reverse();
          for (const m of members) cycleOf.set(m, members);
        }
      }
    }
  }
  const analysis = { generation: index.generation, cycleOf };
  analyses.set(index, analysis);
  return analysis;
}

const label = (o: IndexedObject) => `${o.identity.namespace ? `${o.identity.namespace}/` : ''}${o.identity.name}`;

export function cycleFindings(index: WorkspaceIndex, uri: string, refs: readonly ObjectReference[]): Finding[] {
  const dependsOn = refs.filter((r) => r.role === 'dependsOn');
  if (dependsOn.length === 0) return [];
  const { cycleOf } = analyse(index);
  if (cycleOf.size === 0) return [];
  const byDocument = new Map(index.objectsIn(uri).map((o) => [o.documentIndex, o]));
  const findings: Finding[] = [];
  for (const ref of dependsOn) {
    const from = byDocument.get(ref.documentIndex);
    const members = from && cycleOf.get(from);
    if (!from || !members) continue;
    const targets = index.resolve({ kind: ref.kind, name: ref.name, namespace: ref.namespace });
    if (targets.length !== 1 || !members.includes(targets[0])) continue;
    const start = members.indexOf(from);
    const loop = [...members.slice(start), ...members.slice(0, start), from].map(label).join(' → ');
    findings.push({
      range: ref.nameRange,
      severity: 'error',
      code: 'flux/depends-on-cycle',
      message: `dependsOn cycle: ${loop}; each ${from.identity.kind} waits for the next, so Flux reconciles none of them`,
    });
  }
  return findings;
}
