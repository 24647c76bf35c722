// fluxOci/artifactStatus: local versus published for the editor's status item. Each artifact
// of the map is compared with what its registry holds at the tag the workspace syncs, in the
// window's registry session (its credentials, its cache of clients); never in an untrusted
// workspace.
import { ResponseError, LSPErrorCodes } from 'vscode-languageserver/node';
import { signalOf } from './explorer';
import type { ServerContext } from './context';
import { ArtifactStatusRequest, type PublishedArtifactStatus } from '../protocol';
import { applyGraphOf } from '../language/applyGraph';
import { documentGraphFacts, type SourceFacts } from '../language/applyFacts';
import { originText } from '../language/artifacts/lookup';
import { compareWithPublished, describeStatus, statusTargets, syncedTags } from '../registry/artifactStatus';

const SOURCE_KINDS = ['OCIRepository', 'FluxInstance', 'HelmRelease'];

export function registerArtifactStatus(ctx: ServerContext): void {
  ctx.connection.onRequest(ArtifactStatusRequest, async (_params, token) => {
    await ctx.workspaceIndexed();
    if (!ctx.registry.trusted) return { artifacts: [] };
    const graph = applyGraphOf(ctx.index);
    const sources: SourceFacts[] = [];
    for (const kind of SOURCE_KINDS) {
      for (const object of ctx.index.objectsOfKind(kind)) {
        const doc = ctx.index.documentOf(object);
        const source = doc ? documentGraphFacts(doc.parsed).source : undefined;
        if (source) sources.push(source);
      }
    }
    const shown = (uri: string) => graph.describeFolder(uri).replace(/^\.\//, '');
    const signal = signalOf(token);
    const artifacts: PublishedArtifactStatus[] = [];
    for (const { entry, tag } of statusTargets(graph.artifactMap, syncedTags(sources))) {
      if (signal.aborted) throw new ResponseError(LSPErrorCodes.RequestCancelled, 'cancelled');
      const client = ctx.registry.clientFor(entry.repository.split('/')[0]);
      const status = await compareWithPublished(client, entry, tag, { folder: graph.describeFolder(entry.folder), origin: originText(entry, shown) }, signal);
      artifacts.push({ ...status, summary: describeStatus(status) });
    }
    return { artifacts };
  });
}
