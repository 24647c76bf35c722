// Safe extraction of an artifact layer (gzip'd tar) into a folder: the one extractor behind
// pull, preview and diff. Anything that could escape the folder or surprise the reader is
// refused outright rather than silently rewritten: absolute paths, `..`, links, devices, and
// archives that expand beyond the configured limits. The blob digest is checked as the bytes
// stream in. Work happens in a staging folder next to the target, which only receives
// complete, verified results; on any failure nothing is left on disk.
//
// Two independent guards stand between an entry name and the disk, and every entry type
// (files and directories alike) goes through both:
//   1. `safeRelativePath` judges the name alone (absolute, `..`, backslash, NUL);
//   2. `containedPath` judges the resolved destination (it must lie inside the root).
// Either one alone refuses every traversal; tests exercise each on its own.

import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve, relative, isAbsolute, sep, basename } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable, Transform, Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar';
import { VerifyingStream, DigestMismatchError } from '../registry';

export interface ExtractLimits {
  /** Most entries (files + directories) accepted. */
  maxEntries?: number;
  /** Largest single file, in bytes. */
  maxFileBytes?: number;
  /** Total uncompressed size of the archive, in bytes. */
  maxTotalBytes?: number;
}

/** 100 MiB uncompressed (the `fluxOci.registry.maxArtifactSize` default) and 100,000 entries. */
export const DEFAULT_MAX_ARTIFACT_BYTES = 100 * 1024 * 1024;

export const DEFAULT_EXTRACT_LIMITS: Required<ExtractLimits> = {
  maxEntries: 100_000,
  maxFileBytes: DEFAULT_MAX_ARTIFACT_BYTES,
  maxTotalBytes: DEFAULT_MAX_ARTIFACT_BYTES,
};

export interface ExtractOptions extends ExtractLimits {
  signal?: AbortSignal;
  /** The layer's digest (and size): the compressed bytes are verified as they stream in. */
  digest?: string;
  size?: number;
}

export class UnsafeArchiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeArchiveError';
  }
}

/** Guard 1: the entry's name as safe relative components, or an error saying why not. */
export function safeRelativePath(path: string): string[] {
  if (path.includes('\0')) throw new UnsafeArchiveError(`entry "${path.replace(/\0/g, '\\0')}" has a NUL byte in its name`);
  if (path.startsWith('/') || /^[a-zA-Z]:/.test(path) || path.startsWith('\\')) throw new UnsafeArchiveError(`entry "${path}" has an absolute path`);
  if (path.includes('\\')) throw new UnsafeArchiveError(`entry "${path}" has a backslash in its path`);
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new UnsafeArchiveError(`entry "${path}" climbs out of the folder with ".."`);
  return parts;
}

/**
 * Guard 2: where `parts` lands under `root`, refusing anything that resolves to the root
 * itself or outside it — whatever the components hold.
 */
export function containedPath(root: string, parts: readonly string[], entryName = parts.join('/')): string {
  const base = resolve(root);
  const destination = resolve(base, ...parts);
  const rel = relative(base, destination);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) throw new UnsafeArchiveError(`entry "${entryName}" resolves outside the folder`);
  return destination;
}

/** Both guards, in order; the destination of an entry (file or directory) under `root`. */
export function entryDestination(root: string, entryName: string): string {
  return containedPath(root, safeRelativePath(entryName), entryName);
}

/**
 * Extract a gzip'd tar stream into `outDir` (created if needed, same-named entries replaced).
 * Returns the files written (relative, POSIX).
 */
