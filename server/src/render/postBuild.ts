// What kustomize-controller does to the objects kustomize built, before it applies them:
// `postBuild` variable substitution (only when the Kustomization has `postBuild` and some
// variable is defined; never on an object labelled or annotated
// `kustomize.toolkit.fluxcd.io/substitute: disabled`), the owner labels
// `kustomize.toolkit.fluxcd.io/name` and `/namespace`, and `commonMetadata`. Like `flux build`,
// SOPS-encrypted Secret values are masked rather than shown.
import { parseDocument, type Document } from 'yaml';
import { QUIET, RenderError } from './engine';
import { SubstitutionError, hasSubstitutions, substituteVariables, type VariableValue } from './envsubst';
import type { RenderSpec } from './spec';
import { editMetadataBlock, readMetadataBlock } from './metadataBlock';
import { isRecord } from './spec';

export const OWNER_LABEL_NAME = 'kustomize.toolkit.fluxcd.io/name';
export const OWNER_LABEL_NAMESPACE = 'kustomize.toolkit.fluxcd.io/namespace';
export const SUBSTITUTE_KEY = 'kustomize.toolkit.fluxcd.io/substitute';
const VAR_NAME = /^[_\p{L}][_\p{L}\p{N}]*$/u;
const SOPS_MASK = '**SOPS**';

export interface RenderedObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  /** The object as YAML (one document, no separator). */
  yaml: string;
  /** The plain value, for diffs. */
  value: Record<string, unknown>;
  /** The file it came from (absolute), when kustomize said so; else what generated it. */
  origin?: string;
}

export interface PostBuildResult {
  objects: RenderedObject[];
  /** Variables referenced with no value and no default, with the objects that reference them. */
  missing: Map<string, string[]>;
  /** Variables whose value exists but cannot be known here (SOPS), with the objects. */
  unknown: Map<string, string[]>;
}

export interface PostBuildOptions {
  /** The substitution variables: `substituteFrom` (in order) then `substitute`, already merged. */
  variables: ReadonlyMap<string, VariableValue>;
  strict?: boolean;
  /** Some `substituteFrom` object could not be read: a variable not in `variables` is unknown, not missing. */
  incomplete?: boolean;
  /** Take off the origin annotations we asked kustomize for, resolving their paths from this folder. */
  origins?: { strip: boolean; resolve: (path: string) => string };
}

/** Splits kustomize's output into documents: it separates them with a `---` line. */
export function splitRendered(output: string): string[] {
  return output
    .split(/^---[ \t]*$\n?/m)
    .map((d) => d.replace(/^\n+/, ''))
    .filter((d) => d.trim() !== '');
}

