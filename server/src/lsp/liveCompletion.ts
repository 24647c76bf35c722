// Completion from the registry: OCIRepository ref.tag / ref.digest / ref.semver and the chart
// version of a HelmRelease whose source is an OCI HelmRepository. Tags come from the window's
// TagCache (a warm list answers at once; a cold one waits for the one listing in flight, which
// the request's cancellation abandons). Versions newest first, then other tags; details (created,
// source, revision) arrive through completionItem/resolve.
import { goPatternTest } from '../language/rules/re2';
import { CompletionItemKind, MarkupKind, type CancellationToken, type CompletionItem } from 'vscode-languageserver/node';
import type { YamlFile } from '../language/documents';
import { cursorContext } from '../language/completion/cursor';
import { documentView } from '../language/completion/documentView';
import { defaultCatalog } from '../language/schemas';
import type { Position } from '../language/types';
import { sortTags } from '../registry/resolve';
import { compareVersions, parseVersion, selectTag, versionTags } from '../registry/semver';
import { helmRepositoryOf, repositoryOf } from '../registry/targets';
import type { ArtifactInfo, RepositoryRef, TagCache } from '../registry/tagCache';
import type { ServerContext } from './context';

/** Most tag items in one answer; more make the list incomplete (typing narrows it server-side). */
export const MAX_TAG_ITEMS = 200;
/** Tags whose digests are fetched for the first answer (newest first). */
const DIGESTS_UP_FRONT = 10;
const COLD_WAIT_MS = 10_000;
const DETAIL_WAIT_MS = 3000;

export interface LiveCompletionResult {
  items: CompletionItem[];
  incomplete: boolean;
}

export interface LiveCompletionData {
  live: 'tag' | 'digest';
  registry: string;
  repository: string;
  insecure?: boolean;
  reference: string;
}

type Field = 'tag' | 'digest' | 'semver' | 'chart-version';

