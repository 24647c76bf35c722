// Live registry diagnostics for open documents, merged into what diagnostics.ts publishes.
// Computing them never waits: they come from the window's TagCache. What a document needs and
// the cache lacks is fetched in the background after the user pauses typing (debounced per
// document); when an answer changes anything, the documents that asked are published again
// (throttled). Unreachable registries produce nothing and are retried with back-off; values
// are revalidated when their TTL runs out, so a registry that comes back is noticed by itself.
import { CodeActionKind, DiagnosticSeverity, type CodeAction, type Diagnostic } from 'vscode-languageserver/node';
import type { YamlFile } from '../language/documents';
import { liveFindings, LiveFindingsMemo, type AuthProblem } from '../registry/liveFindings';
import { TagCache, type Want } from '../registry/tagCache';
import { AuthRequiredNotification } from '../protocol';
import type { ServerContext } from './context';
import { DIAGNOSTIC_SOURCE, toDiagnostic } from './convert';

/** Quiet time after an edit before the registry is asked. */
export const LIVE_DEBOUNCE_MS = 300;
/** Least time between two live re-publications of one document. */
const REPUBLISH_MS = 150;
export const SIGN_IN_COMMAND = 'fluxOci.signIn';

interface DocumentState {
  version: number;
  /** What the document needs from the registry (gathered when first read). */
  live: { readonly wants: Want[] };
  /** The wants' keys, worked out when first asked for (a big file is published on every edit). */
  keys?: Set<string>;
  /** The cache's own keys of the wants (what its change events name). */
  inner?: Set<string>;
  debounce?: NodeJS.Timeout;
}

function keysOf(state: DocumentState): Set<string> {
  state.keys ??= new Set(state.live.wants.map(TagCache.wantKey));
  return state.keys;
}

function innerKeysOf(state: DocumentState): Set<string> {
  state.inner ??= new Set([...keysOf(state)].map((k) => k.slice(k.indexOf('|') + 1)));
  return state.inner;
}

export interface LiveDiagnostics {
  /** Live diagnostics of an open document (called by the diagnostics publisher). */
  diagnostics(uri: string, file: YamlFile, version: number): Diagnostic[];
  codeActions(uri: string, diagnostic: Diagnostic): CodeAction[];
  /** Fires (throttled) when live answers for a document changed; inlay hints listen. */
  onDidChange(listener: (uri: string) => void): void;
  readonly cache: TagCache;
  dispose(): void;
}

const yamlScalar = (text: string) => (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^0[xo][0-9a-f]+$|^(true|false|null|yes|no|on|off|y|n|~)$/i.test(text) ? `"${text}"` : text);

