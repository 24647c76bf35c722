// A read-only file system over artifacts in registries: `oci-artifact://<host>/<repo>@sha256:…/<path>`.
// URIs are pinned to a manifest digest, so content never changes under a URI and can be cached.
// The server unpacks (safely, within the size limit) and serves the files; nothing is written
// into the workspace.
import * as vscode from 'vscode';
import type { FluxLanguageClient } from '../languageClient';
import { ReadArtifactTreeRequest, ReadArtifactFileRequest, type ArtifactEntry } from '../../../server/src/protocol';

export const ARTIFACT_SCHEME = 'oci-artifact';

/** `oci://host/repo[:tag]@sha256:…` → the artifact's root URI. */
export function artifactRootUri(pinnedReference: string): vscode.Uri {
  const m = /^(?:oci:\/\/)?([^/]+)\/(.+?)(?::[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?@(sha256:[a-f0-9]{64})$/.exec(pinnedReference);
  if (!m) throw new Error(`not a digest-pinned reference: ${pinnedReference}`);
  return vscode.Uri.from({ scheme: ARTIFACT_SCHEME, authority: m[1], path: `/${m[2]}@${m[3]}` });
}

export function artifactFileUri(pinnedReference: string, path: string): vscode.Uri {
  const root = artifactRootUri(pinnedReference);
  return root.with({ path: `${root.path}/${path}` });
}

/** Splits an artifact URI into the pinned reference and the path inside the artifact. */
export function parseArtifactUri(uri: vscode.Uri): { reference: string; path: string } {
  const m = /^\/(.+?@sha256:[a-f0-9]{64})(?:\/(.*))?$/.exec(uri.path);
  if (!m) throw vscode.FileSystemError.FileNotFound(uri);
  return { reference: `oci://${uri.authority}/${m[1]}`, path: (m[2] ?? '').replace(/\/+$/, '') };
}

export class ArtifactFileSystem implements vscode.FileSystemProvider {
  private readonly trees = new Map<string, Promise<Map<string, ArtifactEntry>>>();
  private readonly changeEmitter = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.changeEmitter.event;

  constructor(private readonly client: FluxLanguageClient) {}

  private tree(reference: string): Promise<Map<string, ArtifactEntry>> {
    let tree = this.trees.get(reference);
    if (!tree) {
      tree = this.client.request(ReadArtifactTreeRequest, { reference }).then((result) => new Map(result.entries.map((e) => [e.path, e])));
      tree.catch(() => this.trees.delete(reference));
      this.trees.set(reference, tree);
    }
    return tree;
  }

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    const { reference, path } = parseArtifactUri(uri);
    if (path === '') return { type: vscode.FileType.Directory, ctime: 0, mtime: 0, size: 0, permissions: vscode.FilePermission.Readonly };
    const entry = (await this.tree(reference)).get(path);
    if (!entry) throw vscode.FileSystemError.FileNotFound(uri);
    return { type: entry.type === 'file' ? vscode.FileType.File : vscode.FileType.Directory, ctime: 0, mtime: 0, size: entry.size, permissions: vscode.FilePermission.Readonly };
  }

  async readDirectory(uri: vscode.Uri): Promise<[string, vscode.FileType][]> {
    const { reference, path } = parseArtifactUri(uri);
    const prefix = path ? `${path}/` : '';
    const out: [string, vscode.FileType][] = [];
    for (const entry of (await this.tree(reference)).values()) {
      if (!entry.path.startsWith(prefix)) continue;
      const rest = entry.path.slice(prefix.length);
      if (rest && !rest.includes('/')) out.push([rest, entry.type === 'file' ? vscode.FileType.File : vscode.FileType.Directory]);
    }
    return out;
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    const { reference, path } = parseArtifactUri(uri);
    const result = await this.client.request(ReadArtifactFileRequest, { reference, path });
    return Buffer.from(result.base64, 'base64');
  }

  watch(): vscode.Disposable {
    // Content under a digest never changes.
    return new vscode.Disposable(() => undefined);
  }

  createDirectory(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(uri);
  }
  writeFile(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(uri);
  }
  delete(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(uri);
  }
  rename(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(uri);
  }
}
