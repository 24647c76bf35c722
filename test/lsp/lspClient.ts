// Test helper: spawns `node dist/server.js --stdio` and speaks real LSP to it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type {
  Diagnostic, PublishDiagnosticsParams, CompletionItem, CompletionList, Hover, CodeAction, Location,
  DocumentSymbol, SymbolInformation, WorkspaceEdit, TextEdit, Position, Range,
} from 'vscode-languageserver-protocol';
import { budget, eventually } from '../timing';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const SERVER_JS = join(REPO_ROOT, 'dist', 'server.js');

export interface LspSession {
  conn: MessageConnection;
  proc: ChildProcess;
  /** Workspace folder on disk (a fresh temp dir unless given). */
  root: string;
  settings: Record<string, unknown>;
  uri(relative: string): string;
  /** Writes a file into the workspace (not opened). */
  write(relative: string, text: string): string;
  open(relative: string, text: string): Promise<Diagnostic[]>;
  /** Replaces the whole text (sent as a ranged edit covering the old text). */
  change(relative: string, text: string): Promise<Diagnostic[]>;
  text(relative: string): string;
  /** Waits for the next publishDiagnostics of a file (optionally with a predicate). */
  nextDiagnostics(relative: string, predicate?: (d: Diagnostic[], version?: number) => boolean, timeoutMs?: number): Promise<Diagnostic[]>;
  lastDiagnostics(relative: string): Diagnostic[] | undefined;
  completion(relative: string, position: Position): Promise<CompletionItem[]>;
  hover(relative: string, position: Position): Promise<Hover | null>;
  codeActions(relative: string, range: Range, diagnostics: Diagnostic[]): Promise<CodeAction[]>;
  definition(relative: string, position: Position): Promise<Location[]>;
  references(relative: string, position: Position): Promise<Location[]>;
  documentSymbols(relative: string): Promise<DocumentSymbol[] | SymbolInformation[]>;
  workspaceSymbols(query: string): Promise<SymbolInformation[]>;
  /** Applies a WorkspaceEdit to the open documents (and written files) and sends the changes. */
  applyEdit(edit: WorkspaceEdit): Promise<void>;
  setSettings(settings: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

export function applyTextEdits(text: string, edits: readonly TextEdit[]): string {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const offset = (p: Position) => (p.line >= lineStarts.length ? text.length : Math.min(lineStarts[p.line] + p.character, text.length));
  const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  return out;
}

export function endOf(text: string): Position {
  const lines = text.split('\n');
  return { line: lines.length - 1, character: lines[lines.length - 1].length };
}

/** Position of the first occurrence of `needle` (plus `delta` characters) in `text`. */
export function positionOf(text: string, needle: string, delta = 0, occurrence = 0): Position {
  let index = -1;
  for (let i = 0; i <= occurrence; i++) index = text.indexOf(needle, index + 1);
  if (index < 0) throw new Error(`"${needle}" not in text`);
  const before = text.slice(0, index + delta);
  const line = before.split('\n').length - 1;
  return { line, character: before.length - (before.lastIndexOf('\n') + 1) };
}

export async function startServer(options: { root?: string; settings?: Record<string, unknown>; files?: Record<string, string>; initializationOptions?: unknown; env?: NodeJS.ProcessEnv; /** The server's command line before `--stdio` (default: node dist/server.js). */ command?: readonly string[] } = {}): Promise<LspSession> {
  const root = options.root ?? mkdtempSync(join(tmpdir(), 'flux-oci-lsp-'));
  const ownsRoot = !options.root;
  for (const [rel, text] of Object.entries(options.files ?? {})) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  const [program, ...programArgs] = options.command ?? [process.execPath, SERVER_JS];
  const proc = spawn(program, [...programArgs, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], ...(options.env ? { env: options.env } : {}) });
  proc.stderr!.on('data', () => undefined);
  proc.stdin!.on('error', () => undefined);
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const conn = createMessageConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
  const texts = new Map<string, string>();
  const versions = new Map<string, number>();
  const latest = new Map<string, Diagnostic[]>();
  const waiters: { uri: string; predicate: (d: Diagnostic[], version?: number) => boolean; resolve: (d: Diagnostic[]) => void }[] = [];
  // Tests that say nothing about the registry must not depend on the network (`oci://ghcr.io/…` in
  // fixtures would be looked up for real where the machine has internet): live checks stay off
  // unless a test sets `registry` itself.
  const withoutLiveChecks = (s: Record<string, unknown>) => (s.registry === undefined ? { ...s, registry: { liveChecks: false } } : s);
  let settings: Record<string, unknown> = withoutLiveChecks(options.settings ?? {});
  /** How many workspace/configuration requests the server has made (it pulls after every change). */
  let configurationPulls = 0;

  conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
    latest.set(p.uri, p.diagnostics);
    for (const w of [...waiters]) {
      if (w.uri === p.uri && w.predicate(p.diagnostics, p.version)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(p.diagnostics);
      }
    }
  });
  conn.onRequest('workspace/configuration', (p: { items: { section?: string }[] }) => {
    configurationPulls++;
    return p.items.map((item) => {
      let value: unknown = { fluxOci: settings };
      for (const key of (item.section ?? '').split('.').filter(Boolean)) value = (value as Record<string, unknown> | undefined)?.[key];
      return value ?? null;
    });
  });
  conn.onRequest('client/registerCapability', () => null);
  conn.onRequest('window/workDoneProgress/create', () => null);
  conn.onNotification('window/logMessage', () => undefined);
  conn.onError(() => undefined);
  conn.listen();

  const rootUri = pathToFileURL(root).href;
  await conn.sendRequest('initialize', {
    processId: process.pid,
    rootUri,
    workspaceFolders: [{ uri: rootUri, name: 'test' }],
    ...(options.initializationOptions !== undefined ? { initializationOptions: options.initializationOptions } : {}),
    capabilities: {
      workspace: { configuration: true, workspaceFolders: true, didChangeConfiguration: { dynamicRegistration: true }, workspaceEdit: { documentChanges: false } },
      textDocument: { publishDiagnostics: {}, completion: { completionItem: { snippetSupport: true } }, hover: { contentFormat: ['markdown', 'plaintext'] }, codeAction: {} },
    },
  });
  conn.sendNotification('initialized', {});
  // The server pulls its settings once it is initialised; requests sent before that would race
  // them (a CA file, live checks off). Answering the pull puts them in force for what follows.
  await eventually('the server to pull its settings', () => configurationPulls > 0, { intervalMs: 5 });

  const uri = (rel: string) => pathToFileURL(join(root, rel)).href;
  const session: LspSession = {
    conn,
    proc,
    root,
    get settings() { return settings; },
    uri,
    write(rel, text) {
      const path = join(root, rel);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
      return uri(rel);
    },
    nextDiagnostics(rel, predicate = () => true, timeoutMs = budget(30_000)) {
      return new Promise((resolvePromise, reject) => {
        const waiter = { uri: uri(rel), predicate, resolve: (d: Diagnostic[]) => { clearTimeout(timer); resolvePromise(d); } };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`no matching diagnostics for ${rel} within ${timeoutMs} ms; last: ${JSON.stringify(latest.get(uri(rel))?.map((d) => d.message))}`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    lastDiagnostics: (rel) => latest.get(uri(rel)),
    async open(rel, text) {
      const wait = session.nextDiagnostics(rel);
      texts.set(uri(rel), text);
      versions.set(uri(rel), 1);
      conn.sendNotification('textDocument/didOpen', { textDocument: { uri: uri(rel), languageId: 'yaml', version: 1, text } });
      return wait;
    },
    async change(rel, text) {
      const old = texts.get(uri(rel)) ?? '';
      const version = (versions.get(uri(rel)) ?? 1) + 1;
      versions.set(uri(rel), version);
      texts.set(uri(rel), text);
      const wait = session.nextDiagnostics(rel);
      conn.sendNotification('textDocument/didChange', {
        textDocument: { uri: uri(rel), version },
        contentChanges: [{ range: { start: { line: 0, character: 0 }, end: endOf(old) }, text }],
      });
      return wait;
    },
    text: (rel) => texts.get(uri(rel)) ?? '',
    async completion(rel, position) {
      const result = await conn.sendRequest<CompletionItem[] | CompletionList | null>('textDocument/completion', { textDocument: { uri: uri(rel) }, position });
      return Array.isArray(result) ? result : result?.items ?? [];
    },
    hover: (rel, position) => conn.sendRequest<Hover | null>('textDocument/hover', { textDocument: { uri: uri(rel) }, position }),
    async codeActions(rel, range, diagnostics) {
      return (await conn.sendRequest<CodeAction[] | null>('textDocument/codeAction', { textDocument: { uri: uri(rel) }, range, context: { diagnostics } })) ?? [];
    },
    async definition(rel, position) {
      const r = await conn.sendRequest<Location | Location[] | null>('textDocument/definition', { textDocument: { uri: uri(rel) }, position });
      return r === null ? [] : Array.isArray(r) ? r : [r];
    },
    async references(rel, position) {
      return (await conn.sendRequest<Location[] | null>('textDocument/references', { textDocument: { uri: uri(rel) }, position, context: { includeDeclaration: false } })) ?? [];
    },
    async documentSymbols(rel) {
      return (await conn.sendRequest<DocumentSymbol[] | SymbolInformation[] | null>('textDocument/documentSymbol', { textDocument: { uri: uri(rel) } })) ?? [];
    },
    async workspaceSymbols(query) {
      return (await conn.sendRequest<SymbolInformation[] | null>('workspace/symbol', { query })) ?? [];
    },
    async applyEdit(edit) {
      for (const [target, edits] of Object.entries(edit.changes ?? {})) {
        const rel = target.slice(rootUri.length + 1);
        const current = texts.get(target);
        if (current !== undefined) {
          await session.change(decodeURIComponent(rel), applyTextEdits(current, edits));
        } else {
          const { readFileSync } = await import('node:fs');
          const path = join(root, decodeURIComponent(rel));
          writeFileSync(path, applyTextEdits(readFileSync(path, 'utf8'), edits));
          conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: target, type: 2 }] });
        }
      }
    },
    async setSettings(next) {
      settings = withoutLiveChecks(next);
      const before = configurationPulls;
      await conn.sendNotification('workspace/didChangeConfiguration', { settings: { fluxOci: settings } });
      // The server answers a change by pulling the settings: once it has, it works with them.
      await eventually('the server to pull the new settings', () => configurationPulls > before, { intervalMs: 5 });
    },
    async close() {
      try {
        await Promise.race([conn.sendRequest('shutdown'), new Promise((r) => setTimeout(r, budget(5000)))]);
        await conn.sendNotification('exit');
      } catch {
        // already gone
      }
      const timer = setTimeout(() => proc.kill(), budget(5000));
      await exited;
      clearTimeout(timer);
      conn.dispose();
      if (ownsRoot) rmSync(root, { recursive: true, force: true });
    },
  };
  return session;
}

/** Every file under `dir`, by path relative to it: a fixture tree to hand to startServer. */
export function filesUnder(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (at: string) => {
    for (const name of readdirSync(at)) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path);
      else out[relative(dir, path)] = readFileSync(path, 'utf8');
    }
  };
  walk(dir);
  return out;
}
