// LSP handlers of the registry explorer, artifact preview, diff and tag actions: each converts
// a protocol request into a call on the registry session's explorer/artifact store and back.
import { ResponseError, LSPErrorCodes, type CancellationToken, type WorkspaceEdit, type TextEdit } from 'vscode-languageserver/node';
import {
  ListRegistriesRequest, ListRepositoriesRequest, ListTagsRequest, ReadArtifactTreeRequest, ReadArtifactFileRequest,
  CompareWithFolderRequest, AddTagRequest, DeleteTagRequest, PullToFolderRequest, PinDigestEditRequest, OciRepositoryTemplateRequest,
  ExplorerChangedNotification,
} from '../protocol';
import type { ServerContext } from './context';
import { RegistryExplorer } from '../registry/explorer';
import { ArtifactStore, classifyError, errorMessage, parseArtifactReference, ociUrl } from '../registry/artifacts';
import { isValidTag, type Reference } from '../oci/reference';
import { RegistryError } from '../oci/registry';
import { findPair, scalarString } from '../language/fluxObjects';
import { ociUrlOf } from '../language/workspaceIndex';
import { setField } from '../language/rules/edits';
import { ociRepositoryPair } from '../registry/template';
import { applyGraphOf } from '../language/applyGraph';
import { originText } from '../language/artifacts/lookup';
import type { ExplorerRepository } from '../protocol';

/** Marks the repositories a workspace folder is built into (the artifact map), with the folder and how that is known. */
function withBuiltFrom<T extends { repositories: ExplorerRepository[] }>(ctx: ServerContext, result: T): T {
  const graph = applyGraphOf(ctx.index);
  const entries = graph.artifactMap;
  if (entries.length === 0) return result;
  const shown = (uri: string) => graph.describeFolder(uri).replace(/^\.\//, '');
  for (const repository of result.repositories) {
    const key = repository.repository.replace(/^oci:\/\//, '').toLowerCase();
    const from = entries.filter((e) => e.repository === key)
      .map((e) => `${graph.describeFolder(e.folder)}${e.tag ? ` (tag ${e.tag})` : ''} — ${originText(e, shown)}`);
    if (from.length) repository.builtFrom = [...new Set(from)];
  }
  return result;
}

/** An AbortSignal that follows an LSP cancellation token. */
export function signalOf(token: CancellationToken): AbortSignal {
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort(new Error('cancelled'));
  else token.onCancellationRequested(() => controller.abort(new Error('cancelled')));
  return controller.signal;
}

/** Runs a handler; errors become ResponseErrors with a user message and a `kind`. */
async function answer<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ResponseError) throw error;
    const kind = error instanceof RegistryError && /cannot delete a tag on its own/.test(error.message) ? 'tagDeleteUnsupported' : classifyError(error);
    throw new ResponseError(LSPErrorCodes.RequestFailed, errorMessage(error), { kind });
  }
}

function reference(text: string): Reference {
  try {
    return parseArtifactReference(text);
  } catch (error) {
    throw new ResponseError(LSPErrorCodes.RequestFailed, errorMessage(error), { kind: 'other' });
  }
}

/** `spec.url` of every OCIRepository and OCI HelmRepository in the workspace index. */
export function workspaceOciUrls(ctx: ServerContext): string[] {
  const urls: string[] = [];
  for (const kind of ['OCIRepository', 'HelmRepository']) {
    for (const object of ctx.index.objectsOfKind(kind)) {
      const parsed = ctx.index.documentOf(object)?.parsed;
      const url = parsed ? ociUrlOf(parsed) : undefined;
      if (url) urls.push(url);
    }
  }
  // Repositories the workspace publishes (the artifact map), even where no OCIRepository names them.
  for (const entry of applyGraphOf(ctx.index).artifactMap) urls.push(`oci://${entry.repository}`);
  return urls;
}

/** The pin-digest edit: every OCIRepository whose url is `ref`'s repository gets `ref: {digest}`. */
export function pinDigestEdit(ctx: ServerContext, ref: Reference, digest: string): { edit: WorkspaceEdit; objects: { uri: string; name: string; namespace?: string }[] } {
  const changes: Record<string, TextEdit[]> = {};
  const objects: { uri: string; name: string; namespace?: string }[] = [];
  for (const object of ctx.index.objectsOfKind('OCIRepository')) {
    const doc = ctx.index.documentOf(object);
    if (!doc) continue;
    const url = scalarString(findPair(findPair(doc.parsed.yaml.contents, 'spec')?.value, 'url')?.value);
    if (!url) continue;
    let target: Reference;
    try {
      target = parseArtifactReference(url.replace(/\/+$/, ''));
    } catch {
      continue;
    }
    if (target.registry !== ref.registry || target.repository !== ref.repository) continue;
    // `ref` becomes the digest alone: Flux would ignore a tag or semver next to it.
    const edits = setField(doc, ['spec'], 'ref', `digest: ${digest}`, true);
    if (!edits) continue;
    (changes[object.uri] ??= []).push(...edits);
    objects.push({ uri: object.uri, name: object.identity.name, ...(object.identity.namespace ? { namespace: object.identity.namespace } : {}) });
  }
  return { edit: { changes }, objects };
}