export function postBuild(output: string, spec: RenderSpec, options: PostBuildOptions): PostBuildResult {
  const missing = new Map<string, string[]>();
  const unknown = new Map<string, string[]>();
  const note = (into: Map<string, string[]>, name: string, object: string) => {
    const list = into.get(name) ?? [];
    if (!list.includes(object)) list.push(object);
    into.set(name, list);
  };
  for (const name of options.variables.keys()) {
    if (!VAR_NAME.test(name)) throw new RenderError(`var substitution failed: '${name}' var name is invalid, must match '^[_[:alpha:]][_[:alpha:][:digit:]]*$'`);
  }
  const substitutes = spec.postBuild !== undefined && (options.variables.size > 0 || options.incomplete === true);
  const objects: RenderedObject[] = [];
  for (const original of splitRendered(output)) {
    // Work on the text, and parse only the small metadata block: 500 objects must cost little
    // beside the engine. A whole parse only where the text changed (substitution, to check it is
    // still YAML, as Flux's conversion does) or a SOPS Secret is masked.
    let text = original;
    let head = readHead(text);
    if (!head) continue;
    const disabled = head.labels[SUBSTITUTE_KEY] === 'disabled' || head.annotations[SUBSTITUTE_KEY] === 'disabled';
    if (substitutes && !disabled && hasSubstitutions(text)) {
      const before = head.id;
      let result;
      try {
        result = substituteVariables(text, options.variables, { strict: options.strict, absent: options.incomplete ? 'unknown' : 'missing' });
      } catch (error) {
        if (error instanceof SubstitutionError) throw new RenderError(`var substitution failed for '${before}': ${error.message}`);
        throw error;
      }
      if (result.text !== text) {
        // kustomize writes `"${N}"` unquoted, so a value that looks like a number becomes one, as
        // in the cluster: the substituted text is what is applied.
        // Values of plain characters cannot change the text's structure; others are checked.
        const plainValues = result.used.every((name) => {
          const v = options.variables.get(name);
          return v?.kind === 'value' && /^[\w.\/+=,~^@ -]*$/.test(v.value);
        });
        const error = plainValues ? undefined : yamlSyntaxError(result.text);
        if (error) throw new RenderError(`var substitution failed for '${before}': the result is not YAML: ${error}`);
        text = result.text;
        head = readHead(text);
        if (!head) continue;
      }
      for (const name of result.missing) note(missing, name, head.id);
      for (const name of result.unknown) note(unknown, name, head.id);
    }
    const labels: Record<string, string> = { [OWNER_LABEL_NAME]: spec.name, [OWNER_LABEL_NAMESPACE]: spec.namespace, ...spec.commonMetadata?.labels };
    const annotations: Record<string, string> = { ...spec.commonMetadata?.annotations };
    let origin: string | undefined;
    if (options.origins && typeof head.annotations[ORIGIN] === 'string') {
      origin = originOf(head.annotations[ORIGIN] as string, options.origins.resolve);
    }
    const stripOrigin = options.origins?.strip === true && origin !== undefined;
    text = withMetadata(text, head, labels, annotations, stripOrigin);
    if (head.kind === 'Secret' && /^sops:/m.test(text)) text = maskSops(text);
    const final = text;
    let plain: Record<string, unknown> | undefined;
    objects.push({
      apiVersion: head.apiVersion,
      kind: head.kind,
      name: head.name,
      ...(head.namespace !== undefined ? { namespace: head.namespace } : {}),
      yaml: final,
      // Parsed when asked (the diff): printing needs only the text.
      get value() {
        if (!plain) {
          const v = parseDocument(final, QUIET).toJS() as unknown;
          plain = isRecord(v) ? v : {};
        }
        return plain;
      },
      ...(origin ? { origin } : {}),
    });
  }
  return { objects, missing, unknown };
}

const ORIGIN = 'config.kubernetes.io/origin';

interface Head {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  labels: Record<string, unknown>;
  annotations: Record<string, unknown>;
  id: string;
  /** Lines [from, to) of the block `metadata:` heads at column 0, when it is one. */
  block?: { from: number; to: number };
}

const unquote = (v: string) => {
  const t = v.trim();
  if (t.startsWith('"')) {
    try {
      return JSON.parse(t) as string;
    } catch {
      return t.slice(1, -1);
    }
  }
  return t.startsWith("'") ? t.slice(1, -1).replace(/''/g, "'") : t;
};

/** The object's identity and metadata, from its top-level lines and its metadata block alone. */
function readHead(text: string): Head | undefined {
  const lines = text.split('\n');
  const from = lines.findIndex((l) => /^metadata:[ \t]*$/.test(l));
  let metadata: Record<string, unknown> = {};
  let block: Head['block'];
  let apiVersion: unknown;
  let kind: unknown;
  if (from >= 0) {
    let to = from + 1;
    while (to < lines.length && (lines[to] === '' || /^[ \t]/.test(lines[to]))) to++;
    block = { from, to };
    const fast = readMetadataBlock(lines, from, to);
    if (fast) metadata = { ...fast };
    else {
      const snippet = parseDocument(lines.slice(from, to).join('\n'), QUIET).toJS() as unknown;
      if (isRecord(snippet) && isRecord(snippet.metadata)) metadata = snippet.metadata;
    }
    apiVersion = /^apiVersion:[ \t]*(.+)$/m.exec(text)?.[1];
    kind = /^kind:[ \t]*(.+)$/m.exec(text)?.[1];
  } else {
    // Not kustomize's usual block layout: read the whole object.
    const value = parseDocument(text, QUIET).toJS() as unknown;
    if (!isRecord(value)) return undefined;
    metadata = isRecord(value.metadata) ? value.metadata : {};
    apiVersion = value.apiVersion;
    kind = value.kind;
  }
  const k = typeof kind === 'string' ? unquote(kind) : '';
  const name = typeof metadata.name === 'string' ? metadata.name : String(metadata.name ?? '');
  const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : undefined;
  return {
    apiVersion: typeof apiVersion === 'string' ? unquote(apiVersion) : '',
    kind: k,
    name,
    ...(namespace !== undefined ? { namespace } : {}),
    labels: isRecord(metadata.labels) ? metadata.labels : {},
    annotations: isRecord(metadata.annotations) ? metadata.annotations : {},
    id: `${k}/${namespace ? `${namespace}/` : ''}${name}`,
    ...(block ? { block } : {}),
  };
}

