// Secrets: every registry operation the product has, run with known credentials against the
// TLS + htpasswd rig and the token rig — the CLI verbs as real processes (credentials from --creds
// and from a Docker config), the library with its request log, failures included — and then every
// output is scanned for the credentials and their base64 forms: stdout, stderr, error messages,
// the library's log lines, the language server's stderr, log and trace messages, and every file
// the operations wrote (pulled artifacts, anything under a private HOME).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { WorkDoneProgress } from 'vscode-languageserver-protocol';
import { startRegistry, type RegistryRig } from './rig';
import { assertLogsHoldNoSecrets, clientFor, signal } from './helpers';
import { parseReference } from '../../server/src/oci/reference';
import { pullArtifact, pushDirectory } from '../../server/src/oci/artifact/push';
import { REGISTRY_COMMANDS } from '../../server/src/cli/registry';
import { SERVER_JS, REPO_ROOT } from '../lsp/lspClient';
import { CheckRegistryRequest, SetCredentialsRequest, ListTagsRequest, ReadArtifactTreeRequest, ReadArtifactFileRequest, CompareWithFolderRequest, PushRequest } from '../../server/src/protocol';
import { budget } from '../timing';

const run = promisify(execFile);
const CLI = join(REPO_ROOT, 'dist', 'cli.js');
const WRONG_PASSWORD = 'Wr0ng-Secret-Guess';

/** Every form a secret may leak in: as is, base64 of user:secret (Basic), base64 of the secret alone, URL-encoded. */
export function secretForms(username: string | undefined, secrets: readonly (string | undefined)[]): string[] {
  const forms = new Set<string>();
  for (const s of secrets) {
    if (!s) continue;
    forms.add(s);
    forms.add(Buffer.from(s).toString('base64'));
    forms.add(Buffer.from(s).toString('base64url'));
    forms.add(encodeURIComponent(s));
    if (username) {
      forms.add(Buffer.from(`${username}:${s}`).toString('base64'));
      forms.add(`${username}:${s}`);
    }
  }
  return [...forms].filter((f) => f.length >= 6);
}

/** Fails naming the channel and the form when any secret form appears in any of the texts. */
function assertNoSecretIn(channels: Record<string, string>, forms: readonly string[]): void {
  for (const [channel, text] of Object.entries(channels)) {
    for (const form of forms) assert.ok(!text.includes(form), `a secret (${form.slice(0, 3)}…) appeared in ${channel}`);
    assert.ok(!/(Bearer|Basic) [A-Za-z0-9+/_=.-]{8,}/.test(text), `an Authorization value appeared in ${channel}`);
    assert.ok(!/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/.test(text), `a JWT appeared in ${channel}`);
  }
}

/** The text of every file under a folder (binary files as latin1, so bytes still match). */
function filesUnder(dir: string, skip: (path: string) => boolean = () => false): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (skip(path)) continue;
      if (statSync(path).isDirectory()) walk(path);
      else out[`file ${path}`] = readFileSync(path).toString('latin1');
    }
  };
  walk(dir);
  return out;
}

