// Builds the artifact `flux push artifact` produces: a gzip'd tar of a
// folder (relative paths, files and directories only, uid/gid 0, no owner
// names, zero timestamps), with Flux's default ignore list and .sourceignore.

import { readdir, readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import ignore, { Ignore } from 'ignore';
import * as tar from 'tar';

export const FLUX_MEDIA_TYPES = {
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.cncf.flux.config.v1+json',
  content: 'application/vnd.cncf.flux.content.v1.tar+gzip',
} as const;

export const ANNOTATIONS = {
  created: 'org.opencontainers.image.created',
  source: 'org.opencontainers.image.source',
  revision: 'org.opencontainers.image.revision',
} as const;

/** What Flux leaves out of every artifact, before any .sourceignore. */
export const DEFAULT_IGNORE_PATTERNS: readonly string[] = ['.git/', '.gitignore', '.gitmodules', '.gitattributes', '*.jpg', '*.jpeg', '*.gif', '*.png', '*.wmv', '*.flv', '*.tar.gz', '*.zip'];
export const SOURCE_IGNORE_FILE = '.sourceignore';
export const REPRODUCIBLE_CREATED = '1970-01-01T00:00:00Z';

interface IgnoreScope {
  /** Folder (relative, POSIX, '' for the root) whose .sourceignore these rules come from. */
  base: string;
  rules: Ignore;
}

/**
 * The relative paths to pack, sorted so that the same tree always gives the
 * same archive. Directories come before their contents; symlinks and special
 * files are skipped; ignored folders are not descended into.
 */
export async function listArtifactEntries(root: string, extraIgnore: readonly string[] = []): Promise<string[]> {
  const entries: string[] = [];
  // Case-sensitive like git and Flux: *.jpg does not hide PIC.JPG.
  const rootRules = ignore({ ignorecase: false }).add([...DEFAULT_IGNORE_PATTERNS, ...extraIgnore]);
  const walk = async (relative: string, scopes: IgnoreScope[]): Promise<void> => {
    const absolute = join(root, relative);
    const children = await readdir(absolute, { withFileTypes: true });
    const own = children.find((c) => c.name === SOURCE_IGNORE_FILE && c.isFile());
    const active = own ? [...scopes, { base: relative, rules: ignore({ ignorecase: false }).add(await readFile(join(absolute, SOURCE_IGNORE_FILE), 'utf8')) }] : scopes;
    children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const child of children) {
      const path = relative === '' ? child.name : `${relative}/${child.name}`;
      const isDir = child.isDirectory();
      if (!isDir && !child.isFile()) continue;
      if (isIgnored(active, path, isDir)) continue;
      entries.push(path);
      if (isDir) await walk(path, active);
    }
  };
  await walk('', [{ base: '', rules: rootRules }]);
  return entries;
}

function isIgnored(scopes: IgnoreScope[], path: string, isDir: boolean): boolean {
  for (const scope of scopes) {
    const relative = scope.base === '' ? path : posix.relative(scope.base, path);
    if (scope.rules.ignores(isDir ? `${relative}/` : relative)) return true;
  }
  return false;
}

/** Write the gzip'd tar of `root` to `outFile`; returns the entries packed. */
export async function buildArtifactLayer(root: string, outFile: string, options: { ignore?: readonly string[] } = {}): Promise<string[]> {
  return (await packArtifactLayer(root, outFile, options)).entries;
}

export interface PackOptions {
  ignore?: readonly string[];
  /** The entries to pack (relative paths); default: listArtifactEntries(root, ignore). */
  entries?: readonly string[];
  /** Called as regular files are written: how many of how many. */
  onEntry?: (packed: number, total: number) => void;
  /** How many of the entries are regular files, when the caller knows (else every entry counts). */
  fileCount?: number;
  signal?: AbortSignal;
}

export interface PackedLayer {
  entries: string[];
  /** sha256 digest and size of the gzip'd tar, computed while it was written. */
  digest: string;
  size: number;
}

/**
 * Stream the gzip'd tar of `root` into `outFile`, hashing it on the way, so the layer is
 * read from disk only when it is uploaded. Memory stays flat whatever the folder's size.
 */
export async function packArtifactLayer(root: string, outFile: string, options: PackOptions = {}): Promise<PackedLayer> {
  const entries = options.entries ? [...options.entries] : await listArtifactEntries(root, options.ignore);
  if (entries.length === 0) throw new EmptyArtifactError(`nothing to pack in ${root}: the folder is empty or everything is ignored`);
  let packed = 0;
  const pack = tar.create(
    {
      cwd: root,
      gzip: true,
      // portable: no uid/gid (read as 0), no owner names, no atime/ctime;
      // noMtime: zero modification times; noDirRecurse: exactly our list.
      portable: true,
      noMtime: true,
      noDirRecurse: true,
      follow: false,
      onWriteEntry: (entry) => {
        if (options.fileCount !== undefined && entry.type !== 'File') return;
        entry.on('end', () => options.onEntry?.(++packed, options.fileCount ?? entries.length));
      },
    },
    entries,
  );
  const hash = createHash('sha256');
  let size = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  await pipeline(pack as unknown as Readable, counter, createWriteStream(outFile), { signal: options.signal });
  return { entries, digest: `sha256:${hash.digest('hex')}`, size };
}

export class EmptyArtifactError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmptyArtifactError';
  }
}

export interface AnnotationOptions {
  source?: string;
  revision?: string;
  /** Fix the created time to the Unix epoch, so the same input gives the same digest. */
  reproducible?: boolean;
  extra?: Readonly<Record<string, string>>;
  now?: Date;
}

export function artifactAnnotations(options: AnnotationOptions): Record<string, string> {
  const created = options.reproducible ? REPRODUCIBLE_CREATED : (options.now ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const annotations: Record<string, string> = { [ANNOTATIONS.created]: created };
  if (options.source) annotations[ANNOTATIONS.source] = options.source;
  if (options.revision) annotations[ANNOTATIONS.revision] = options.revision;
  return { ...annotations, ...(options.extra ?? {}) };
}

export interface BlobDescriptor {
  mediaType: string;
  digest: string;
  size: number;
}

/** The manifest bytes: an OCI image manifest with the Flux config and content types. */
export function buildArtifactManifest(config: { digest: string; size: number }, layer: { digest: string; size: number }, annotations: Record<string, string>): Buffer {
  const manifest = {
    schemaVersion: 2,
    mediaType: FLUX_MEDIA_TYPES.manifest,
    config: { mediaType: FLUX_MEDIA_TYPES.config, digest: config.digest, size: config.size },
    layers: [{ mediaType: FLUX_MEDIA_TYPES.content, digest: layer.digest, size: layer.size }],
    annotations,
  };
  return Buffer.from(JSON.stringify(manifest));
}

/** Flux's config blob is an empty JSON object. */
export const ARTIFACT_CONFIG = Buffer.from('{}');
