// `flux/removed-api-version` (found in lint.ts): the fix migrates a document to the served
// version. The target schema says which fields no longer exist; known renames are applied
// (patchesStrategicMerge / patchesJson6902 → patches, valuesFile → valuesFiles), the rest are
// dropped and named in the diagnostic's message; fields whose meaning changed are named too.
import { isMap, isScalar, isSeq, stringify, type Node, type Pair } from 'yaml';
import type { ParsedDocument, PlacedDocument } from '../documents';
import type { SchemaCatalog, SchemaEntry } from '../schemas';
import type { TextEdit } from '../types';
import { formatPath, nodeAtPath, parseInstancePath, type PathSegment } from '../yamlPath';
import { columnOf, deletePaths, endOfBlock, fileRange, insertLines, pairLines, replaceNode, type QuickFix } from './edits';

export interface MigrationPlan {
  target: SchemaEntry;
  /** Maps whose patchesStrategicMerge / patchesJson6902 move into `patches`. */
  patchMaps: PathSegment[][];
  /** Maps whose `valuesFile` moves into `valuesFiles`. */
  valuesFileMaps: PathSegment[][];
  /** Fields with no counterpart, dropped by the fix. */
  drops: { path: PathSegment[]; why: string }[];
  /** Fields the served version still has but reads differently; the fix keeps them as written. */
  notes: { path: PathSegment[]; why: string }[];
}

/**
 * Fields that survive a migration with the same name but not the same meaning (facts from the
 * served CRDs). `applies` sees the field's value; the note is added when it returns true.
 */
const CHANGED_MEANING: readonly { kind: string; path: readonly string[]; applies: (value: unknown) => boolean; why: string }[] = [
  {
    kind: 'ImageUpdateAutomation',
    path: ['spec', 'git', 'commit', 'messageTemplate'],
    applies: (v) => typeof v === 'string' && /\.Updated\b/.test(v),
    why: 'uses .Updated, which v1 no longer provides: rewrite the template with .Changed',
  },
  {
    kind: 'Provider',
    path: ['spec', 'interval'],
    applies: (v) => v !== undefined,
    why: 'is kept but ignored by v1beta3, which does not reconcile Providers on a timer',
  },
];