for (const mode of ['basic-tls', 'token'] as const) {
  describe(`no secret leaves through any channel (${mode})`, () => {
    let rig: RegistryRig;
    let work: string;
    let home: string;
    let forms: string[];
    const channels: Record<string, string> = {};
    let n = 0;
    const record = (name: string, text: string) => { channels[`${++n} ${name}`] = text; };

    /** Runs the real CLI with a private HOME and DOCKER_CONFIG; records stdout and stderr. */
    const cli = async (args: string[], expectCode?: number) => {
      const result = await run(process.execPath, [CLI, ...args], {
        env: { ...process.env, HOME: home, DOCKER_CONFIG: join(home, '.docker'), XDG_CONFIG_HOME: join(home, '.config') },
        timeout: budget(120_000),
      }).then((r) => ({ code: 0, ...r }), (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }));
      record(`cli ${args[0]} stdout`, result.stdout);
      record(`cli ${args[0]} stderr`, result.stderr);
      if (expectCode !== undefined) assert.equal(result.code, expectCode, `flux-oci ${args[0]}: ${result.stderr}`);
      return result;
    };

    before(async () => {
      rig = await startRegistry({ auth: mode });
      work = await mkdtemp(join(tmpdir(), 'flux-oci-secrets-'));
      home = join(work, 'home');
      await mkdir(join(home, '.docker'), { recursive: true });
      await mkdir(join(work, 'src', 'apps'), { recursive: true });
      await writeFile(join(work, 'src', 'apps', 'cm.yaml'), 'kind: ConfigMap\n');
      forms = secretForms(rig.username, [rig.password, rig.refreshToken, WRONG_PASSWORD]);
    });
    after(async () => {
      await rig?.stop();
      if (work) await rm(work, { recursive: true, force: true });
    });

    test('CLI: every verb with --creds, then with a Docker config, then with wrong credentials', async () => {
      assert.deepEqual([...REGISTRY_COMMANDS].sort(), ['build', 'delete', 'diff', 'list', 'manifest', 'pull', 'push', 'tag', 'tags'], 'a new verb needs a line here');
      const ca = rig.caFile ? ['--ca-file', rig.caFile] : [];
      const creds = ['--creds', `${rig.username}:${rig.password}`, ...ca];
      const ref = `oci://${rig.host}/secrets/app`;
      const push = await cli(['push', `${ref}:v1`, '--path', join(work, 'src'), '--source', 'https://git.example/repo', '--revision', 'main@sha1:abc', ...creds], 0);
      const digest = push.stdout.trim().split('@')[1];
      await cli(['tags', ref, ...creds], 0);
      await cli(['list', ref, ...creds], 0);
      await cli(['build', '--path', join(work, 'src'), '--output', join(work, 'built.tgz')], 0);
      await cli(['diff', `${ref}:v1`, '--path', join(work, 'src'), ...creds], 0);
      await cli(['tag', `${ref}:v1`, 'stable', ...creds], 0);
      await cli(['manifest', `${ref}:stable`, ...creds], 0);
      await cli(['pull', `${ref}@${digest}`, '--output', join(work, 'pulled-cli'), ...creds], 0);
      // The same through the Docker config (Basic "auth" entry; in token mode also an identity token).
      const auth = Buffer.from(`${rig.username}:${rig.password}`).toString('base64');
      await writeFile(join(home, '.docker', 'config.json'), JSON.stringify({ auths: { [rig.host]: { auth } } }));
      await cli(['tags', ref, ...ca], 0);
      await cli(['pull', `${ref}:v1`, '--output', join(work, 'pulled-config'), ...ca], 0);
      await cli(['delete', `${ref}:stable`, ...ca], 0);
      if (rig.refreshToken) {
        await writeFile(join(home, '.docker', 'config.json'), JSON.stringify({ auths: { [rig.host]: { username: rig.username, identitytoken: rig.refreshToken } } }));
        await cli(['push', `${ref}:v2`, '--path', join(work, 'src'), ...ca], 0);
      }
      await rm(join(home, '.docker', 'config.json'));
      // Failures: a wrong password, a password pasted into the reference, no credentials at all.
      const wrong = await cli(['tags', ref, '--creds', `${rig.username}:${WRONG_PASSWORD}`, ...ca], 1);
      assert.match(wrong.stderr, /error: /);
      await cli(['push', `${ref}:v3`, '--path', join(work, 'src'), '--creds', `${rig.username}:${WRONG_PASSWORD}`, ...ca], 1);
      await cli(['tags', `oci://${rig.username}:${rig.password}@${rig.host}/secrets/app`], 2);
      await cli(['pull', `${ref}:v1`, '--output', join(work, 'pulled-anon'), ...ca], 1);
      assert.ok(!existsSync(join(work, 'pulled-anon')), 'a refused pull writes nothing');
      assertNoSecretIn(channels, forms);
    });

    test('library: list, resolve, get, push, pull, tag, delete, and refused requests, with the request log', async () => {
      const logs: string[] = [];
      const client = clientFor(rig, { log: (line) => logs.push(line) });
      const ref = parseReference(`${rig.host}/secrets/lib:v1`);
      const pushed = await pushDirectory(client, ref, join(work, 'src'), { signal: signal() });
      record('library push result', JSON.stringify(pushed));
      record('library tags', JSON.stringify(await client.listTags(ref, { signal: signal() })));
      record('library resolve', JSON.stringify(await client.headManifest(ref, { signal: signal() })));
      const manifest = await client.getManifest(ref, { signal: signal() });
      record('library manifest', JSON.stringify({ digest: manifest.digest, mediaType: manifest.mediaType }));
      await client.tag(ref, 'stable', { signal: signal() });
      await pullArtifact(client, ref, join(work, 'pulled-lib'), { signal: signal() });
      await client.deleteManifest(ref.withTag('stable'), { signal: signal() });
      client.close();
      const wrong = clientFor(rig, { log: (line) => logs.push(line), credentials: { kind: 'basic', username: rig.username!, password: WRONG_PASSWORD } });
      for (const attempt of [() => wrong.listTags(ref, { signal: signal() }), () => wrong.getManifest(ref, { signal: signal() }), () => pushDirectory(wrong, ref.withTag('v9'), join(work, 'src'), { signal: signal() })]) {
        await assert.rejects(attempt(), (e: unknown) => {
          record('library error', `${String(e)}\n${(e as Error).stack ?? ''}\n${JSON.stringify(e)}`);
          return true;
        });
      }
      wrong.close();
      record('library log', logs.join('\n'));
      assertLogsHoldNoSecrets(logs, rig);
      assertNoSecretIn(channels, forms);
    });

    test('language server: signed-in credentials never reach its stderr, log or trace messages', async () => {
      const proc = spawn(process.execPath, [SERVER_JS, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, HOME: home } });
      let stderr = '';
      proc.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
      const conn = createMessageConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
      const messages: string[] = [];
      conn.onNotification((method, params) => { messages.push(`${method} ${JSON.stringify(params)}`); });
      conn.onRequest((method, params) => { messages.push(`${method} ${JSON.stringify(params)}`); return null; });
      conn.listen();
      try {
        const root = join(work, 'ws');
        await mkdir(root, { recursive: true });
        await conn.sendRequest('initialize', { processId: process.pid, rootUri: pathToFileURL(root).href, capabilities: {}, trace: 'verbose' });
        await conn.sendNotification('initialized', {});
        await conn.sendNotification('$/setTrace', { value: 'verbose' });
        await conn.sendRequest(SetCredentialsRequest.method, { credentials: [{ registry: rig.host, username: rig.username!, secret: rig.password! }] });
        const uri = pathToFileURL(join(root, 'source.yaml')).href;
        await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text: `apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: app\nspec:\n  interval: 5m\n  url: oci://${rig.host}/secrets/lib\n  ref:\n    tag: v1\n` } });
        await conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 6, character: 12 } });
        await conn.sendRequest('textDocument/completion', { textDocument: { uri }, position: { line: 8, character: 9 } });
        // A request this server may not know yet answers with an error: its message is scanned too.
        await conn.sendRequest(CheckRegistryRequest.method, { registry: rig.host, credentials: { registry: rig.host, username: rig.username!, secret: rig.password! } })
          .then((r) => messages.push(`checkRegistry ${JSON.stringify(r)}`), (e: Error) => messages.push(`checkRegistry error ${e.message}`));
        await conn.sendRequest('shutdown');
        await conn.sendNotification('exit');
      } finally {
        await new Promise<void>((r) => (proc.exitCode !== null ? r() : proc.once('exit', () => r())));
        conn.dispose();
      }
      record('server stderr', stderr);
      record('server messages', messages.join('\n'));
      assert.ok(messages.some((m) => m.startsWith('textDocument/publishDiagnostics')), 'the server did talk');
      assertNoSecretIn(channels, forms);
    });

    test('language server: live checks, explorer, preview, compare and editor push, signed in and with wrong credentials', async () => {
      const proc = spawn(process.execPath, [SERVER_JS, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, HOME: home, DOCKER_CONFIG: join(home, '.docker') } });
      let stderr = '';
      proc.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
      const conn = createMessageConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
      const messages: string[] = [];
      conn.onNotification((method, params) => { messages.push(`${method} ${JSON.stringify(params)}`); });
      const fluxOci = { registry: { cacheTtlSeconds: 600, ...(rig.caFile ? { caFiles: { [rig.host]: rig.caFile } } : {}) } };
      conn.onRequest('workspace/configuration', (p: { items: { section?: string }[] }) => p.items.map((item) => {
        let value: unknown = { fluxOci };
        for (const key of (item.section ?? '').split('.').filter(Boolean)) value = (value as Record<string, unknown> | undefined)?.[key];
        return value ?? null;
      }));
      conn.onRequest((method, params) => { messages.push(`${method} ${JSON.stringify(params)}`); return null; });
      for (const token of ['secrets-push', 'secrets-push-wrong']) conn.onProgress(WorkDoneProgress.type, token, (value) => messages.push(`$/progress ${token} ${JSON.stringify(value)}`));
      conn.listen();
      const call = async (method: string, params: unknown) => {
        try {
          const result = await conn.sendRequest(method, params);
          messages.push(`${method} -> ${JSON.stringify(result)}`);
          return result;
        } catch (error) {
          messages.push(`${method} error ${String(error)} ${JSON.stringify(error)}`);
          return undefined;
        }
      };
      try {
        const root = join(work, 'ws-live');
        await mkdir(root, { recursive: true });
        await conn.sendRequest('initialize', { processId: process.pid, rootUri: pathToFileURL(root).href, capabilities: { workspace: { configuration: true }, window: { workDoneProgress: true } }, trace: 'verbose' });
        await conn.sendNotification('initialized', {});
        await conn.sendNotification('$/setTrace', { value: 'verbose' });
        const signIn = (secret: string) => conn.sendRequest(SetCredentialsRequest.method, { credentials: [{ registry: rig.host, username: rig.username!, secret }] });
        await signIn(rig.password!);
        const ref = `oci://${rig.host}/secrets/editor`;
        await call(PushRequest.method, { folder: join(work, 'src'), reference: `${ref}:v1`, workDoneToken: 'secrets-push' });
        assert.ok(messages.some((m) => m.startsWith(`${PushRequest.method} -> `)), 'the signed-in push worked');
        // Live checks: a tag that exists and one that does not (a live diagnostic proves the check ran).
        const uri = pathToFileURL(join(root, 'source.yaml')).href;
        const text = `apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: app\nspec:\n  interval: 5m\n  url: ${ref}\n  ref:\n    tag: v9\n`;
        await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text } });
        const deadline = Date.now() + budget(60_000);
        while (!messages.some((m) => m.includes('live/tag-not-found'))) {
          assert.ok(Date.now() < deadline, 'the live check reported the missing tag');
          await new Promise((r) => setTimeout(r, 50));
        }
        await call('textDocument/completion', { textDocument: { uri }, position: { line: 8, character: 9 } });
        await call('textDocument/hover', { textDocument: { uri }, position: { line: 6, character: 12 } });
        await call(ListTagsRequest.method, { repository: ref });
        await call(ReadArtifactTreeRequest.method, { reference: `${ref}:v1` });
        await call(ReadArtifactFileRequest.method, { reference: `${ref}:v1`, path: 'apps/cm.yaml' });
        await call(CompareWithFolderRequest.method, { reference: `${ref}:v1`, folder: join(work, 'src') });
        // Wrong credentials: every feature fails or falls silent, and says so without the secret.
        await signIn(WRONG_PASSWORD);
        await call(ListTagsRequest.method, { repository: ref, refresh: true });
        await call(ReadArtifactTreeRequest.method, { reference: `${ref}:v2` });
        await call(CompareWithFolderRequest.method, { reference: `${ref}:v3`, folder: join(work, 'src') });
        await call(PushRequest.method, { folder: join(work, 'src'), reference: `${ref}:v4`, workDoneToken: 'secrets-push-wrong' });
        await conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: text.replace('tag: v9', 'tag: v8') }] });
        await call('textDocument/completion', { textDocument: { uri }, position: { line: 8, character: 9 } });
        await conn.sendRequest('shutdown');
        await conn.sendNotification('exit');
      } finally {
        // After a failed step the server got no exit: end it (bounded), never hang the suite.
        const timer = setTimeout(() => proc.kill(), budget(10_000));
        await new Promise<void>((r) => (proc.exitCode !== null ? r() : proc.once('exit', () => r())));
        clearTimeout(timer);
        conn.dispose();
      }
      record('live server stderr', stderr);
      record('live server messages', messages.join('\n'));
      assert.ok(messages.some((m) => m.startsWith('$/progress') && m.includes('"end"')), 'the push reported progress');
      assert.ok(messages.some((m) => / error .*(401|unauthori[sz]ed|credentials|sign in)/i.test(m)), 'wrong credentials were reported');
      assertNoSecretIn(channels, forms);
    });

    test('files written by the operations (pulled artifacts, HOME) hold no secret', () => {
      const written = {
        ...filesUnder(join(work, 'pulled-cli')), ...filesUnder(join(work, 'pulled-config')), ...filesUnder(join(work, 'pulled-lib')),
        // The Docker config the test itself wrote is gone; anything else under HOME was written by us.
        ...filesUnder(home),
      };
      assert.ok(Object.keys(written).length >= 3, 'the pulls wrote files');
      assertNoSecretIn(written, forms);
      // Every channel recorded above, once more, all together.
      assertNoSecretIn(channels, forms);
      assert.ok(Object.keys(channels).length > 20, `all channels were captured (${Object.keys(channels).length})`);
    });
  });
}
