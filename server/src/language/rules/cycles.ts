// dependsOn cycles: objects that wait for each other are never reconciled.
// The dependency graph of the whole workspace is analysed once per structure version of the
// index (edits that change no name or reference reuse the analysis). Graph nodes are keyed by
// kind, namespace and name, which survive re-indexing.
// A cycle is an error only when every member's namespace is known: then each dependsOn names
// exactly the member it was matched to. Where one is unknown, a name was matched loosely and the
// object Flux waits for may be another one, in the cluster: the cycle is then only a warning.
import type { Finding } from '../types';
import type { IndexedObject, ObjectReference, WorkspaceIndex } from '../workspaceIndex';

interface CycleAnalysis {
  version: number;
  /** Object key → its strongly connected component (only for cycles), one object per component. */
  cycleOf: Map<string, Cycle>;
}

interface Cycle {
  /** The members' labels, in order. */
  labels: string[];
  /** Every member's namespace is known, so no edge of the cycle was matched by name alone. */
  certain: boolean;
}

const analyses = new WeakMap<WorkspaceIndex, CycleAnalysis>();

const objectKey = (o: IndexedObject) => `${o.identity.kind}/${o.identity.namespace ?? ''}/${o.identity.name}`;

const label = (o: IndexedObject) => `${o.identity.namespace ? `${o.identity.namespace}/` : ''}${o.identity.name}`;

function analyse(index: WorkspaceIndex): CycleAnalysis {
  const cached = analyses.get(index);
  if (cached && cached.version === index.structureVersion) return cached;
  const owners = new Map<string, IndexedObject>();
  const edges = new Map<IndexedObject, IndexedObject[]>();
  for (const uri of index.knownUris()) {
    const refs = index.referencesIn(uri);
    if (!refs.some((r) => r.role === 'dependsOn')) continue;
    for (const o of index.objectsIn(uri)) if (!o.generatedBy) owners.set(`${o.uri}#${o.documentIndex}`, o);
    for (const ref of refs) {
      if (ref.role !== 'dependsOn') continue;
      const from = owners.get(`${ref.uri}#${ref.documentIndex}`);
      const targets = index.resolveRef(ref);
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
  const cycleOf = new Map<string, Cycle>();
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
          const cycle = { labels: members.reverse().map(label), certain: members.every((m) => index.objectNamespace(m) !== undefined) };
          for (const m of members) cycleOf.set(objectKey(m), cycle);
        }
      }
    }
  }
  const analysis = { version: index.structureVersion, cycleOf };
  analyses.set(index, analysis);
  return analysis;
}

/** Findings for the dependsOn references of one object. */
export function cycleFindings(index: WorkspaceIndex, from: IndexedObject | undefined, refs: readonly ObjectReference[]): Finding[] {
  const dependsOn = refs.filter((r) => r.role === 'dependsOn');
  if (dependsOn.length === 0 || !from) return [];
  const { cycleOf } = analyse(index);
  if (cycleOf.size === 0) return [];
  const findings: Finding[] = [];
  for (const ref of dependsOn) {
    const cycle = from && cycleOf.get(objectKey(from));
    if (!from || !cycle) continue;
    const targets = index.resolveRef(ref);
    if (targets.length !== 1 || cycleOf.get(objectKey(targets[0])) !== cycle) continue;
    const members = cycle.labels;
    const start = members.indexOf(label(from));
    const loop = [...members.slice(start), ...members.slice(0, start), label(from)].join(' → ');
    findings.push({
      range: ref.nameRange,
      severity: cycle.certain ? 'error' : 'warning',
      code: 'flux/depends-on-cycle',
      message: cycle.certain
        ? `dependsOn cycle: ${loop}; each ${from.identity.kind} waits for the next, so Flux reconciles none of them`
        : `dependsOn cycle among the objects of this workspace: ${loop}; each ${from.identity.kind} waits for the next, so Flux reconciles none of them. (Some namespaces cannot be known here: if these objects land in different namespaces, a dependsOn may name another object, in the cluster)`,
    });
  }
  return findings;
}
