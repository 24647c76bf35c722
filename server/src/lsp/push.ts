// Push requests: check a folder, push it as a Flux artifact in the server's registry session
// (one set of credentials) with $/progress and cancellation, and suggestions for the pickers.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ResponseError, ErrorCodes, LSPErrorCodes, type CancellationToken } from 'vscode-languageserver/node';
import * as semver from 'semver';
import type { ServerContext } from './context';
import {
  PreparePushRequest, PushRequest, PushRepositoriesRequest, PushTagSuggestionsRequest,
  type MappedArtifact, type PreparePushParams, type PreparePushResult, type PushResultInfo,
} from '../protocol';
import { parseReference, type Reference } from '../oci/reference';
import { RegistryError } from '../oci/registry';
import { checkArtifact } from '../push/checks';
import { publishArtifact, PushRefusedError } from '../push/publish';
import { nodeAtPath } from '../language/yamlPath';
import { scalarString } from '../language/fluxObjects';
import type { ArtifactProgress } from '../oci/artifact/push';
import { applyGraphOf, keyOf } from '../language/applyGraph';
import { originText } from '../language/artifacts/lookup';

/** Most lines of a refusal's details shown in the message. */
const MAX_DETAILS = 12;
const REPORT_INTERVAL_MS = 100;

function pathOf(folder: string): string {
  return folder.startsWith('file:') ? fileURLToPath(folder) : folder;
}

/**
 * The Kustomizations whose source is the artifact built from `folder` and pushed to `ref`'s
 * repository (the artifact map places them there), outermost first: those whose own file is not
 * applied by another of them.
 */
function syncedFromGraph(graph: ReturnType<typeof applyGraphOf>, ref: Reference, folder: string): Array<{ uri: string; documentIndex: number; name: string }> {
  const repository = `${ref.registry}/${ref.repository}`;
  const folderKey = keyOf(folder.startsWith('file:') ? folder : pathToFileURL(folder).href).replace(/\/?$/, '/');
  // A FluxInstance's Kustomization is the Operator's; the user's start below it.
  const appliers = graph.allAppliers().filter((a) => !a.facts.madeBy && a.artifact && a.artifact.repository === repository && keyOf(a.artifact.folder).replace(/\/?$/, '/') === folderKey && a.facts.name);
  const applied = new Set(appliers.flatMap((a) => graph.filesAppliedBy(a)));
  const outer = appliers.filter((a) => !applied.has(a.uri));
  return (outer.length ? outer : appliers).map((a) => ({ uri: a.uri, documentIndex: a.documentIndex, name: a.facts.name! }));
}

function referenceOf(text: string): Reference {
  let ref: Reference;
  try {
    ref = parseReference(text);
  } catch (error) {
    throw new ResponseError(ErrorCodes.InvalidParams, (error as Error).message);
  }
  if (ref.digest) throw new ResponseError(ErrorCodes.InvalidParams, `push needs a tag, not a digest: ${text}`);
  return ref.tag ? ref : ref.withTag('latest');
}

function abortOn(token: CancellationToken): AbortController {
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort(new Error('cancelled'));
  token.onCancellationRequested(() => controller.abort(new Error('cancelled')));
  return controller;
}

function userError(error: unknown): ResponseError<void> {
  if (error instanceof ResponseError) return error;
  if (error instanceof PushRefusedError) {
    const shown = error.details.slice(0, MAX_DETAILS);
    const more = error.details.length - shown.length;
    const lines = [error.message + (shown.length ? ':' : ''), ...shown.map((d) => `  ${d}`), ...(more > 0 ? [`  … and ${more} more`] : [])];
    return new ResponseError(ErrorCodes.InvalidRequest, lines.join('\n'));
  }
  return new ResponseError(ErrorCodes.InternalError, error instanceof Error ? error.message : String(error));
}

const size = (bytes: number) => (bytes < 1_000_000 ? `${Math.ceil(bytes / 1000)} kB` : `${(bytes / 1_000_000).toFixed(1)} MB`);

