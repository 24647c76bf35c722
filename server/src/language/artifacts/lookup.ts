// Which map entry an OCI source syncs: by repository, then by tag. Entries come most
// authoritative first (see ArtifactOriginKind), and an entry for one tag wins over one for every tag.
import { normalizeRepository, type ArtifactMapEntry, type ArtifactOriginKind } from './types';

const AUTHORITY: Record<ArtifactOriginKind, number> = { option: -1, declared: 0, ci: 1, push: 2, structure: 3 };

/**
 * The entry the source `url` at `tag` is built from (tag undefined: a digest or semver ref,
 * which may pick any tag). When entries of one repository disagree on the folder for an
 * unknown tag, none is chosen: the content cannot be known.
 */
export function findArtifact(entries: readonly ArtifactMapEntry[], url: string, tag: string | undefined): ArtifactMapEntry | undefined {
  const repository = normalizeRepository(url);
  if (!repository) return undefined;
  const ofRepository = entries.filter((e) => e.repository === repository);
  if (ofRepository.length === 0) return undefined;
  const best = (list: ArtifactMapEntry[]) => [...list].sort((a, b) => AUTHORITY[a.origin.kind] - AUTHORITY[b.origin.kind])[0];
  if (tag !== undefined) {
    const exact = ofRepository.filter((e) => e.tag === tag);
    if (exact.length) return best(exact);
    const any = ofRepository.filter((e) => e.tag === undefined);
    if (any.length) return best(any);
    // Only other tags are known to be pushed from here: this tag's content is unknown.
    return undefined;
  }
  const top = best(ofRepository);
  const sameAuthority = ofRepository.filter((e) => AUTHORITY[e.origin.kind] === AUTHORITY[top.origin.kind]);
  return sameAuthority.every((e) => e.folder === top.folder) ? top : undefined;
}

/** Where an entry was learned, in words: `from .github/workflows/publish.yaml:14`. */
export function originText(entry: ArtifactMapEntry, relative: (uri: string) => string): string {
  const { origin } = entry;
  const where = origin.uri ? ` ${relative(origin.uri)}${origin.line !== undefined ? `:${origin.line + 1}` : ''}` : '';
  switch (origin.kind) {
    case 'option': return 'given with --artifact';
    case 'declared': return `declared in${where || ' the artifact map'}`;
    case 'ci': return `from${where || ' a CI file'}`;
    case 'push': return `recorded after a push${where ? ` in${where}` : ''}`;
    case 'structure': return 'inferred from where the Kustomizations and their files fit';
  }
}