function valueAt(value: unknown, path: readonly string[]): unknown {
  let at = value;
  for (const key of path) {
    if (typeof at !== 'object' || at === null || Array.isArray(at)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

const WHY_GONE: Record<string, string> = {
  validation: 'kustomize-controller always validates with a server-side dry run',
  gitImplementation: 'only go-git remains',
  accessFrom: 'cross-namespace access is set by controller flags now',
};

const cache = new WeakMap<ParsedDocument, MigrationPlan | null>();

/** What migrating a document of a removed version to the served version involves. */
export function planMigration(parsed: ParsedDocument, catalog: SchemaCatalog): MigrationPlan | undefined {
  const cached = cache.get(parsed);
  if (cached !== undefined) return cached ?? undefined;
  const plan = computePlan(parsed, catalog);
  cache.set(parsed, plan ?? null);
  return plan;
}

function computePlan(parsed: ParsedDocument, catalog: SchemaCatalog): MigrationPlan | undefined {
  const identity = parsed.identity;
  if (!identity) return undefined;
  const target = catalog.servedVersion(identity.kind);
  if (!target) return undefined;
  const plain = parsed.plainValue;
  if (!plain.ok || typeof plain.value !== 'object' || plain.value === null || Array.isArray(plain.value)) return undefined;
  // A copy: the plain value is cached on the document and shared.
  const value = { ...(plain.value as Record<string, unknown>), apiVersion: `${target.group}/${target.version}` };
  const validate = catalog.validator(target);
  validate(value);
  const plan: MigrationPlan = { target, patchMaps: [], valuesFileMaps: [], drops: [], notes: [] };
  for (const change of CHANGED_MEANING) {
    if (change.kind === identity.kind && change.applies(valueAt(plain.value, change.path))) plan.notes.push({ path: [...change.path], why: change.why });
  }
  const seen = new Set<string>();
  for (const error of validate.errors ?? []) {
    if (error.keyword !== 'additionalProperties') continue;
    const parent = parseInstancePath(error.instancePath);
    const extra = String((error.params as { additionalProperty: string }).additionalProperty);
    const key = JSON.stringify([...parent, extra]);
    if (seen.has(key)) continue;
    seen.add(key);
    if (extra === 'patchesStrategicMerge' || extra === 'patchesJson6902') {
      if (!plan.patchMaps.some((p) => JSON.stringify(p) === JSON.stringify(parent))) plan.patchMaps.push(parent);
    } else if (extra === 'valuesFile') {
      plan.valuesFileMaps.push(parent);
    } else {
      plan.drops.push({ path: [...parent, extra], why: WHY_GONE[extra] ?? `no such field in ${target.version}` });
    }
  }
  return plan;
}

/** Words for the diagnostic: what the migration changes beyond the apiVersion. */
export function describeMigration(plan: MigrationPlan): string {
  const parts: string[] = [];
  for (const p of plan.patchMaps) parts.push(`${formatPath(p)} patchesStrategicMerge/patchesJson6902 become patches`);
  for (const p of plan.valuesFileMaps) parts.push(`${formatPath([...p, 'valuesFile'])} becomes valuesFiles`);
  if (plan.drops.length) {
    parts.push(`no counterpart, so the fix drops ${plan.drops.map((d) => `${formatPath(d.path)} (${d.why})`).join(', ')}`);
  }
  for (const n of plan.notes) parts.push(`${formatPath(n.path)} ${n.why}`);
  return parts.join('; ');
}

const pairAt = (parsed: ParsedDocument, path: readonly PathSegment[]): Pair<Node, Node | null> | undefined => {
  const found = nodeAtPath(parsed.yaml, path);
  return found.depth === path.length ? found.pair : undefined;
};

/** A YAML value as the text of a literal block scalar's content. */
const asBlockText = (value: unknown): string => stringify(value, { lineWidth: 0 }).replace(/\n+$/, '');

const indentLines = (text: string, indent: string) => text.split('\n').map((l) => (l ? indent + l : l)).join('\n');

/** New `patches` entries for one map, rendered at an item indentation. */
function patchEntries(parsed: ParsedDocument, mapPath: PathSegment[], itemIndent: string): string | undefined {
  const entries: string[] = [];
  const strategic = pairAt(parsed, [...mapPath, 'patchesStrategicMerge'])?.value;
  if (isSeq(strategic)) {
    for (const item of strategic.items) {
      if (!isMap(item)) return undefined; // a path to a file: not expressible inline
      entries.push(`${itemIndent}- patch: |\n${indentLines(asBlockText(item.toJSON()), itemIndent + '    ')}\n`);
    }
  }
  const json = pairAt(parsed, [...mapPath, 'patchesJson6902'])?.value;
  if (isSeq(json)) {
    for (const item of json.items) {
      if (!isMap(item)) return undefined;
      const { patch, target } = item.toJSON() as { patch?: unknown; target?: unknown };
      let entry = `${itemIndent}- patch: |\n${indentLines(asBlockText(patch ?? []), itemIndent + '    ')}\n`;
      if (target !== undefined) entry += `${itemIndent}  target:\n${indentLines(asBlockText(target), itemIndent + '    ')}\n`;
      entries.push(entry);
    }
  }
  return entries.join('');
}

/** Edits that migrate the document; undefined when some part cannot be edited safely. */
export function migrationEdits(doc: PlacedDocument, plan: MigrationPlan): TextEdit[] | undefined {
  const parsed = doc.parsed;
  const edits: TextEdit[] = [];
  const apiVersion = nodeAtPath(parsed.yaml, ['apiVersion']).value;
  if (!apiVersion) return undefined;
  edits.push(replaceNode(doc, apiVersion, `${plan.target.group}/${plan.target.version}`));

  for (const mapPath of plan.patchMaps) {
    const olds = ['patchesStrategicMerge', 'patchesJson6902']
      .map((k) => pairAt(parsed, [...mapPath, k]))
      .filter((p): p is Pair<Node, Node | null> => p !== undefined);
    const firstLines = olds.map((p) => pairLines(doc, p));
    if (firstLines.some((l) => !l)) return undefined;
    const keyColumn = columnOf(doc, olds[0].key.range![0]);
    const existing = pairAt(parsed, [...mapPath, 'patches']);
    if (existing && isSeq(existing.value) && !existing.value.flow && existing.value.items.length) {
      const seq = existing.value;
      const itemIndent = ' '.repeat(columnOf(doc, seq.range![0]));
      const entries = patchEntries(parsed, mapPath, itemIndent);
      if (entries === undefined) return undefined;
      edits.push(insertLines(doc, endOfBlock(doc, seq), entries));
      for (const lines of firstLines) edits.push({ range: fileRange(doc, lines![0], lines![1]), newText: '' });
    } else {
      if (existing) return undefined;
      const indent = ' '.repeat(keyColumn);
      const entries = patchEntries(parsed, mapPath, indent + '  ');
      if (entries === undefined) return undefined;
      firstLines.forEach((lines, i) => edits.push({ range: fileRange(doc, lines![0], lines![1]), newText: i === 0 ? `${indent}patches:\n${entries}` : '' }));
    }
  }

  for (const mapPath of plan.valuesFileMaps) {
    const old = pairAt(parsed, [...mapPath, 'valuesFile']);
    const lines = old && pairLines(doc, old);
    if (!old || !lines || !isScalar(old.value)) return undefined;
    const file = String(old.value.value);
    const indent = ' '.repeat(columnOf(doc, old.key.range![0]));
    const existing = pairAt(parsed, [...mapPath, 'valuesFiles']);
    if (existing && isSeq(existing.value) && !existing.value.flow && existing.value.items.length) {
      // valuesFile was merged first, so it goes first in the list.
      const first = existing.value.items[0] as Node;
      const at = parsed.text.lastIndexOf('\n', first.range![0]) + 1;
      const itemColumn = columnOf(doc, existing.value.range![0]);
      edits.push(insertLines(doc, at, `${' '.repeat(itemColumn)}- ${JSON.stringify(file)}\n`));
      edits.push({ range: fileRange(doc, lines[0], lines[1]), newText: '' });
    } else {
      if (existing) return undefined;
      edits.push({ range: fileRange(doc, lines[0], lines[1]), newText: `${indent}valuesFiles:\n${indent}  - ${JSON.stringify(file)}\n` });
    }
  }

  if (plan.drops.length) {
    const deletes = deletePaths(doc, plan.drops.map((d) => d.path));
    if (!deletes) return undefined;
    edits.push(...deletes);
  }
  return edits;
}

export function migrationFix(uri: string, doc: PlacedDocument, catalog: SchemaCatalog): QuickFix | undefined {
  const plan = planMigration(doc.parsed, catalog);
  if (!plan) return undefined;
  const edits = migrationEdits(doc, plan);
  if (!edits) return undefined;
  return {
    title: `Migrate to ${plan.target.group}/${plan.target.version}`,
    kind: 'quickfix',
    isPreferred: true,
    edits: { [uri]: edits },
  };
}