export function registerPush(ctx: ServerContext): void {
  const { connection } = ctx;

  const syncedFrom = (ref: Reference, folder: string): Pick<PreparePushResult, 'syncedBy'> => {
    const found = syncedFromGraph(applyGraphOf(ctx.index), ref, folder);
    return found.length ? { syncedBy: found } : {};
  };
  connection.onRequest(PreparePushRequest, async (params: PreparePushParams, token): Promise<PreparePushResult> => {
    const ref = referenceOf(params.reference);
    const { signal } = abortOn(token);
    try {
      const report = await checkArtifact(pathOf(params.folder), { ignore: params.ignorePaths, signal });
      const existing = await ctx.registry.clientFor(ref.registry).headManifest(ref, { signal });
      return {
        files: report.files,
        bytes: report.bytes,
        lintErrors: report.lintErrors.map(({ path, line, column, code, message }) => ({ path, line, column, code, message })),
        lintWarnings: report.lintWarnings,
        secrets: report.secrets,
        existingDigest: existing?.digest,
        ...syncedFrom(ref, params.folder),
      };
    } catch (error) {
      throw userError(error);
    }
  });

  connection.onRequest(PushRequest, async (params, token): Promise<PushResultInfo> => {
    const ref = referenceOf(params.reference);
    const controller = abortOn(token);
    const progress = connection.languages.attachWorkDoneProgress(params);
    progress.begin(`Pushing ${ref}`, 0, 'checking files', true);
    let lastReport = 0;
    let packedLine = '';
    const onProgress = ({ phase, done, total }: ArtifactProgress) => {
      const now = Date.now();
      const last = phase === 'manifest' || (total > 0 && done === total);
      if (!last && now - lastReport < REPORT_INTERVAL_MS) return;
      lastReport = now;
      if (phase === 'build' && total > 0) {
        packedLine = `packed ${done}/${total} files`;
        progress.report(Math.round((done / total) * 30), packedLine);
      } else if (phase === 'upload' && total > 0) {
        progress.report(30 + Math.round((done / total) * 65), `${packedLine}; uploaded ${size(done)} of ${size(total)}`);
      } else if (phase === 'manifest') progress.report(98, 'tagging');
    };
    try {
      const result = await publishArtifact(ctx.registry.clientFor(ref.registry), ref, pathOf(params.folder), {
        signal: controller.signal,
        ignore: params.ignorePaths,
        source: params.source,
        revision: params.revision,
        extra: params.annotations,
        reproducible: params.reproducible,
        allowLintErrors: params.allowLintErrors,
        overwrite: params.overwriteDigest ?? false,
        onProgress,
      });
      return {
        url: `oci://${ref.repositoryReference}@${result.digest}`,
        repository: ref.repositoryReference.toString(),
        tag: ref.tag!,
        digest: result.digest,
        files: result.report.files,
        layerSize: result.layer.size,
        replaced: result.replaced,
        unchanged: result.unchanged,
      };
    } catch (error) {
      if (controller.signal.aborted) throw new ResponseError(LSPErrorCodes.RequestCancelled, `push of ${ref} cancelled; the tag was not changed`);
      throw userError(error);
    } finally {
      progress.done();
    }
  });

  connection.onRequest(PushRepositoriesRequest, async (params) => {
    await ctx.workspaceIndexed();
    const mapped = params?.folder ? mappedArtifacts(ctx, params.folder) : undefined;
    const repositories = new Set<string>();
    for (const object of ctx.index.objectsOfKind('OCIRepository')) {
      const document = ctx.index.documentOf(object);
      if (!document) continue;
      const url = scalarString(nodeAtPath(document.parsed.yaml, ['spec', 'url']).value);
      if (!url?.startsWith('oci://')) continue;
      try {
        repositories.add(`oci://${parseReference(url).repositoryReference}`);
      } catch {
        // not a valid reference: the diagnostics say so
      }
    }
    return { repositories: [...repositories].sort(), ...(mapped ? { mapped } : {}) };
  });

  connection.onRequest(PushTagSuggestionsRequest, async ({ repository }, token) => {
    let ref: Reference;
    try {
      ref = parseReference(repository).repositoryReference;
    } catch (error) {
      throw new ResponseError(ErrorCodes.InvalidParams, (error as Error).message);
    }
    let tags: string[];
    try {
      tags = await ctx.registry.clientFor(ref.registry).listTags(ref, { signal: abortOn(token).signal });
    } catch (error) {
      if (error instanceof RegistryError && error.status === 404) return { tags: [] };
      throw userError(error);
    }
    const versions = tags
      .map((tag) => ({ tag, version: semver.parse(tag.replace(/^v/, '')) }))
      .filter((v): v is { tag: string; version: semver.SemVer } => v.version !== null)
      .sort((a, b) => semver.rcompare(a.version, b.version));
    const stable = versions.filter((v) => v.version.prerelease.length === 0);
    const newest = (stable[0] ?? versions[0])?.tag;
    const nextVersion = newest ? semver.inc(newest.replace(/^v/, ''), 'patch') : null;
    const nextPatch = newest && nextVersion ? `${newest.startsWith('v') ? 'v' : ''}${nextVersion}` : undefined;
    return { newest, nextPatch, tags: versions.map((v) => v.tag) };
  });
}

/** The artifacts the map says are built from a folder (a file: URI or a path). */
function mappedArtifacts(ctx: ServerContext, folder: string): MappedArtifact[] {
  const uri = folder.startsWith('file:') ? folder : pathToFileURL(folder).href;
  const key = keyOf(uri.endsWith('/') ? uri : `${uri}/`);
  const graph = applyGraphOf(ctx.index);
  const relative = (u: string) => graph.describeFolder(keyOf(u)).replace(/^\.\//, '');
  return graph.artifactMap.filter((e) => e.folder === key).map((e) => ({
    repository: `oci://${e.repository}`,
    ...(e.tag !== undefined ? { tag: e.tag } : {}),
    ignorePaths: e.ignorePaths,
    ...(e.annotations ? { annotations: e.annotations } : {}),
    origin: originText(e, relative),
  }));
}
