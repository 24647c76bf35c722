// What kustomize-controller does to the objects kustomize built, before it applies them:
// `postBuild` variable substitution (only when the Kustomization has `postBuild` and some
// variable is defined; never on an object labelled or annotated
// `kustomize.toolkit.fluxcd.io/substitute: disabled`), the owner labels
// `kustomize.toolkit.fluxcd.io/name` and `/namespace`, and `commonMetadata`. Like `flux build`,
// SOPS-encrypted Secret values are masked rather than shown.
import { parseDocument, type Document } from 'yaml';
import { QUIET, RenderError } from './engine';
import { SubstitutionError, substituteVariables, type VariableValue } from './envsubst';
import type { RenderSpec } from './spec';

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

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function describe(value: Record<string, unknown>): string {
  const metadata = isRecord(value.metadata) ? value.metadata : {};
  const ns = typeof metadata.namespace === 'string' ? `${metadata.namespace}/` : '';
  return `${String(value.kind)}/${ns}${String(metadata.name)}`;
}

function metadataMap(value: Record<string, unknown>, key: 'labels' | 'annotations'): Record<string, unknown> {
  const metadata = isRecord(value.metadata) ? value.metadata : {};
  return isRecord(metadata[key]) ? metadata[key] : {};
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
  for (const text of splitRendered(output)) {
    let doc = parseDocument(text, QUIET);
    let value = doc.toJS() as unknown;
    if (!isRecord(value)) continue;
    const disabled = metadataMap(value, 'labels')[SUBSTITUTE_KEY] === 'disabled' || metadataMap(value, 'annotations')[SUBSTITUTE_KEY] === 'disabled';
    if (substitutes && !disabled) {
      const before = describe(value);
      let result;
      try {
        result = substituteVariables(text, options.variables, { strict: options.strict, absent: options.incomplete ? 'unknown' : 'missing' });
      } catch (error) {
        if (error instanceof SubstitutionError) throw new RenderError(`var substitution failed for '${before}': ${error.message}`);
        throw error;
      }
      // The text is substituted, then read as YAML again: kustomize writes `"${N}"` unquoted, so a
      // value that looks like a number becomes one, exactly as in the cluster.
      doc = parseDocument(result.text, QUIET);
      if (doc.errors.length) throw new RenderError(`var substitution failed for '${before}': the result is not YAML: ${doc.errors[0].message}`);
      value = doc.toJS() as unknown;
      if (!isRecord(value)) continue;
      const id = describe(value);
      for (const name of result.missing) note(missing, name, id);
      for (const name of result.unknown) note(unknown, name, id);
    }
    setMetadata(doc, 'labels', { [OWNER_LABEL_NAME]: spec.name, [OWNER_LABEL_NAMESPACE]: spec.namespace });
    if (spec.commonMetadata) {
      setMetadata(doc, 'labels', spec.commonMetadata.labels);
      setMetadata(doc, 'annotations', spec.commonMetadata.annotations);
    }
    maskSops(doc);
    const origin = options.origins ? takeOrigin(doc, options.origins) : undefined;
    const plain = doc.toJS() as Record<string, unknown>;
    const metadata = isRecord(plain.metadata) ? plain.metadata : {};
    objects.push({
      apiVersion: String(plain.apiVersion ?? ''),
      kind: String(plain.kind ?? ''),
      name: String(metadata.name ?? ''),
      ...(typeof metadata.namespace === 'string' ? { namespace: metadata.namespace } : {}),
      yaml: doc.toString({ lineWidth: 0 }),
      value: plain,
      ...(origin ? { origin } : {}),
    });
  }
  return { objects, missing, unknown };
}

const ORIGIN = 'config.kubernetes.io/origin';

/** Where kustomize says an object came from; the annotation removed when we were the ones asking. */
function takeOrigin(doc: Document, origins: NonNullable<PostBuildOptions['origins']>): string | undefined {
  const text = doc.getIn(['metadata', 'annotations', ORIGIN]);
  if (typeof text !== 'string') return undefined;
  if (origins.strip) {
    doc.deleteIn(['metadata', 'annotations', ORIGIN]);
    const rest = doc.getIn(['metadata', 'annotations']);
    if (rest && typeof rest === 'object' && 'items' in rest && Array.isArray((rest as { items: unknown[] }).items) && (rest as { items: unknown[] }).items.length === 0) {
      doc.deleteIn(['metadata', 'annotations']);
    }
  }
  const path = /^path:\s*(.+)$/m.exec(text)?.[1]?.trim();
  if (path) return origins.resolve(path.replace(/^["']|["']$/g, ''));
  const by = /^configuredIn:\s*(.+)$/m.exec(text)?.[1]?.trim();
  return by ? `generated by ${origins.resolve(by)}` : undefined;
}

function setMetadata(doc: Document, key: 'labels' | 'annotations', entries: Record<string, string>): void {
  for (const [k, v] of Object.entries(entries)) doc.setIn(['metadata', key, k], v);
}

/** A Secret encrypted with SOPS keeps its keys; its values are masked, its `sops` block dropped. */
function maskSops(doc: Document): void {
  const value = doc.toJS() as unknown;
  if (!isRecord(value) || value.kind !== 'Secret' || !isRecord(value.sops)) return;
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
}
