// The folder kustomize builds, prepared as kustomize-controller prepares it, without touching the
// user's files. The controller writes into the source's own folder: it generates a
// kustomization.yaml where there is none, then merges the Kustomization's fields into it. We do
// the same in a temporary mirror: the chain of folders from the source root down to the built
// folder is made of real folders whose other entries are symlinks to the originals, and the built
// folder holds the merged kustomization file. Relative references (`../base`, `./app.yaml`) so
// resolve exactly as in the source, and kustomize, which follows symlinks, reads the real files.
import { mkdtemp, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, sep } from 'node:path';
import ignore from 'ignore';
import { parseAllDocuments, stringify } from 'yaml';
import { DEFAULT_IGNORE_PATTERNS } from '../oci/artifact/build';
import { KUSTOMIZE_FILE_NAMES } from '../language/applyFacts';
import { QUIET, RenderError } from './engine';
import type { RenderSpec } from './spec';
import { isRecord } from './spec';


/** How many files the generated kustomization may list before we stop (bounded work). */
const MAX_GENERATED_FILES = 20_000;

export interface PreparedBuild {
  /** The folder to give kustomize. */
  dir: string;
  /** True when the folder had no kustomization file and one was generated. */
  generated: boolean;
  /**
   * We asked kustomize for `config.kubernetes.io/origin` annotations (which file each object came
   * from) and postBuild takes them off again; false when the folder's own kustomization asks for
   * them, so that they stay, as in Flux.
   */
  originsAdded: boolean;
  /** Message text with the mirror's paths turned back into the source's. */
  toSourcePaths(text: string): string;
  cleanup(): Promise<void>;
}

/**
 * Prepares the build of `folder` (absolute), inside the source whose content starts at `root`
 * (absolute; the repository root, or the folder an OCI artifact is built from).
 */