const shortDigest = (d: string) => d.slice(0, 'sha256:'.length + 12);
const needsQuotes = (text: string) => /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^0[xo][0-9a-f]+$|^(true|false|null|yes|no|on|off|y|n|~)$/i.test(text) || /^[*&!|>'"%@`{[]/.test(text) || /[:#] |[:#]$/.test(text);

function linked(token: CancellationToken, ms: number): AbortSignal {
  const controller = new AbortController();
  token.onCancellationRequested(() => controller.abort());
  const timer = setTimeout(() => controller.abort(), ms);
  timer.unref?.();
  return controller.signal;
}

const sortedCache = new WeakMap<string[], string[]>();
function sorted(tags: string[]): string[] {
  let s = sortedCache.get(tags);
  if (!s) {
    s = sortTags(tags);
    sortedCache.set(tags, s);
  }
  return s;
}

export function markdownFor(repo: RepositoryRef, reference: string, info: ArtifactInfo): string {
  const a = info.annotations;
  const rows = [
    `**${reference}** in \`${repo.registry}/${repo.repository}\``,
    '',
    `digest \`${info.digest}\``,
  ];
  if (a['org.opencontainers.image.created']) rows.push(`created ${a['org.opencontainers.image.created']}`);
  if (a['org.opencontainers.image.source']) rows.push(`source ${a['org.opencontainers.image.source']}`);
  if (a['org.opencontainers.image.revision']) rows.push(`revision \`${a['org.opencontainers.image.revision']}\``);
  rows.push(`type \`${info.configMediaType ?? info.artifactType ?? info.mediaType}\``);
  return rows.join('  \n');
}

export function createLiveCompletion(ctx: ServerContext, cache: TagCache) {
  function target(file: YamlFile, position: Position) {
    const view = documentView(file, position.line, defaultCatalog());
    const cursor = cursorContext(view.lines, position.line - view.startLine, position.character);
    if (!cursor || cursor.mode !== 'value') return undefined;
    const path = cursor.path.join('.');
    let field: Field | undefined;
    let repo: RepositoryRef | undefined;
    if (view.kind === 'OCIRepository' && (path === 'spec.ref.tag' || path === 'spec.ref.digest' || path === 'spec.ref.semver')) {
      field = path.slice('spec.ref.'.length) as Field;
      const url = view.lines.scalarAt(['spec', 'url']);
      repo = url ? repositoryOf(url, view.lines.scalarAt(['spec', 'insecure']) === 'true') : undefined;
    } else if (view.kind === 'HelmRelease' && path === 'spec.chart.spec.version') {
      field = 'chart-version';
      const name = view.lines.scalarAt(['spec', 'chart', 'spec', 'sourceRef', 'name']);
      const chart = view.lines.scalarAt(['spec', 'chart', 'spec', 'chart']);
      const namespace = view.lines.scalarAt(['spec', 'chart', 'spec', 'sourceRef', 'namespace']) ?? view.namespace;
      const found = name && chart ? ctx.index.resolve({ kind: 'HelmRepository', name, namespace }) : [];
      const doc = found.length === 1 ? ctx.index.documentOf(found[0]) : undefined;
      repo = doc && chart ? helmRepositoryOf(doc.parsed, chart) : undefined;
    }
    if (!field || !repo) return undefined;
    const before = cursor.start > 0 ? file.text[file.lines.offsetAt({ line: position.line, character: cursor.start - 1 })] : '';
    const quoted = before === '"' || before === "'";
    return {
      field,
      repo,
      partial: cursor.partial.toLowerCase(),
      quoted,
      prefix: cursor.needsSpace ? ' ' : '',
      range: { start: { line: position.line, character: cursor.start }, end: { line: position.line, character: cursor.end } },
      semverFilter: view.lines.scalarAt(['spec', 'ref', 'semverFilter']),
    };
  }

  async function complete(file: YamlFile, position: Position, token: CancellationToken): Promise<LiveCompletionResult | undefined> {
    if (!cache.enabled) return undefined;
    const at = target(file, position);
    if (!at) return undefined;
    let tags: string[];
    try {
      tags = await cache.tags(at.repo, linked(token, COLD_WAIT_MS));
    } catch {
      return undefined; // unreachable, unauthorised (a diagnostic says so), or cancelled
    }
    const text = (value: string) => at.prefix + (at.quoted || !needsQuotes(value) ? value : JSON.stringify(value));
    const item = (label: string, newText: string, order: number, extra: Partial<CompletionItem> = {}): CompletionItem => ({
      label,
      kind: CompletionItemKind.Value,
      sortText: String(order).padStart(5, '0'),
      filterText: label,
      textEdit: { range: at.range, newText },
      ...extra,
    });
    const data = (reference: string, live: 'tag' | 'digest'): LiveCompletionData => ({ live, registry: at.repo.registry, repository: at.repo.repository, ...(at.repo.insecure ? { insecure: true } : {}), reference });

    if (at.field === 'semver') return { items: semverItems(tags, at.semverFilter).map((r, i) => item(r.range, at.prefix + (at.quoted ? r.range : JSON.stringify(r.range)), i, { detail: `→ ${r.tag}`, kind: CompletionItemKind.Constant })), incomplete: false };

    const all = sorted(tags);
    const matching = at.partial ? all.filter((t) => t.toLowerCase().includes(at.partial)) : all;
    const shown = matching.slice(0, at.field === 'digest' ? DIGESTS_UP_FRONT : MAX_TAG_ITEMS);
    // The newest tags' digests: fetched once (then cached), so the first answer shows them too.
    const first = shown.slice(0, DIGESTS_UP_FRONT).filter((t) => !cache.peekManifest(at.repo, t)?.value);
    if (first.length) {
      const signal = linked(token, DETAIL_WAIT_MS);
      await Promise.allSettled(first.map((t) => cache.manifest(at.repo, t, signal)));
      if (token.isCancellationRequested) return undefined;
    }
    if (at.field === 'digest') {
      const items: CompletionItem[] = [];
      for (const tag of shown) {
        const info = cache.peekManifest(at.repo, tag)?.value;
        if (!info) continue;
        items.push(item(info.digest, text(info.digest), items.length, { detail: tag, labelDetails: { description: tag }, filterText: `${info.digest} ${tag}`, data: data(info.digest, 'digest') }));
      }
      return { items, incomplete: false };
    }
    const items = shown.map((tag, i) => {
      const digest = cache.peekManifest(at.repo, tag)?.value?.digest;
      const inserted = at.field === 'chart-version' ? tag.replace(/_/g, '+') : tag;
      return item(inserted, text(inserted), i, {
        ...(digest ? { detail: shortDigest(digest), labelDetails: { description: shortDigest(digest) } } : {}),
        ...(i === 0 && !at.partial ? { preselect: true } : {}),
        data: data(tag, 'tag'),
      });
    });
    return { items, incomplete: matching.length > shown.length };
  }

  async function resolve(item: CompletionItem, token: CancellationToken): Promise<CompletionItem> {
    const data = item.data as Partial<LiveCompletionData> | undefined;
    if (!data?.live || typeof data.registry !== 'string' || typeof data.repository !== 'string' || typeof data.reference !== 'string') return item;
    const repo: RepositoryRef = { registry: data.registry, repository: data.repository, ...(data.insecure ? { insecure: true } : {}) };
    try {
      const info = await cache.manifest(repo, data.reference, linked(token, DETAIL_WAIT_MS));
      return { ...item, detail: data.live === 'tag' ? shortDigest(info.digest) : item.detail, documentation: { kind: MarkupKind.Markdown, value: markdownFor(repo, data.live === 'tag' ? data.reference : item.detail ?? data.reference, info) } };
    } catch {
      return item;
    }
  }

  return { complete, resolve };
}

/** Common ranges for the versions a repository has, each with the tag it would select now. */
export function semverItems(tags: readonly string[], filter?: string): Array<{ range: string; tag: string }> {
  let source = tags;
  if (filter) {
    const test = goPatternTest(filter);
    source = test ? tags.filter((t) => test(t)) : tags;
  }
  const versions = versionTags(source).filter((v) => v.prerelease === '');
  const ranges: string[] = [];
  const majors = [...new Set(versions.map((v) => v.major))].slice(0, 2);
  for (const major of majors) {
    const newest = versions.find((v) => v.major === major)!;
    ranges.push(`~${newest.major}.${newest.minor}`, `^${newest.major}.${newest.minor}.0`, `>=${major}.0.0 <${major + 1}.0.0`);
  }
  if (versions.length) ranges.push(`>=${versions[0].major}.${versions[0].minor}.${versions[0].patch}`);
  ranges.push('*');
  const out: Array<{ range: string; tag: string }> = [];
  const seen = new Set<string>();
  for (const range of ranges) {
    if (seen.has(range)) continue;
    seen.add(range);
    const tag = selectTag(tags, range, filter).tag;
    if (tag) out.push({ range, tag });
  }
  return out.sort((a, b) => {
    const x = parseVersion(a.tag);
    const y = parseVersion(b.tag);
    return x && y ? compareVersions(y, x) : 0;
  });
}