export function registerExplorer(ctx: ServerContext): void {
  const { connection } = ctx;
  const explorer = new RegistryExplorer(ctx.registry);
  const store = new ArtifactStore(ctx.registry);
  ctx.registry.onDidChange(() => {
    explorer.clear();
    void store.clear();
  });
  process.once('exit', () => store.dispose());
  connection.onShutdown(() => store.dispose());

  // Tell the client when the workspace starts or stops naming a repository (after the initial
  // scan, file changes and edits), so its tree is never stuck on what it saw at start-up.
  let lastSeen = '';
  let timer: NodeJS.Timeout | undefined;
  const check = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const urls = [...new Set(workspaceOciUrls(ctx).map((u) => u.replace(/\/+$/, '')))].sort();
      const key = urls.join('\n');
      if (key === lastSeen) return;
      lastSeen = key;
      void connection.sendNotification(ExplorerChangedNotification, { registries: explorer.registries([], urls).map((r) => r.registry) });
    }, 300);
  };
  const revalidateAll = ctx.revalidateAll.bind(ctx);
  ctx.revalidateAll = () => {
    revalidateAll();
    check();
  };
  ctx.documents.onDidChangeContent(check);

  connection.onRequest(ListRegistriesRequest, ({ configured }) => ({ registries: explorer.registries(configured ?? [], workspaceOciUrls(ctx)) }));

  connection.onRequest(ListRepositoriesRequest, ({ registry, configured }, token) =>
    answer(async () => withBuiltFrom(ctx, await explorer.repositories(registry, configured ?? [], workspaceOciUrls(ctx), signalOf(token)))));

  connection.onRequest(ListTagsRequest, ({ repository, offset, limit, refresh }, token) =>
    answer(() => explorer.tags(repository, { offset, limit, refresh, signal: signalOf(token) })));

  connection.onRequest(ReadArtifactTreeRequest, ({ reference: text }, token) =>
    answer(async () => {
      const artifact = await store.open(reference(text), signalOf(token));
      return { reference: ociUrl(artifact.reference), digest: artifact.digest, annotations: artifact.annotations, layer: artifact.layer, entries: artifact.entries };
    }));

  connection.onRequest(ReadArtifactFileRequest, ({ reference: text, path }, token) =>
    answer(async () => {
      const bytes = await store.readFile(ociUrl(reference(text)), path, signalOf(token));
      return { base64: bytes.toString('base64'), size: bytes.length };
    }));

  connection.onRequest(CompareWithFolderRequest, ({ reference: text, folder, ignorePaths }, token) =>
    answer(async () => {
      const { artifact, diff } = await store.compare(ociUrl(reference(text)), folder, ignorePaths ?? [], signalOf(token));
      return { reference: ociUrl(artifact.reference), digest: artifact.digest, ...diff };
    }));

  connection.onRequest(AddTagRequest, ({ reference: text, tag }, token) =>
    answer(async () => {
      const ref = reference(text);
      if (!isValidTag(tag)) throw new ResponseError(LSPErrorCodes.RequestFailed, `"${tag}" is not a valid tag: up to 128 letters, digits, ".", "_" and "-", not starting with "." or "-"`, { kind: 'other' });
      const digest = await ctx.registry.clientFor(ref.registry).tag(ref, tag, { signal: signalOf(token) });
      explorer.invalidate(ref);
      return { reference: ociUrl(ref.withTag(tag)), digest };
    }));

  connection.onRequest(DeleteTagRequest, ({ reference: text, manifest }, token) =>
    answer(async () => {
      const ref = reference(text);
      const client = ctx.registry.clientFor(ref.registry);
      const signal = signalOf(token);
      try {
        if (manifest || ref.digest) {
          const digest = await client.deleteManifest(ref, { signal });
          return { deleted: 'manifest' as const, digest };
        }
        await client.deleteTag(ref, { signal });
        return { deleted: 'tag' as const };
      } finally {
        explorer.invalidate(ref);
      }
    }));

  connection.onRequest(PullToFolderRequest, ({ reference: text, folder }, token) =>
    answer(async () => {
      const result = await store.pull(ociUrl(reference(text)), folder, signalOf(token));
      return { reference: ociUrl(result.reference), digest: result.digest, files: result.files };
    }));

  connection.onRequest(PinDigestEditRequest, ({ reference: text }, token) =>
    answer(async () => {
      let ref = reference(text);
      if (!ref.digest) ref = ref.withDigest((await store.manifest(ref, signalOf(token))).digest);
      const digest = ref.digest as string;
      return { ...pinDigestEdit(ctx, ref, digest), digest };
    }));

  connection.onRequest(OciRepositoryTemplateRequest, ({ reference: text }) =>
    answer(async () => ({ text: ociRepositoryPair(reference(text), { insecureHosts: ctx.registry.current.insecureHosts }) })));
}
