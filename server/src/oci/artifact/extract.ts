// Safe extraction of an artifact layer (gzip'd tar) into a folder. Anything
// that could escape the folder or surprise the reader is refused outright
// rather than silently rewritten: absolute paths, `..`, links, devices, and
// archives that expand beyond the configured limits. Work happens in a
// staging folder next to the target, which only receives complete results.

import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep, basename } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable, Transform, Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar';

export interface ExtractLimits {
  /** Most entries (files + directories) accepted. */
  maxEntries?: number;
  /** Largest single file, in bytes. */
  maxFileBytes?: number;
  /** Total uncompressed size of the archive, in bytes. */
  maxTotalBytes?: number;
}

export const DEFAULT_EXTRACT_LIMITS: Required<ExtractLimits> = {
  maxEntries: 100_000,
  maxFileBytes: 512 * 1024 * 1024,
  maxTotalBytes: 1024 * 1024 * 1024,
};

export class UnsafeArchiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeArchiveError';
  }
}

/** The entry's path as safe relative components, or an error saying why not. */
export function safeRelativePath(path: string): string[] {
  if (path.includes('\0')) throw new UnsafeArchiveError(`entry "${path.replace(/\0/g, '\\0')}" has a NUL byte in its name`);
  if (path.startsWith('/') || /^[a-zA-Z]:/.test(path) || path.startsWith('\\')) throw new UnsafeArchiveError(`entry "${path}" has an absolute path`);
  if (path.includes('\\')) throw new UnsafeArchiveError(`entry "${path}" has a backslash in its path`);
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new UnsafeArchiveError(`entry "${path}" climbs out of the folder with ".."`);
  return parts;
}

/** Extract a gzip'd tar stream into `outDir` (created if needed). Returns the files written. */
export async function extractArchive(source: Readable, outDir: string, options: ExtractLimits & { signal?: AbortSignal } = {}): Promise<string[]> {
  const limits = { ...DEFAULT_EXTRACT_LIMITS, ...options };
  const target = resolve(outDir);
  await mkdir(dirname(target), { recursive: true });
  const staging = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.extracting`);
  await mkdir(staging);
  try {
    const files = await extractInto(source, staging, limits, options.signal);
    await moveInto(staging, target);
    return files;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

export async function extractArchiveFile(file: string, outDir: string, options: ExtractLimits & { signal?: AbortSignal } = {}): Promise<string[]> {
  return extractArchive(createReadStream(file), outDir, options);
}

function extractInto(source: Readable, root: string, limits: Required<ExtractLimits>, signal?: AbortSignal): Promise<string[]> {
  return new Promise<string[]>((resolvePromise, reject) => {
    const files: string[] = [];
    const writes: Promise<void>[] = [];
    let entries = 0;
    let declaredTotal = 0;
    let failed = false;
    const gunzip = createGunzip();
    let inflated = 0;
    // Counts every inflated byte (headers and padding included): the gzip-bomb guard.
    const counter = new Transform({
      transform(chunk: Buffer, _e, callback) {
        inflated += chunk.length;
        // Tar adds headers and padding; allow for them on top of the content limit.
        if (inflated > limits.maxTotalBytes + (entries + 2) * 1024 + 10240) callback(new UnsafeArchiveError(`the archive expands beyond ${limits.maxTotalBytes} bytes`));
        else callback(null, chunk);
      },
    });
    const parser = new tar.Parser({ strict: true, maxMetaEntrySize: 64 * 1024 });
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      source.destroy();
      gunzip.destroy();
      counter.destroy();
      parser.abort(error instanceof Error ? error : new Error(String(error)));
      // Let in-flight writes settle before the caller removes the staging folder.
      void Promise.allSettled(writes).then(() => reject(error));
    };
    const onAbort = () => fail(signal?.reason instanceof Error ? signal.reason : new Error('extraction aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });

    parser.on('entry', (entry: tar.ReadEntry) => {
      if (failed) return entry.resume();
      try {
        entries++;
        if (entries > limits.maxEntries) throw new UnsafeArchiveError(`the archive has more than ${limits.maxEntries} entries`);
        const parts = safeRelativePath(entry.path);
        const type = entry.type;
        if (type === 'Directory') {
          if (parts.length > 0) mkdirSync(join(root, ...parts), { recursive: true });
          entry.resume();
          return;
        }
        if (type !== 'File' && type !== 'OldFile' && type !== 'ContiguousFile') {
          throw new UnsafeArchiveError(`entry "${entry.path}" is a ${describeType(type)}; only regular files and directories are allowed`);
        }
        if (parts.length === 0) throw new UnsafeArchiveError(`a file entry has an empty name`);
        const size = entry.size ?? 0;
        if (size > limits.maxFileBytes) throw new UnsafeArchiveError(`entry "${entry.path}" is ${size} bytes, more than the ${limits.maxFileBytes} allowed per file`);
        declaredTotal += size;
        if (declaredTotal > limits.maxTotalBytes) throw new UnsafeArchiveError(`the archive expands beyond ${limits.maxTotalBytes} bytes`);
        const destination = join(root, ...parts);
        if (!destination.startsWith(root + sep)) throw new UnsafeArchiveError(`entry "${entry.path}" resolves outside the folder`);
        mkdirSync(dirname(destination), { recursive: true });
        const mode = (entry.mode ?? 0o644) & 0o111 ? 0o755 : 0o644;
        const out = createWriteStream(destination, { mode });
        files.push(parts.join('/'));
        writes.push(
          new Promise<void>((done, writeFailed) => {
            out.on('finish', () => done());
            out.on('error', (error) => {
              writeFailed(error);
              fail(error);
            });
          }),
        );
        entry.pipe(out as Writable);
      } catch (error) {
        entry.resume();
        fail(error);
      }
    });
    parser.on('error', (error: Error) => fail(error));
    parser.on('abort', (error: Error) => fail(error));
    parser.on('end', () => {
      if (failed) return;
      signal?.removeEventListener('abort', onAbort);
      Promise.all(writes).then(() => resolvePromise(files), fail);
    });
    source.on('error', fail);
    gunzip.on('error', (error) => fail(new UnsafeArchiveError(`the layer is not a valid gzip stream (${error.message})`)));
    counter.on('error', fail);
    source.pipe(gunzip).pipe(counter).pipe(parser as unknown as Writable);
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