export function createLiveDiagnostics(ctx: ServerContext, republish: (uri: string) => void): LiveDiagnostics {
  const cache = TagCache.for(ctx.registry);
  const memo = new LiveFindingsMemo(cache);
  const documents = new Map<string, DocumentState>();
  /** Registry → the document carrying its one sign-in diagnostic. */
  const authOwner = new Map<string, string>();
  const notifiedAuth = new Set<string>();
  const listeners: Array<(uri: string) => void> = [];
  const lastRepublish = new Map<string, number>();
  const pendingRepublish = new Map<string, NodeJS.Timeout>();
  let recheck: NodeJS.Timeout | undefined;
  let disposed = false;

  function requestRepublish(uri: string): void {
    if (pendingRepublish.has(uri) || disposed) return;
    const wait = Math.max(0, (lastRepublish.get(uri) ?? 0) + REPUBLISH_MS - Date.now());
    pendingRepublish.set(uri, setTimeout(() => {
      pendingRepublish.delete(uri);
      lastRepublish.set(uri, Date.now());
      if (!ctx.documents.get(uri)) return;
      republish(uri);
      for (const listener of listeners) listener(uri);
    }, wait));
  }

  cache.onDidChange((key) => {
    for (const [uri, state] of documents) if (key === '*' || innerKeysOf(state).has(key)) requestRepublish(uri);
  });

  function fetchWants(): void {
    if (!cache.enabled) return;
    const all = new Set<string>();
    for (const state of documents.values()) {
      for (const want of state.live.wants) cache.ensure(want);
      for (const key of keysOf(state)) all.add(key);
    }
    cache.cancelUnwanted(all);
    scheduleRecheck();
  }

  /** One timer for the earliest retry or revalidation any open document needs. */
  function scheduleRecheck(): void {
    if (recheck) clearTimeout(recheck);
    recheck = undefined;
    if (disposed || !cache.enabled) return;
    let next: number | undefined;
    for (const state of documents.values()) {
      for (const want of state.live.wants) {
        const at = cache.nextCheckAt(want);
        if (at !== undefined && (next === undefined || at < next)) next = at;
      }
    }
    if (next === undefined) return;
    recheck = setTimeout(() => {
      recheck = undefined;
      fetchWants();
    }, Math.max(250, next - Date.now()));
    recheck.unref?.();
  }

  function authDiagnostics(uri: string, problems: AuthProblem[]): Diagnostic[] {
    const out: Diagnostic[] = [];
    const seen = new Set<string>();
    for (const p of problems) {
      if (seen.has(p.registry)) continue;
      seen.add(p.registry);
      const owner = authOwner.get(p.registry);
      if (owner && owner !== uri && ctx.documents.get(owner) && documents.get(owner)) continue;
      authOwner.set(p.registry, uri);
      out.push({
        range: p.range,
        severity: DiagnosticSeverity.Information,
        code: 'live/auth-required',
        source: DIAGNOSTIC_SOURCE,
        message: `${p.registry} needs you to sign in before tags and digests can be checked (${p.message.replace(/;.*$/, '')}). Run "Flux OCI: Sign in to Registry…" or log in with docker login`,
        data: { registry: p.registry },
      });
      if (!notifiedAuth.has(p.registry)) {
        notifiedAuth.add(p.registry);
        void ctx.connection.sendNotification(AuthRequiredNotification, { registry: p.registry, message: `${p.registry} asks for credentials` }).catch(() => undefined);
      }
    }
    // Registries this document no longer names give up its diagnostic to another document.
    for (const [registry, owner] of authOwner) {
      if (owner === uri && !seen.has(registry)) {
        authOwner.delete(registry);
        for (const other of documents.keys()) if (other !== uri) requestRepublish(other);
      }
    }
    return out;
  }

  ctx.registry.onDidChange(() => {
    notifiedAuth.clear();
    authOwner.clear();
  });
  ctx.documents.onDidClose((e) => forget(e.document.uri));

  function forget(uri: string): void {
    const state = documents.get(uri);
    if (state?.debounce) clearTimeout(state.debounce);
    documents.delete(uri);
    for (const [registry, owner] of authOwner) {
      if (owner === uri) {
        authOwner.delete(registry);
        for (const other of documents.keys()) requestRepublish(other);
      }
    }
  }

  return {
    cache,
    onDidChange: (listener) => void listeners.push(listener),
    diagnostics(uri, file, version) {
      if (!cache.enabled) {
        if (documents.has(uri)) forget(uri);
        return [];
      }
      const result = liveFindings(file, ctx.index, cache, memo);
      const previous = documents.get(uri);
      const state: DocumentState = { version, live: result, debounce: previous?.debounce };
      documents.set(uri, state);
      // An edit waits for a pause in typing; answers arriving for an unchanged text go on at once.
      if (previous && previous.version === version) fetchWants();
      else {
        if (state.debounce) clearTimeout(state.debounce);
        state.debounce = setTimeout(() => {
          state.debounce = undefined;
          fetchWants();
        }, previous ? LIVE_DEBOUNCE_MS : 0);
      }
      return [...result.findings.map(toDiagnostic), ...authDiagnostics(uri, result.auth)];
    },
    codeActions(uri, diagnostic) {
      if (diagnostic.source !== DIAGNOSTIC_SOURCE || typeof diagnostic.code !== 'string' || !diagnostic.code.startsWith('live/')) return [];
      const data = (diagnostic.data ?? {}) as { tags?: unknown; registry?: unknown; implied?: unknown };
      if (diagnostic.code === 'live/auth-required' && typeof data.registry === 'string') {
        return [{ title: `Sign in to ${data.registry}…`, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], command: { title: `Sign in to ${data.registry}…`, command: SIGN_IN_COMMAND, arguments: [data.registry] } }];
      }
      const tags = Array.isArray(data.tags) ? data.tags.filter((t): t is string => typeof t === 'string') : [];
      if (diagnostic.code === 'live/tag-not-found' && data.implied !== true) {
        return tags.map((tag, i) => ({
          title: `Use tag ${tag}`,
          kind: CodeActionKind.QuickFix,
          diagnostics: [diagnostic],
          ...(i === 0 ? { isPreferred: true } : {}),
          edit: { changes: { [uri]: [{ range: diagnostic.range, newText: yamlScalar(tag) }] } },
        }));
      }
      if (diagnostic.code === 'live/chart-version-not-found' && diagnostic.range.start.line === diagnostic.range.end.line) {
        return tags.map((tag) => ({
          title: `Use version ${tag.replace(/_/g, '+')}`,
          kind: CodeActionKind.QuickFix,
          diagnostics: [diagnostic],
          edit: { changes: { [uri]: [{ range: diagnostic.range, newText: yamlScalar(tag.replace(/_/g, '+')) }] } },
        }));
      }
      return [];
    },
    dispose() {
      disposed = true;
      if (recheck) clearTimeout(recheck);
      for (const t of pendingRepublish.values()) clearTimeout(t);
      for (const state of documents.values()) if (state.debounce) clearTimeout(state.debounce);
      memo.dispose();
      cache.clear();
    },
  };
}
