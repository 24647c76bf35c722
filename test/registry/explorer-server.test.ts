// The explorer's server requests over real LSP stdio against the real docker-registry: tree
// data for a repository with 1,500 tags, preview reads, diff results, pin-digest edits, tag
// add/delete, a sign-in problem on 401 and an unreachable registry as a node.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResponseError } from 'vscode-jsonrpc/node';
import { startRegistry, type RegistryRig } from './rig';
import { clientFor } from './helpers';
import { pushFiles, tagMany, writeTree } from './explorerSeed';
import { startServer, type LspSession } from '../lsp/lspClient';
import { budget } from '../timing';
import {
  ListRegistriesRequest, ListRepositoriesRequest, ListTagsRequest, ReadArtifactTreeRequest, ReadArtifactFileRequest, CompareWithFolderRequest,
  AddTagRequest, DeleteTagRequest, PinDigestEditRequest, OciRepositoryTemplateRequest, PullToFolderRequest, type TagInfo,
} from '../../server/src/protocol';
import { RegistryClient } from '../../server/src/oci/registry';
import { readFile, readdir } from 'node:fs/promises';
import type { RequestType } from 'vscode-languageserver-protocol';

/** Sends a typed protocol request (by method name: the test's jsonrpc copy differs from the server's). */
function request<P, R>(lsp: LspSession, type: RequestType<P, R, void>, params: P): Promise<R> {
  return lsp.conn.sendRequest<R>(type.method, params);
}

async function allTags(lsp: LspSession, repository: string): Promise<TagInfo[]> {
  const out: TagInfo[] = [];
  let offset: number | undefined = 0;
  while (offset !== undefined) {
    const page: { tags: TagInfo[]; nextOffset?: number } = await request(lsp, ListTagsRequest, { repository, offset, limit: 1000 });
    out.push(...page.tags);
    offset = page.nextOffset;
  }
  return out;
}

const ARTIFACT = {
  'kustomization.yaml': 'resources:\n  - apps/deploy.yaml\n',
  'apps/deploy.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n',
  'apps/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n',
};

/** 1,497 semver tags (some with "v"), plus latest, main and a cosign signature tag. */
function manyTags(): string[] {
  const tags: string[] = [];
  for (let i = 0; i < 1497; i++) tags.push(`${i % 3 === 0 ? 'v' : ''}1.${Math.floor(i / 100)}.${i % 100}`);
  return [...tags, 'latest', 'main', `sha256-${'a'.repeat(64)}.sig`];
}

