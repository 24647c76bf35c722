// Hover on a `$imagepolicy` marker or an ImagePolicy's name/policy: the tag the policy would
// select now from the live registry, and what the marker would write. Uses the window's TagCache;
// waits at most a moment for a tag list it does not hold yet, then says "checking registry…"
// (the fetch goes on, held by this hover so a diagnostics pass does not cancel it; the next
// hover shows the answer). Offline, untrusted or live checks off:
// nothing.
import type { CancellationToken } from 'vscode-languageserver/node';
import type { YamlFile } from '../language/documents';
import type { Position } from '../language/types';
import { imagePolicyTargetAt } from '../registry/imagePolicyTarget';
import { selectImageTag } from '../registry/imagePolicySelect';
import type { TagCache, CacheEntry, RepositoryRef } from '../registry/tagCache';
import type { ServerContext } from './context';

/** Longest a hover waits for the registry. */
const HOVER_WAIT_MS = 1200;

const code = (text: string) => `\`${text.replace(/`/g, "'")}\``;
const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

export function createImagePolicyHover(ctx: ServerContext, cache: TagCache) {
  /** Resolves when `peek` holds an answer, the cache changes nothing for a while, or the hover is cancelled. */
  async function waitFor<T>(peek: () => CacheEntry<T> | undefined, start: () => void, token: CancellationToken): Promise<CacheEntry<T> | undefined> {
    const answered = (e: CacheEntry<T> | undefined) => e !== undefined && (e.value !== undefined || e.error !== undefined);
    if (answered(peek())) return peek();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, HOVER_WAIT_MS);
      const stop = cache.onDidChange(() => {
        if (answered(peek())) done();
      });
      const cancel = token.onCancellationRequested(done);
      function done() {
        clearTimeout(timer);
        stop();
        cancel.dispose();
        resolve();
      }
      start();
    });
    return peek();
  }

  const CHECKING = '**Selects now:** checking registry… (hover again in a moment)';

  return async function hover(file: YamlFile, position: Position, token: CancellationToken): Promise<string | undefined> {
    if (!cache.enabled) return undefined;
    const target = imagePolicyTargetAt(file, position, ctx.index);
    if (!target?.spec || !target.repo) return undefined;
    const repo: RepositoryRef = target.repo;
    if (cache.isDown(repo.registry)) return undefined;
    const tags = await waitFor(() => cache.peekTags(repo), () => void cache.tags(repo).catch(() => undefined), token);
    if (!tags || (tags.value === undefined && tags.error === undefined)) return CHECKING;
    if (tags.value === undefined) {
      switch (tags.error?.kind) {
        case 'auth': return `**Selects now:** unknown: ${code(repo.registry)} asks for credentials (run "Flux OCI: Sign in to Registry…" or \`docker login\`).`;
        case 'not-found': return `**Selects now:** nothing: the repository ${code(`${repo.registry}/${repo.repository}`)} does not exist.`;
        default: return undefined; // unreachable or offline: no noise
      }
    }
    const list = tags.value.filter((t) => !/^sha256-[a-f0-9]{64}(\.(sig|att|sbom))?$/.test(t));
    const result = selectImageTag(list, target.spec);
    const of = (total: number, matched: number) => `of ${plural(total, 'tag')}${target.spec?.pattern ? `; ${matched} match the filter` : ''}`;
    if (result.state === 'invalid') return `**Selects now:** nothing: ${result.reason}.`;
    if (result.state === 'no-match') return `**Selects now:** nothing (${of(result.total, result.matched)}): ${result.reason}.`;
    const rows = [`**Selects now:** ${code(result.tag)} (${of(result.total, result.matched)})${result.value !== result.tag ? `, by the extracted value ${code(result.value)}` : ''}`];
    if (target.fromMarker) {
      const image = `${target.image ?? `${repo.registry}/${repo.repository}`}`.replace(/@.*$/, '').replace(/:[^/]*$/, '');
      switch (target.suffix) {
        case undefined: rows.push(`The marker would write ${code(`${image}:${result.tag}`)}.`); break;
        case 'tag': rows.push(`The marker would write ${code(result.tag)}.`); break;
        case 'name': rows.push(`The marker would write ${code(image)}.`); break;
        case 'digest': {
          const manifest = await waitFor(() => cache.peekManifest(repo, result.tag), () => void cache.manifest(repo, result.tag).catch(() => undefined), token);
          const digest = manifest?.value?.digest;
          rows.push(digest ? `The marker would write ${code(digest)}.` : manifest?.error ? `The digest of ${code(result.tag)} could not be read (${manifest.error.message}).` : `The marker would write the digest of ${code(result.tag)}: checking registry…`);
          break;
        }
      }
    }
    return rows.join('  \n');
  };
}
