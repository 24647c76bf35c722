// What an OCIRepository resolves to, shown in place: an inlay hint after `ref:` (or the url when
// there is no ref) with the tag and digest Flux would pull, and a hover on url/ref with the
// registry, the number of tags, the resolved digest, its annotations and whether it is signed.
// Hints use only what the cache holds; hover may wait briefly for missing answers.
import { InlayHintKind, type CancellationToken, type InlayHint, type Range as LspRange } from 'vscode-languageserver/node';
import type { YamlFile } from '../language/documents';
import type { Position } from '../language/types';
import { resolveTarget } from '../registry/liveFindings';
import { signatureState, type Resolution } from '../registry/resolve';
import { targetsOf, type OciSourceTarget } from '../registry/targets';
import type { TagCache, Want } from '../registry/tagCache';
import type { ServerContext } from './context';

const HOVER_ROUNDS = 4;
const HOVER_ROUND_MS = 1500;
const short = (digest: string) => `${digest.slice(0, 'sha256:'.length + 12)}…`;

/** `→ v1.4.2 @ sha256:ab12…` for a resolved ref; undefined while unknown. */
export function resolutionLabel(r: Resolution): string | undefined {
  if (r.state !== 'resolved' || !r.digest) return undefined;
  return `→ ${r.tag ? `${r.tag} @ ` : ''}${short(r.digest)}`;
}

function lineEnd(file: YamlFile, line: number): Position {
  const start = file.lines.offsetAt({ line, character: 0 });
  const newline = file.text.indexOf('\n', start);
  const end = newline === -1 ? file.text.length : newline;
  const text = file.text.slice(start, end).replace(/\r$/, '');
  return { line, character: text.length };
}

export function createLiveHover(ctx: ServerContext, cache: TagCache) {
  function inlayHints(file: YamlFile, range: LspRange): InlayHint[] {
    if (!cache.enabled) return [];
    const hints: InlayHint[] = [];
    for (const doc of file.documents) {
      const lastLine = doc.chunk.startLine + doc.parsed.lines.lineCount;
      if (lastLine < range.start.line || doc.chunk.startLine > range.end.line) continue;
      for (const target of targetsOf(doc.parsed)) {
        if (target.kind !== 'oci-source') continue;
        const label = resolutionLabel(resolveTarget(cache, target, []));
        if (!label) continue;
        const anchor = (target.refKey ?? target.url.range).start.line + doc.chunk.startLine;
        hints.push({ position: lineEnd(file, anchor), label, kind: InlayHintKind.Type, paddingLeft: true, tooltip: 'What Flux would pull now (digest over semver over tag; no ref means latest)' });
      }
    }
    return hints;
  }

  /** Waits (a little) for the answers a resolution needs, by asking for them and watching the cache. */
  async function settle<T>(compute: (wants: Want[]) => T, pending: (value: T) => boolean, token: CancellationToken): Promise<T> {
    let value: T = compute([]);
    for (let round = 0; round < HOVER_ROUNDS && !token.isCancellationRequested; round++) {
      const wants: Want[] = [];
      value = compute(wants);
      if (!pending(value)) return value;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, HOVER_ROUND_MS);
        const stop = cache.onDidChange(done);
        function done() {
          clearTimeout(timer);
          stop();
          resolve();
        }
        for (const want of wants) cache.ensure(want);
      });
    }
    return value;
  }

  async function hover(file: YamlFile, position: Position, token: CancellationToken): Promise<string | undefined> {
    if (!cache.enabled) return undefined;
    const doc = file.documentAtLine(position.line);
    if (!doc) return undefined;
    const target = targetsOf(doc.parsed).find((t): t is OciSourceTarget => t.kind === 'oci-source');
    if (!target) return undefined;
    // On the url, the ref key or one of the ref's values (not blank lines around them).
    const line = position.line - doc.chunk.startLine;
    const on = [target.url.range, target.refKey, target.tag?.range, target.semver?.range, target.digest?.range]
      .some((r) => r && r.start.line === line && position.character >= r.start.character && position.character <= Math.max(r.end.character, r.start.character + 1) + (r === target.refKey ? 0 : 1));
    if (!on) return undefined;
    const repo = target.repo;
    type State = { r: Resolution; signed?: ReturnType<typeof signatureState> };
    const state = await settle<State>((wants) => {
      const r = resolveTarget(cache, target, wants);
      const signed = r.state === 'resolved' && r.digest ? signatureState(cache, repo, r.digest, target.verify?.value ?? 'cosign', wants) : undefined;
      return { r, signed };
    }, (s) => s.r.state === 'pending' || (s.r.state === 'resolved' && (!s.r.info || s.signed === 'pending')), token);
    const rows = [`**Registry** \`${repo.registry}\`, repository \`${repo.repository}\`${repo.insecure ? ' (plain HTTP allowed)' : ''}`];
    const r = state.r;
    switch (r.state) {
      case 'pending':
      case 'unknown':
        return undefined; // offline or unreachable: no noise
      case 'auth':
        rows.push('The registry asks for credentials: run "Flux OCI: Sign in to Registry…" or `docker login`.');
        break;
      case 'repository-not-found':
        rows.push('The repository does not exist on this registry.');
        break;
      case 'tag-not-found':
        rows.push(`Tag \`${r.tag}\` does not exist${r.nearest.length ? `; nearest: ${r.nearest.map((t) => `\`${t}\``).join(', ')}` : ''}.`);
        break;
      case 'semver-no-match':
        rows.push(`No tag matches \`${r.range}\`.`);
        break;
      case 'digest-not-found':
        rows.push(`Digest \`${r.digest}\` does not exist in this repository.`);
        break;
      case 'resolved': {
        const how = { digest: 'ref.digest', semver: `ref.semver \`${target.semver?.value ?? ''}\``, tag: 'ref.tag', latest: 'no ref: the tag latest' }[r.via];
        rows.push(`${r.tagCount} tags. Flux pulls ${r.tag ? `\`${r.tag}\`` : 'the digest'}${r.digest ? ` @ \`${r.digest}\`` : ''} (from ${how}).`);
        const a = r.info?.annotations ?? {};
        if (a['org.opencontainers.image.created']) rows.push(`Created ${a['org.opencontainers.image.created']}`);
        if (a['org.opencontainers.image.source']) rows.push(`Source ${a['org.opencontainers.image.source']}`);
        if (a['org.opencontainers.image.revision']) rows.push(`Revision \`${a['org.opencontainers.image.revision']}\``);
        const provider = target.verify?.value ?? 'cosign';
        if (state.signed === 'signed') rows.push(`Signed (${provider} signature found).`);
        else if (state.signed === 'unsigned') rows.push(`Not signed: no ${provider} signature found${target.verify ? '; spec.verify will fail' : ''}.`);
        else rows.push('Signature: not known yet.');
      }
    }
    return rows.join('  \n');
  }

  return { inlayHints, hover };
}