describe('explorer requests over LSP stdio (anonymous registry)', () => {
  let rig: RegistryRig;
  let client: RegistryClient;
  let lsp: LspSession;
  let digest: string;
  let newest: string;
  const home = { dir: '' };

  before(async () => {
    rig = await startRegistry({ auth: 'none' });
    client = clientFor(rig);
    const created = new Date('2026-03-04T05:06:07Z');
    digest = await pushFiles(client, `oci://${rig.host}/fleet/apps:1.0.0`, ARTIFACT, created);
    await tagMany(client, `oci://${rig.host}/fleet/apps:1.0.0`, manyTags());
    newest = await pushFiles(client, `oci://${rig.host}/fleet/apps:v2.0.0`, { ...ARTIFACT, 'apps/new.yaml': 'a: 1\n' }, new Date('2026-05-01T00:00:00Z'));
    await pushFiles(client, `oci://${rig.host}/other/repo:latest`, { 'x.yaml': 'x: 1\n' });
    home.dir = await mkdtemp(join(tmpdir(), 'flux-oci-home-'));
    process.env.DOCKER_CONFIG = home.dir;
    lsp = await startServer({
      files: {
        'clusters/apps.yaml': `apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  interval: 5m\n  url: oci://${rig.host}/fleet/apps\n  ref:\n    tag: 1.0.0\n    semver: ">=1.0.0"\n---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: unrelated\nspec:\n  interval: 5m\n  url: oci://${rig.host}/other/repo\n`,
      },
    });
    // Wait for the workspace scan to index the file (a state, not a time).
    for (;;) {
      const { registries } = await request(lsp, ListRegistriesRequest, { configured: [] });
      if (registries.length > 0) break;
      await new Promise((r) => setImmediate(r));
    }
  });

  after(async () => {
    await lsp?.close();
    client?.close();
    await rig?.stop();
    await rm(home.dir, { recursive: true, force: true });
  });

  test('registries from settings and the workspace; repositories from the workspace and the catalog', async () => {
    const { registries } = await request(lsp, ListRegistriesRequest, { configured: ['ghcr.io/org/app', `oci://${rig.host}`] });
    assert.deepEqual(registries.find((r) => r.registry === rig.host)?.sources.sort(), ['settings', 'workspace']);
    assert.deepEqual(registries.find((r) => r.registry === 'ghcr.io')?.sources, ['settings']);
    const repos = await request(lsp, ListRepositoriesRequest, { registry: rig.host, configured: [`${rig.host}/configured/only`] });
    assert.equal(repos.catalog, 'listed');
    assert.equal(repos.problem, undefined);
    const byName = new Map(repos.repositories.map((r) => [r.name, r]));
    assert.deepEqual(byName.get('fleet/apps')?.sources.sort(), ['catalog', 'workspace']);
    assert.deepEqual(byName.get('other/repo')?.sources.sort(), ['catalog', 'workspace']);
    assert.deepEqual(byName.get('configured/only')?.sources, ['settings']);
    assert.equal(byName.get('fleet/apps')?.repository, `oci://${rig.host}/fleet/apps`);
  });

  test('1,500 tags: newest semver first, paged with Load more, each with digest and created time', async () => {
    const repository = `oci://${rig.host}/fleet/apps`;
    const first = await request(lsp, ListTagsRequest, { repository, limit: 100 });
    assert.equal(first.problem, undefined);
    // 1,500 seeded + v2.0.0 + the seed's own 1.0.0 tag (already among them), minus the signature tag.
    assert.equal(first.total, 1501);
    assert.equal(first.tags.length, 100);
    assert.equal(first.nextOffset, 100);
    assert.deepEqual(first.tags.slice(0, 4).map((t) => t.tag), ['v2.0.0', '1.14.96', '1.14.95', 'v1.14.94']);
    assert.equal(first.tags[0].digest, newest);
    assert.equal(first.tags[1].digest, digest);
    assert.equal(first.tags[1].created, '2026-03-04T05:06:07Z');
    assert.equal(first.tags[1].revision, 'main@sha1:0123456789abcdef0123456789abcdef01234567');
    const seen: TagInfo[] = [...first.tags];
    let offset: number | undefined = first.nextOffset;
    while (offset !== undefined) {
      const page: { tags: TagInfo[]; nextOffset?: number } = await request(lsp, ListTagsRequest, { repository, offset, limit: 400 });
      seen.push(...page.tags);
      offset = page.nextOffset;
    }
    const names = seen.map((t) => t.tag);
    assert.equal(names.length, 1501);
    assert.equal(new Set(names).size, 1501, 'no tag twice across pages');
    assert.deepEqual(names.slice(-2), ['latest', 'main'], 'tags that are not versions come after the versions');
    assert.ok(!names.some((n) => n.endsWith('.sig')), 'signature tags are hidden');
    assert.ok(seen.every((t) => t.digest === digest || t.tag === 'v2.0.0'));
  });

  test('preview: the tree and file contents of a tag, served from temporary storage', async () => {
    const tree = await request(lsp, ReadArtifactTreeRequest, { reference: `oci://${rig.host}/fleet/apps:1.0.0` });
    assert.equal(tree.digest, digest);
    assert.equal(tree.reference, `oci://${rig.host}/fleet/apps:1.0.0@${digest}`);
    assert.deepEqual(tree.entries.map((e) => `${e.type[0]} ${e.path}`), ['d apps', 'f apps/config.yaml', 'f apps/deploy.yaml', 'f kustomization.yaml']);
    assert.equal(tree.entries.find((e) => e.path === 'apps/deploy.yaml')?.size, ARTIFACT['apps/deploy.yaml'].length);
    const file = await request(lsp, ReadArtifactFileRequest, { reference: tree.reference, path: 'apps/deploy.yaml' });
    assert.equal(Buffer.from(file.base64, 'base64').toString('utf8'), ARTIFACT['apps/deploy.yaml']);
    for (const path of ['../../../etc/passwd', 'apps/../../x', 'missing.yaml', 'apps']) {
      await assert.rejects(request(lsp, ReadArtifactFileRequest, { reference: tree.reference, path }), (e: unknown) => e instanceof ResponseError && /is not in|is a folder/.test(e.message), path);
    }
    await assert.rejects(request(lsp, ReadArtifactTreeRequest, { reference: `oci://${rig.host}/fleet/apps:9.9.9` }), (e: unknown) => e instanceof ResponseError && /not found/.test(e.message) && (e.data as { kind: string }).kind === 'notFound');
  });

  test('compare with a local folder: added, removed and changed files; ignore rules on the folder', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'flux-oci-local-'));
    await writeTree(folder, {
      'kustomization.yaml': ARTIFACT['kustomization.yaml'],
      'apps/deploy.yaml': ARTIFACT['apps/deploy.yaml'].replace('web', 'api'),
      'apps/extra.yaml': 'kind: Service\n',
      'notes.tmp': 'scratch',
      '.sourceignore': '*.tmp\n',
      'logo.png': 'png',
    });
    const result = await request(lsp, CompareWithFolderRequest, { reference: `oci://${rig.host}/fleet/apps:1.0.0`, folder, ignorePaths: ['apps/extra.yaml'] });
    assert.deepEqual({ added: result.added, removed: result.removed, changed: result.changed, unchanged: result.unchanged }, { added: ['.sourceignore'], removed: ['apps/config.yaml'], changed: ['apps/deploy.yaml'], unchanged: 1 });
    const again = await request(lsp, CompareWithFolderRequest, { reference: `oci://${rig.host}/fleet/apps:1.0.0`, folder });
    assert.deepEqual(again.added, ['.sourceignore', 'apps/extra.yaml']);
    await rm(folder, { recursive: true, force: true });
  });

  test('pin digest: the OCIRepository of that repository gets ref.digest (tag and semver go), others stay', async () => {
    const reference = `oci://${rig.host}/fleet/apps@${newest}`;
    const before = await readFile(join(lsp.root, 'clusters/apps.yaml'), 'utf8');
    const result = await request(lsp, PinDigestEditRequest, { reference });
    assert.deepEqual(result.objects.map((o) => o.name), ['apps']);
    await lsp.applyEdit(result.edit);
    const after = await readFile(join(lsp.root, 'clusters/apps.yaml'), 'utf8');
    assert.equal(after, before.replace('  ref:\n    tag: 1.0.0\n    semver: ">=1.0.0"\n', `  ref:\n    digest: ${newest}\n`));
    // A tag reference is resolved to its digest first.
    const byTag = await request(lsp, PinDigestEditRequest, { reference: `oci://${rig.host}/other/repo:latest` });
    assert.match(byTag.digest, /^sha256:[a-f0-9]{64}$/);
    assert.deepEqual(byTag.objects.map((o) => o.name), ['unrelated']);
    const edits = Object.values(byTag.edit.changes ?? {}).flat();
    assert.equal(edits.length, 1);
    assert.match(edits[0].newText, new RegExp(`^  ref:\\n    digest: ${byTag.digest}\\n$`));
    const none = await request(lsp, PinDigestEditRequest, { reference: `oci://${rig.host}/nobody/uses@${newest}` });
    assert.deepEqual(none.objects, []);
  });

  test('use in OCIRepository: a complete pair that our own diagnostics accept', async () => {
    const { text } = await request(lsp, OciRepositoryTemplateRequest, { reference: `oci://${rig.host}/fleet/apps:v2.0.0` });
    assert.match(text, /kind: OCIRepository[\s\S]*url: oci:\/\/127\.0\.0\.1:\d+\/fleet\/apps\n  ref:\n    tag: v2\.0\.0\n  insecure: true\n---\n[\s\S]*kind: Kustomization[\s\S]*sourceRef:\n    kind: OCIRepository\n    name: apps\n/);
    const diagnostics = await lsp.open('generated.yaml', text);
    assert.deepEqual(diagnostics.filter((d) => d.severity === 1 || d.severity === 2).map((d) => d.message), []);
  });

  test('tags: add one, delete one (tag alone is refused by this registry; the manifest can go)', async () => {
    const repository = `oci://${rig.host}/fleet/apps`;
    const added = await request(lsp, AddTagRequest, { reference: `${repository}:v2.0.0`, tag: 'stable' });
    assert.equal(added.digest, newest);
    const page = await allTags(lsp, repository);
    assert.ok(page.some((t) => t.tag === 'stable' && t.digest === newest), 'the new tag is listed at once');
    await assert.rejects(request(lsp, AddTagRequest, { reference: `${repository}:v2.0.0`, tag: '-bad' }), /not a valid tag/);
    await assert.rejects(
      request(lsp, DeleteTagRequest, { reference: `${repository}:stable` }),
      (e: unknown) => e instanceof ResponseError && (e.data as { kind: string }).kind === 'tagDeleteUnsupported' && /delete the manifest instead/.test(e.message),
    );
    const deleted = await request(lsp, DeleteTagRequest, { reference: `${repository}:stable`, manifest: true });
    assert.deepEqual(deleted, { deleted: 'manifest', digest: newest });
    const afterDelete = await allTags(lsp, repository);
    assert.ok(!afterDelete.some((t) => t.tag === 'stable' || t.tag === 'v2.0.0'), 'both tags of the deleted manifest are gone');
    assert.equal(afterDelete.length, 1500);
  });

  test('pull to a folder through the safe extractor', async () => {
    const out = await mkdtemp(join(tmpdir(), 'flux-oci-pulled-'));
    const result = await request(lsp, PullToFolderRequest, { reference: `oci://${rig.host}/fleet/apps:1.0.0`, folder: join(out, 'apps') });
    assert.equal(result.digest, digest);
    assert.equal(result.files, 3);
    assert.deepEqual((await readdir(join(out, 'apps'))).sort(), ['apps', 'kustomization.yaml']);
    await rm(out, { recursive: true, force: true });
  });

  test('an unreachable registry is a problem of its own, not a failed request', async () => {
    const result = await request(lsp, ListTagsRequest, { repository: 'oci://127.0.0.1:9/nothing/here' });
    assert.equal(result.problem?.kind, 'unreachable');
    assert.match(result.problem?.message ?? '', /127\.0\.0\.1:9/);
  });
});