/** The first YAML error of a text (a whole parse: only where substitution may have broken it). */
function yamlSyntaxError(text: string): string | undefined {
  return parseDocument(text, QUIET).errors[0]?.message;
}

/** The text with labels and annotations set in its metadata (and kustomize's origin taken off). */
function withMetadata(text: string, head: Head, labels: Record<string, string>, annotations: Record<string, string>, stripOrigin: boolean): string {
  const edit = (doc: Document, prefix: readonly string[]) => {
    for (const [k, v] of Object.entries(labels)) doc.setIn([...prefix, 'labels', k], v);
    for (const [k, v] of Object.entries(annotations)) doc.setIn([...prefix, 'annotations', k], v);
    if (stripOrigin) {
      doc.deleteIn([...prefix, 'annotations', ORIGIN]);
      const rest = doc.getIn([...prefix, 'annotations']) as { items?: unknown[] } | undefined;
      if (rest && Array.isArray(rest.items) && rest.items.length === 0) doc.deleteIn([...prefix, 'annotations']);
    }
  };
  if (!head.block) {
    const doc = parseDocument(text, QUIET);
    edit(doc, ['metadata']);
    return doc.toString({ lineWidth: 0 });
  }
  const lines = text.split('\n');
  const fast = editMetadataBlock(lines, head.block.from, head.block.to, labels, annotations, stripOrigin ? [ORIGIN] : []);
  if (fast) {
    const tail = lines.slice(head.block.to);
    // Blank lines the block ended with stay after it.
    const kept = lines.slice(head.block.from, head.block.to);
    let blanks = 0;
    while (blanks < kept.length - 1 && kept[kept.length - 1 - blanks].trim() === '') blanks++;
    const joined = [...lines.slice(0, head.block.from), ...fast, ...kept.slice(kept.length - blanks), ...tail].join('\n');
    return joined.endsWith('\n') ? joined : `${joined}\n`;
  }
  const snippet = parseDocument(lines.slice(head.block.from, head.block.to).join('\n'), QUIET);
  edit(snippet, ['metadata']);
  const written = snippet.toString({ lineWidth: 0 }).replace(/\n$/, '');
  const joined = [...lines.slice(0, head.block.from), written, ...lines.slice(head.block.to)].join('\n');
  return joined.endsWith('\n') ? joined : `${joined}\n`;
}

function originOf(text: string, resolve: (path: string) => string): string | undefined {
  const path = /^path:\s*(.+)$/m.exec(text)?.[1]?.trim();
  if (path) return resolve(path.replace(/^["']|["']$/g, ''));
  const by = /^configuredIn:\s*(.+)$/m.exec(text)?.[1]?.trim();
  return by ? `generated by ${resolve(by)}` : undefined;
}

/** A Secret encrypted with SOPS keeps its keys; its values are masked, its `sops` block dropped. */
function maskSops(text: string): string {
  const doc = parseDocument(text, QUIET);
  const value = doc.toJS() as unknown;
  if (!isRecord(value) || !isRecord(value.sops)) return text;
  doc.delete('sops');
  const dockerConfig = value.type === 'kubernetes.io/dockerconfigjson';
  const maskJson = JSON.stringify({ mask: SOPS_MASK });
  for (const field of ['data', 'stringData'] as const) {
    const map = value[field];
    if (!isRecord(map)) continue;
    for (const key of Object.keys(map)) {
      const masked = dockerConfig ? maskJson : SOPS_MASK;
      doc.setIn([field, key], field === 'data' ? Buffer.from(masked).toString('base64') : masked);
    }
  }
  return doc.toString({ lineWidth: 0 });
}