export async function extractArchive(source: Readable, outDir: string, options: ExtractOptions = {}): Promise<string[]> {
  const limits = { ...DEFAULT_EXTRACT_LIMITS, ...definedLimits(options) };
  // A source may fail (a digest check at its end) while the folders below are being made.
  let early: { error: unknown } | undefined;
  const onEarlyError = (error: unknown) => {
    early ??= { error };
  };
  source.on('error', onEarlyError);
  const target = resolve(outDir);
  const staging = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.extracting`);
  try {
    await mkdir(dirname(target), { recursive: true });
    await mkdir(staging);
  } catch (error) {
    source.destroy();
    throw error;
  }
  try {
    const files = await extractInto(source, staging, limits, options, () => early);
    await moveInto(staging, target);
    return files;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

export async function extractArchiveFile(file: string, outDir: string, options: ExtractOptions = {}): Promise<string[]> {
  return extractArchive(createReadStream(file), outDir, options);
}

function definedLimits(options: ExtractLimits): ExtractLimits {
  const out: ExtractLimits = {};
  if (options.maxEntries !== undefined) out.maxEntries = options.maxEntries;
  if (options.maxFileBytes !== undefined) out.maxFileBytes = options.maxFileBytes;
  if (options.maxTotalBytes !== undefined) out.maxTotalBytes = options.maxTotalBytes;
  return out;
}

function extractInto(source: Readable, root: string, limits: Required<ExtractLimits>, options: ExtractOptions, earlyError: () => { error: unknown } | undefined): Promise<string[]> {
  const { signal } = options;
  return new Promise<string[]>((resolvePromise, reject) => {
    const files: string[] = [];
    const writes: Promise<void>[] = [];
    const outputs: Writable[] = [];
    let entries = 0;
    let declaredTotal = 0;
    let failed = false;
    const verifier = options.digest ? new VerifyingStream(options.digest, Infinity, `layer ${options.digest}`, options.size) : undefined;
    const gunzip = createGunzip();
    let inflated = 0;
    let endOfArchive = false;
    // Counts every inflated byte (headers and padding included): the gzip-bomb guard.
    const counter = new Transform({
      transform(chunk: Buffer, _e, callback) {
        inflated += chunk.length;
        // Tar adds headers and padding; allow for them on top of the content limit.
        if (inflated > limits.maxTotalBytes + (entries + 2) * 1024 + 10240) callback(new UnsafeArchiveError(`the archive expands beyond ${limits.maxTotalBytes} bytes (a compression bomb or an artifact larger than the size limit)`));
        // After the end-of-archive blocks the parser would only buffer what follows: keep
        // reading (to count it and to verify the digest) but do not hand it on.
        else if (endOfArchive) callback();
        else callback(null, chunk);
      },
    });
    const parser = new tar.Parser({ strict: true, maxMetaEntrySize: 64 * 1024 });
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      signal?.removeEventListener('abort', onAbort);
      source.destroy();
      verifier?.destroy();
      gunzip.destroy();
      counter.destroy();
      // Open files are closed now (their entries will never finish), so the staging folder can go.
      for (const out of outputs) out.destroy();
      // tar decorates the error it is given; hand it a plain copy (a DOMException's fields are read-only).
      parser.abort(new Error(error instanceof Error ? error.message : String(error)));
      const reported = error instanceof DigestMismatchError ? new DigestMismatchError(error.expected, error.actual, error.what, 'nothing was extracted') : error;
      // Let in-flight writes settle before the caller removes the staging folder.
      void Promise.allSettled(writes).then(() => reject(reported));
    };
    const onAbort = () => fail(signal?.reason instanceof Error ? signal.reason : new Error('extraction aborted'));
    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });

    parser.on('entry', (entry: tar.ReadEntry) => {
      if (failed) return entry.resume();
      try {
        entries++;
        if (entries > limits.maxEntries) throw new UnsafeArchiveError(`the archive has more than ${limits.maxEntries} entries`);
        const type = entry.type;
        const isDirectory = type === 'Directory';
        if (!isDirectory && type !== 'File' && type !== 'OldFile' && type !== 'ContiguousFile') {
          throw new UnsafeArchiveError(`entry "${entry.path}" is a ${describeType(type)}; only regular files and directories are allowed`);
        }
        // A bare "./" directory names the root itself: nothing to create.
        if (isDirectory && safeRelativePath(entry.path).length === 0) {
          entry.resume();
          return;
        }
        const destination = entryDestination(root, entry.path);
        if (isDirectory) {
          mkdirSync(destination, { recursive: true });
          entry.resume();
          return;
        }
        const size = entry.size ?? 0;
        if (size > limits.maxFileBytes) throw new UnsafeArchiveError(`entry "${entry.path}" is ${size} bytes, more than the ${limits.maxFileBytes} allowed per file`);
        declaredTotal += size;
        if (declaredTotal > limits.maxTotalBytes) throw new UnsafeArchiveError(`the archive expands beyond ${limits.maxTotalBytes} bytes`);
        mkdirSync(dirname(destination), { recursive: true });
        const mode = (entry.mode ?? 0o644) & 0o111 ? 0o755 : 0o644;
        const out = createWriteStream(destination, { mode });
        outputs.push(out);
        files.push(relative(root, destination).split(sep).join('/'));
        writes.push(
          new Promise<void>((done, writeFailed) => {
            let error: Error | undefined;
            out.on('error', (e) => {
              error = e;
              fail(e);
            });
            // 'close' comes after 'finish', and also after a destroy: the file is closed either way.
            out.on('close', () => (error ? writeFailed(error) : done()));
          }),
        );
        entry.pipe(out as Writable);
      } catch (error) {
        entry.resume();
        fail(error);
      }
    });
    parser.on('eof', () => {
      endOfArchive = true;
    });
    parser.on('error', (error: Error) => fail(error));
    parser.on('abort', (error: Error) => fail(error));
    parser.on('end', () => {
      if (failed) return;
      signal?.removeEventListener('abort', onAbort);
      Promise.all(writes).then(() => {
        if (!failed) resolvePromise(files);
      }, fail);
    });
    source.on('error', fail);
    const before = earlyError();
    if (before) {
      fail(before.error);
      return;
    }
    gunzip.on('error', (error) => fail(new UnsafeArchiveError(`the layer is not a valid gzip stream (${error.message})`)));
    counter.on('error', fail);
    if (verifier) {
      verifier.on('error', fail);
      source.pipe(verifier).pipe(gunzip).pipe(counter).pipe(parser as unknown as Writable);
    } else source.pipe(gunzip).pipe(counter).pipe(parser as unknown as Writable);
  });
}

function describeType(type: string): string {
  switch (type) {
    case 'SymbolicLink':
      return 'symbolic link';
    case 'Link':
      return 'hard link';
    case 'CharacterDevice':
    case 'BlockDevice':
      return 'device file';
    case 'FIFO':
      return 'named pipe';
    default:
      return `"${type}" entry`;
  }
}

/** Move the staged tree into `target`, replacing same-named entries there. */
async function moveInto(staging: string, target: string): Promise<void> {
  const exists = await stat(target).then((s) => s.isDirectory(), () => undefined);
  if (exists === false) throw new Error(`${target} exists and is not a folder`);
  if (exists === undefined) {
    await rename(staging, target);
    return;
  }
  for (const name of await readdir(staging)) {
    await rm(join(target, name), { recursive: true, force: true });
    await rename(join(staging, name), join(target, name));
  }
}
