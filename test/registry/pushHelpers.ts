// Helpers of the push tests: folders to push, and independent checks of what arrived (skopeo
// for the manifest, a plain HTTP blob download and the system `tar` for the layer).
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { budget } from '../timing';
import type { RegistryRig } from './rig';
import { skopeo, skopeoFlags } from './helpers';

export const FLUX = {
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.cncf.flux.config.v1+json',
  content: 'application/vnd.cncf.flux.content.v1.tar+gzip',
};

export async function makeFolder(files: Record<string, string | Buffer>, prefix = 'flux-oci-push-src-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, rel)), { recursive: true });
    await writeFile(join(dir, rel), content);
  }
  return dir;
}

/** A clean deploy folder: Flux objects that lint clean, a README Flux would pack, a PNG it ignores. */
export const DEPLOY_FILES: Record<string, string> = {
  'kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [apps/deployment.yaml]\n',
  'apps/deployment.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n',
  'apps/sync.yaml': 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  interval: 10m\n  prune: true\n  path: ./apps\n  sourceRef:\n    kind: OCIRepository\n    name: apps\n',
  'README.md': '# notes\n',
  'logo.png': 'not really a png',
};

export interface RawManifest {
  mediaType: string;
  config: { mediaType: string; digest: string; size: number };
  layers: Array<{ mediaType: string; digest: string; size: number }>;
  annotations: Record<string, string>;
}

/** The manifest as skopeo (an independent client) reads it. */
export async function inspectRaw(rig: RegistryRig, repoAndRef: string): Promise<RawManifest> {
  return JSON.parse(await skopeo(['inspect', '--raw', ...(await skopeoFlags(rig)), `docker://${rig.host}/${repoAndRef}`])) as RawManifest;
}

/** The digest skopeo computes for a tag (undefined when the tag does not exist). */
export async function tagDigest(rig: RegistryRig, repoAndTag: string): Promise<string | undefined> {
  try {
    const out = await skopeo(['inspect', '--raw', ...(await skopeoFlags(rig)), `docker://${rig.host}/${repoAndTag}`]);
    const { createHash } = await import('node:crypto');
    return `sha256:${createHash('sha256').update(out).digest('hex')}`;
  } catch {
    return undefined;
  }
}

/** Downloads a blob with plain fetch (anonymous rig) and lists it with the system tar. */
export async function layerListing(rig: RegistryRig, repository: string, digest: string): Promise<{ names: string[]; verbose: string; file: string }> {
  assert.ok(!rig.username, 'layerListing reads from the anonymous rig');
  const response = await fetch(`${rig.url}/v2/${repository}/blobs/${digest}`);
  assert.equal(response.status, 200);
  const bytes = Buffer.from(await response.arrayBuffer());
  const { createHash } = await import('node:crypto');
  assert.equal(`sha256:${createHash('sha256').update(bytes).digest('hex')}`, digest, 'the blob is what the manifest names');
  const dir = await mkdtemp(join(tmpdir(), 'flux-oci-layer-'));
  const file = join(dir, 'layer.tar.gz');
  await writeFile(file, bytes);
  const names = execFileSync('tar', ['-tzf', file], { encoding: 'utf8' }).trim().split('\n').sort();
  const verbose = execFileSync('tar', ['--numeric-owner', '--full-time', '-tvzf', file], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
  return { names, verbose, file };
}

/** Asserts the layer's tar entries carry Flux's normalised metadata (owner 0/0, zero times). */
export function assertNormalisedEntries(verbose: string): void {
  for (const line of verbose.trim().split('\n')) {
    assert.match(line, /^[-d]\S+ 0\/0 /, `owner 0/0 and only files or folders: ${line}`);
    assert.match(line, / 1970-01-01 00:00:00 /, `zero timestamp: ${line}`);
  }
}

const CLI_JS = resolve(__dirname, '..', '..', 'dist', 'cli.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/cli.js` with `args` in `cwd`; resolves with its exit status and output. */
export function runCli(cwd: string, args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI_JS, ...args], { cwd, env: { ...process.env, ...env }, timeout: budget(120_000), maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}
