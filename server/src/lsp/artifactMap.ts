// The artifact map in the server: read from the map files of each workspace root when the
// folders are known, then kept current file by file (an edit of a workflow in the editor, a
// saved Makefile reported by the file watcher), each file's entries cached, so one changed file
// costs its own parse and a comparison of the whole map (the graph rebuilds only if it changed).
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { WorkspaceIndex } from '../language/workspaceIndex';
import { applyGraphOf, keyOf, type WorkspaceRoot } from '../language/applyGraph';
import { entriesOfFile } from '../language/artifacts/collect';
import { readCiPushes } from '../language/artifacts/ci';
import { artifactMapFiles, mayTellArtifacts, readMapFile } from '../language/artifacts/discover';
import type { ArtifactMapEntry } from '../language/artifacts/types';

export class ServerArtifactMap {
  private roots: readonly WorkspaceRoot[] = [];
  /** Map file URI → its entries (sorted by URI when the map is assembled). */
  private readonly byFile = new Map<string, ArtifactMapEntry[]>();
  private readonly unsubscribe: () => void;

  constructor(private readonly index: WorkspaceIndex) {
    // YAML map files (the declared map, workflows, GitLab CI, Taskfiles) are indexed: their
    // edits in the editor reach the map as they are typed.
    this.unsubscribe = index.onDidChangeFile((uri) => {
      if (!this.tells(uri)) return;
      const file = index.file(uri);
      this.setFile(uri, file?.text);
    });
  }

  dispose(): void {
    this.unsubscribe();
  }

  /** Reads the map files under the roots from disk (start-up, workspace folders changed). */
  setRoots(roots: readonly WorkspaceRoot[]): void {
    this.roots = roots;
    this.byFile.clear();
    for (const root of roots) {
      for (const path of artifactMapFiles(fileURLToPath(root.uri))) {
        const uri = pathToFileURL(path).href;
        const open = this.index.file(uri);
        const text = open?.text ?? readMapFile(path);
        if (text !== undefined) this.byFile.set(keyOf(uri), entriesOfFile({ uri, text }, roots, readCiPushes));
      }
    }
    this.publish();
  }

  /** Does this file (by URI) tell the map? */
  tells(uri: string): boolean {
    const key = keyOf(uri);
    const root = this.roots.find((r) => key.startsWith(keyOf(r.uri)));
    return root !== undefined && mayTellArtifacts(key.slice(keyOf(root.uri).length));
  }

  /** A map file changed (text) or went away (undefined). */
  setFile(uri: string, text: string | undefined): void {
    if (!this.tells(uri)) return;
    const key = keyOf(uri);
    if (text === undefined) this.byFile.delete(key);
    else this.byFile.set(key, entriesOfFile({ uri, text }, this.roots, readCiPushes));
    this.publish();
  }

  entries(): ArtifactMapEntry[] {
    return [...this.byFile.keys()].sort().flatMap((key) => this.byFile.get(key)!);
  }

  private publish(): void {
    applyGraphOf(this.index).setArtifacts(this.entries());
  }
}
