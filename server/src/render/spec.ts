// The fields of a Flux Kustomization that shape what it applies, read from its parsed object
// with the types the CRD gives them; anything of another type is dropped (the API server would
// have refused the object, so there is nothing to render it as).
import type { Selector } from '../language/applyFacts';

/** A patch target: the kustomize selector the apply graph reads too. */
export type PatchSelector = Selector;

export interface FluxPatch {
  patch: string;
  target?: PatchSelector;
}

export interface FluxImage {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

export interface SubstituteReference {
  kind: 'ConfigMap' | 'Secret';
  name: string;
  optional: boolean;
}

export interface RenderSpec {
  name: string;
  namespace: string;
  path?: string;
  targetNamespace?: string;
  namePrefix?: string;
  nameSuffix?: string;
  patches: FluxPatch[];
  images: FluxImage[];
  components: string[];
  ignoreMissingComponents: boolean;
  commonMetadata?: { labels: Record<string, string>; annotations: Record<string, string> };
  /** Present when the Kustomization has `spec.postBuild` (substitution runs only then). */
  postBuild?: { substitute: Record<string, string>; substituteFrom: SubstituteReference[] };
}

/** A YAML map as the parsed value holds it (not a list, not null): shared by the render and its CLI verbs. */
export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function stringRecord(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isRecord(v)) for (const [k, value] of Object.entries(v)) if (typeof value === 'string') out[k] = value;
  return out;
}

function selector(v: unknown): PatchSelector | undefined {
  if (!isRecord(v)) return undefined;
  const out: PatchSelector = {};
  for (const key of ['group', 'version', 'kind', 'name', 'namespace', 'labelSelector', 'annotationSelector'] as const) {
    const value = str(v[key]);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** The render spec of a Kustomization object (`kind: Kustomization` of kustomize.toolkit.fluxcd.io). */
export function renderSpecOf(object: unknown, defaultNamespace = 'flux-system'): RenderSpec {
  const o = isRecord(object) ? object : {};
  const metadata = isRecord(o.metadata) ? o.metadata : {};
  const spec = isRecord(o.spec) ? o.spec : {};
  const result: RenderSpec = {
    name: str(metadata.name) ?? '',
    namespace: str(metadata.namespace) ?? defaultNamespace,
    patches: [],
    images: [],
    components: [],
    ignoreMissingComponents: spec.ignoreMissingComponents === true,
  };
  const path = str(spec.path);
  if (path !== undefined) result.path = path;
  for (const key of ['targetNamespace', 'namePrefix', 'nameSuffix'] as const) {
    const value = str(spec[key]);
    if (value) result[key] = value;
  }
  if (Array.isArray(spec.patches)) {
    for (const p of spec.patches) {
      if (!isRecord(p) || typeof p.patch !== 'string') continue;
      const target = selector(p.target);
      result.patches.push({ patch: p.patch, ...(target ? { target } : {}) });
    }
  }
  if (Array.isArray(spec.images)) {
    for (const i of spec.images) {
      if (!isRecord(i) || typeof i.name !== 'string') continue;
      const image: FluxImage = { name: i.name };
      for (const key of ['newName', 'newTag', 'digest'] as const) {
        const value = str(i[key]);
        if (value) image[key] = value;
      }
      result.images.push(image);
    }
  }
  if (Array.isArray(spec.components)) for (const c of spec.components) if (typeof c === 'string') result.components.push(c);
  if (isRecord(spec.commonMetadata)) {
    result.commonMetadata = { labels: stringRecord(spec.commonMetadata.labels), annotations: stringRecord(spec.commonMetadata.annotations) };
  }
  if (isRecord(spec.postBuild)) {
    const substituteFrom: SubstituteReference[] = [];
    if (Array.isArray(spec.postBuild.substituteFrom)) {
      for (const s of spec.postBuild.substituteFrom) {
        if (!isRecord(s) || (s.kind !== 'ConfigMap' && s.kind !== 'Secret') || typeof s.name !== 'string') continue;
        substituteFrom.push({ kind: s.kind, name: s.name, optional: s.optional === true });
      }
    }
    result.postBuild = { substitute: stringRecord(spec.postBuild.substitute), substituteFrom };
  }
  return result;
}
