// The hostile-artifact corpus, pushed to a real registry, against every consumer of the safe
// extractor: `flux-oci pull`, `flux-oci diff`, the preview request and the compare request of
// the language server (over stdio). Each must refuse with its cause, and nothing may be
// written outside a temporary folder (the server's TMPDIR is inside the sandbox too).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResponseError } from 'vscode-jsonrpc/node';
import type { RequestType } from 'vscode-languageserver-protocol';
import { startRegistry, type RegistryRig } from './rig';
import { clientFor, signal } from './helpers';
import { hostileCorpus, tampered, type HostileArtifact } from './hostileCorpus';
import { pushLayer, blobDataPath } from './explorerSeed';
import { startServer, type LspSession } from '../lsp/lspClient';
import { runRegistryCommand } from '../../server/src/cli/registry';
import { runDiffCommand } from '../../server/src/cli/diff';
import { ReadArtifactTreeRequest, CompareWithFolderRequest, PullToFolderRequest } from '../../server/src/protocol';

function request<P, R>(lsp: LspSession, type: RequestType<P, R, void>, params: P): Promise<R> {
  return lsp.conn.sendRequest<R>(type.method, params);
}

function capture() {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: (s: string) => { out.stdout += s; }, stderr: (s: string) => { out.stderr += s; } } };
}

describe('hostile artifacts: refused by pull, diff, preview and compare; nothing written outside a temp folder', () => {
  let rig: RegistryRig;
  let lsp: LspSession;
  let sandbox: string;
  let corpus: HostileArtifact[];
  const savedTmp = process.env.TMPDIR;

  before(async () => {
    sandbox = await mkdtemp(join(tmpdir(), 'flux-oci-hostile-'));
    await mkdir(join(sandbox, 'tmp'));
    await mkdir(join(sandbox, 'work'));
    await mkdir(join(sandbox, 'local'));
    await writeFile(join(sandbox, 'local', 'kustomization.yaml'), 'resources: []\n');
    await writeFile(join(sandbox, 'victim.txt'), 'original');
    rig = await startRegistry({ auth: 'none' });
    corpus = await hostileCorpus(sandbox);
    const client = clientFor(rig);
    for (const [i, item] of corpus.entries()) {
      const { layerDigest } = await pushLayer(client, `oci://${rig.host}/hostile/case${i}:v1`, item.layer);
      if (item.tamper) await writeFile(blobDataPath(rig.dataDir, layerDigest), tampered(item.layer));
    }
    client.close();
    // Everything after this (the CLI in this process and the server's own temp files) uses the sandbox.
    process.env.TMPDIR = join(sandbox, 'tmp');
    lsp = await startServer({ root: join(sandbox, 'local') });
  });

  after(async () => {
    await lsp?.close();
    await rig?.stop();
    process.env.TMPDIR = savedTmp;
    if (savedTmp === undefined) delete process.env.TMPDIR;
    await rm(sandbox, { recursive: true, force: true });
  });

  /** Nothing but the sandbox's own folders, no attack target, and no leftovers in temp storage. */
  async function assertNothingWritten(item: HostileArtifact, where: string): Promise<void> {
    for (const target of item.targets) assert.ok(!existsSync(target), `${item.name} (${where}): ${target} must not exist`);
    assert.deepEqual((await readdir(sandbox)).sort(), ['local', 'tmp', 'victim.txt', 'work'], `${item.name} (${where}): nothing new in the sandbox`);
    assert.deepEqual(await readdir(join(sandbox, 'work')), [], `${item.name} (${where}): no output or staging folder`);
    assert.deepEqual((await readdir(join(sandbox, 'local'))).sort(), ['kustomization.yaml'], `${item.name} (${where}): the local folder is untouched`);
    for (const name of await readdir(join(sandbox, 'tmp'))) {
      assert.match(name, /^flux-oci-preview-/, `${item.name} (${where}): only the server's preview store stays in temp`);
      assert.deepEqual(await readdir(join(sandbox, 'tmp', name)), [], `${item.name} (${where}): the preview store holds nothing of a refused artifact`);
    }
  }

  test('flux-oci pull refuses each with exit 1 and the cause', async () => {
    for (const [i, item] of corpus.entries()) {
      const { out, io } = capture();
      const code = await runRegistryCommand('pull', [`oci://${rig.host}/hostile/case${i}:v1`, '--output', join(sandbox, 'work', 'pulled')], io, signal(60_000));
      assert.equal(code, 1, `${item.name}: ${out.stderr}`);
      assert.match(out.stderr, item.error, item.name);
      await assertNothingWritten(item, 'pull');
    }
  });

  test('flux-oci diff refuses each with exit 2 and the cause', async () => {
    for (const [i, item] of corpus.entries()) {
      const { out, io } = capture();
      const code = await runDiffCommand([`oci://${rig.host}/hostile/case${i}:v1`, `--path=${join(sandbox, 'local')}`], io, signal(60_000));
      assert.equal(code, 2, `${item.name}: ${out.stderr}`);
      assert.match(out.stderr, item.error, item.name);
      assert.equal(out.stdout, '', `${item.name}: no file is named as different`);
      await assertNothingWritten(item, 'diff');
    }
  });

  test('the preview request refuses each with kind "refused" and the cause', async () => {
    for (const [i, item] of corpus.entries()) {
      await assert.rejects(
        request(lsp, ReadArtifactTreeRequest, { reference: `oci://${rig.host}/hostile/case${i}:v1` }),
        (e: unknown) => e instanceof ResponseError && item.error.test(e.message) && (e.data as { kind: string }).kind === 'refused',
        item.name,
      );
      await assertNothingWritten(item, 'preview');
    }
  });

  test('the compare request and the pull request refuse each with the cause', async () => {
    for (const [i, item] of corpus.entries()) {
      const reference = `oci://${rig.host}/hostile/case${i}:v1`;
      await assert.rejects(request(lsp, CompareWithFolderRequest, { reference, folder: join(sandbox, 'local') }), (e: unknown) => e instanceof ResponseError && item.error.test(e.message), item.name);
      await assertNothingWritten(item, 'compare');
      await assert.rejects(request(lsp, PullToFolderRequest, { reference, folder: join(sandbox, 'work', 'pulled') }), (e: unknown) => e instanceof ResponseError && item.error.test(e.message), item.name);
      await assertNothingWritten(item, 'server pull');
    }
  });
});