describe('explorer requests on a registry that wants credentials', () => {
  let rig: RegistryRig;
  let lsp: LspSession;

  before(async () => {
    rig = await startRegistry({ auth: 'basic-tls' });
    const client = clientFor(rig);
    await pushFiles(client, `oci://${rig.host}/secure/app:1.0.0`, ARTIFACT);
    client.close();
    lsp = await startServer({ settings: { registry: { caFiles: { [rig.host]: rig.caFile } } } });
  });

  after(async () => {
    await lsp?.close();
    await rig?.stop();
  });

  test('401 gives an auth problem (the client shows Sign in); after sign-in the tags come', async () => {
    const repository = `oci://${rig.host}/secure/app`;
    // The server reads its settings (the CA) right after start-up; wait for that state.
    let denied = await request(lsp, ListTagsRequest, { repository });
    for (const deadline = Date.now() + budget(20_000); denied.problem?.kind !== 'auth' && Date.now() < deadline; ) {
      await new Promise((r) => setImmediate(r));
      denied = await request(lsp, ListTagsRequest, { repository, refresh: true });
    }
    assert.equal(denied.problem?.kind, 'auth', denied.problem?.message);
    const repos = await request(lsp, ListRepositoriesRequest, { registry: rig.host, configured: [rig.host] });
    assert.equal(repos.problem?.kind, 'auth');
    await lsp.conn.sendRequest('fluxOci/setCredentials', { credentials: [{ registry: rig.host, username: rig.username, secret: rig.password }] });
    const allowed = await request(lsp, ListTagsRequest, { repository });
    assert.equal(allowed.problem, undefined);
    assert.deepEqual(allowed.tags.map((t) => t.tag), ['1.0.0']);
    const tree = await request(lsp, ReadArtifactTreeRequest, { reference: `${repository}:1.0.0` });
    assert.equal(tree.entries.length, 4);
  });
});