export async function prepareBuild(root: string, folder: string, spec: RenderSpec, options: { ignorePaths?: readonly string[]; origins?: boolean } = {}): Promise<PreparedBuild> {
  const chain = relative(root, folder);
  if (chain.startsWith('..') || isAbsolute(chain)) throw new RenderError(`${folder} is outside the source root ${root}`);
  const parts = chain === '' ? [] : chain.split(sep);
  const temp = await mkdtemp(join(tmpdir(), 'flux-oci-render-'));
  const mirrorRoot = join(temp, 'source');
  const cleanup = () => rm(temp, { recursive: true, force: true });
  try {
    let realLevel = root;
    let mirrorLevel = mirrorRoot;
    await mkdir(mirrorRoot);
    for (let depth = 0; depth <= parts.length; depth++) {
      const keep = parts[depth];
      const entries = await readdir(realLevel, { withFileTypes: true }).catch(() => {
        throw new RenderError(`${depth === parts.length ? 'path' : 'folder'} not found: ${realLevel}`);
      });
      const atFolder = depth === parts.length;
      for (const entry of entries) {
        if (entry.name === keep) continue;
        if (atFolder && (KUSTOMIZE_FILE_NAMES as readonly string[]).includes(entry.name)) continue;
        await symlink(join(realLevel, entry.name), join(mirrorLevel, entry.name));
      }
      if (atFolder) break;
      realLevel = join(realLevel, keep);
      mirrorLevel = join(mirrorLevel, keep);
      await mkdir(mirrorLevel);
    }
    const own = await ownKustomization(folder);
    const base = own ? own.content : await generatedKustomization(folder, options.ignorePaths ?? []);
    const merged = mergeFluxFields(base, spec);
    const buildMetadata = Array.isArray(merged.buildMetadata) ? merged.buildMetadata : [];
    // Asked for only where they are shown: they make kustomize's own work a third longer.
    const originsAdded = options.origins === true && !buildMetadata.includes('originAnnotations');
    if (originsAdded) merged.buildMetadata = [...buildMetadata, 'originAnnotations'];
    await writeFile(join(mirrorLevel, own?.name ?? 'kustomization.yaml'), stringify(merged));
    return {
      dir: mirrorLevel,
      generated: !own,
      originsAdded,
      toSourcePaths: (text) => text.split(mirrorRoot).join(root),
      cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

async function ownKustomization(folder: string): Promise<{ name: string; content: Record<string, unknown> } | undefined> {
  for (const name of KUSTOMIZE_FILE_NAMES) {
    let text: string;
    try {
      text = await readFile(join(folder, name), 'utf8');
    } catch {
      continue;
    }
    const docs = parseAllDocuments(text, QUIET);
    const doc = Array.isArray(docs) ? docs[0] : undefined;
    if (doc && doc.errors.length) throw new RenderError(`${join(folder, name)}: ${doc.errors[0].message}`);
    const content = doc?.toJS() as unknown;
    return { name, content: isRecord(content) ? content : {} };
  }
  return undefined;
}

/**
 * What the controller generates for a folder without a kustomization file: every .yaml/.yml file
 * under it (in path order), except under a subfolder with its own kustomization file, which is
 * listed as one resource. A YAML file that is not Kubernetes objects fails the build, as there.
 */
async function generatedKustomization(folder: string, ignorePaths: readonly string[]): Promise<Record<string, unknown>> {
  const rules = ignore({ ignorecase: false }).add([...DEFAULT_IGNORE_PATTERNS, ...ignorePaths]);
  const resources: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(join(folder, rel), { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      const isDir = entry.isDirectory();
      if (rules.ignores(isDir ? `${path}/` : path)) continue;
      if (isDir) {
        const inner = await readdir(join(folder, path)).catch(() => [] as string[]);
        if (KUSTOMIZE_FILE_NAMES.some((k) => inner.includes(k))) resources.push(`./${path}`);
        else await walk(path);
      } else if (entry.isFile() && /\.ya?ml$/.test(entry.name)) {
        await checkKubernetesYaml(join(folder, path));
        resources.push(`./${path}`);
        if (resources.length > MAX_GENERATED_FILES) throw new RenderError(`more than ${MAX_GENERATED_FILES} files under ${folder}: not rendered`);
      }
    }
  };
  await walk('');
  return { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources };
}

async function checkKubernetesYaml(file: string): Promise<void> {
  const docs = parseAllDocuments(await readFile(file, 'utf8'), QUIET);
  for (const doc of Array.isArray(docs) ? docs : []) {
    if (doc.errors.length) throw new RenderError(`failed to decode Kubernetes YAML from ${file}: ${doc.errors[0].message}`);
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    if (!isRecord(value) || typeof value.kind !== 'string' || typeof value.apiVersion !== 'string') {
      throw new RenderError(`failed to decode Kubernetes YAML from ${file}: a document is not a Kubernetes object (no apiVersion and kind)`);
    }
  }
}

/** The Kustomization's own fields merged into the folder's kustomization, as the controller does. */
export function mergeFluxFields(base: Record<string, unknown>, spec: RenderSpec): Record<string, unknown> {
  const k: Record<string, unknown> = { ...base };
  if (spec.targetNamespace) k.namespace = spec.targetNamespace;
  if (spec.namePrefix) k.namePrefix = spec.namePrefix;
  if (spec.nameSuffix) k.nameSuffix = spec.nameSuffix;
  if (spec.patches.length) {
    const patches = Array.isArray(k.patches) ? [...k.patches] : [];
    for (const p of spec.patches) patches.push(p.target ? { patch: p.patch, target: p.target } : { patch: p.patch });
    k.patches = patches;
  }
  if (spec.components.length) {
    const components = Array.isArray(k.components) ? [...k.components] : [];
    components.push(...spec.components);
    k.components = components;
  }
  if (spec.images.length) {
    const images: unknown[] = Array.isArray(k.images) ? [...k.images] : [];
    for (const image of spec.images) {
      // An image the folder's kustomization already sets is replaced by the Kustomization's.
      const at = images.findIndex((i) => isRecord(i) && i.name === image.name);
      if (at >= 0) images[at] = { ...image };
      else images.push({ ...image });
    }
    k.images = images;
  }
  return k;
}
