// The rig of the live-intelligence suites: a real registry seeded through a direct client, the
// fault proxy in front of it, and a language server with no Docker credentials of the machine;
// plus the Flux documents those suites open. Everything started is stopped by `stop()`, and a
// start-up that fails half-way stops what it had started before it throws.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RegistryClient } from '../../server/src/oci/registry';
import type { LspSession } from '../lsp/lspClient';
import { startRegistry, type RegistryRig } from './rig';
import { startFaultProxy, type FaultProxy, type FaultRule } from './faultProxy';
import { clientFor } from './helpers';
import { startLiveServer } from './liveHelpers';

export type RegistryAuth = Parameters<typeof startRegistry>[0]['auth'];
/** Pushes what a suite needs; `host` is the registry's own host (not the proxy's). */
export type Seed = (client: RegistryClient, host: string) => Promise<unknown>;

/** Pushes `seed` to the registry with a direct client, closed afterwards whatever happens. */
export async function seedRegistry(rig: RegistryRig, seed: Seed): Promise<void> {
  const client = clientFor(rig);
  try {
    await seed(client, rig.host);
  } finally {
    client.close();
  }
}

/** Starts the fault proxy in front of `rig` (trusting the registry's CA where it has one), with `rules` in place. */
export async function startProxyFor(rig: RegistryRig, rules: FaultRule[] = []): Promise<FaultProxy> {
  const proxy = await startFaultProxy({ upstream: rig.url, caFile: rig.caFile, dataDir: rig.dataDir });
  proxy.rules.push(...rules);
  return proxy;
}

export interface LiveRig {
  rig: RegistryRig;
  proxy: FaultProxy;
  lsp: LspSession;
  /** A client straight to the registry (not through the proxy), for pushes and checks of the tests. */
  direct: RegistryClient;
  /** A scratch folder when `scratchPrefix` was given, else ''; removed by stop(). */
  work: string;
  stop(): Promise<void>;
}

export interface LiveRigOptions {
  auth?: RegistryAuth;
  seed?: Seed;
  /** Fault rules in place before the server starts. */
  rules?: FaultRule[];
  /** The server's settings (default: a registry cache of 600 s, so tests see each listing once). */
  settings?: Record<string, unknown>;
  /** Makes a scratch folder (LiveRig.work) with this name prefix in the temporary folder. */
  scratchPrefix?: string;
}

/** Registry (anonymous unless `auth`), seeded; the fault proxy in front; a live language server. */
export async function startLiveRig(options: LiveRigOptions = {}): Promise<LiveRig> {
  const started: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of started.splice(0).reverse()) await s();
  };
  try {
    const rig = await startRegistry({ auth: options.auth ?? 'none' });
    started.push(() => rig.stop());
    if (options.seed) await seedRegistry(rig, options.seed);
    const proxy = await startProxyFor(rig, options.rules);
    started.push(() => proxy.stop());
    const lsp = await startLiveServer(options.settings ?? { registry: { cacheTtlSeconds: 600 } });
    started.push(() => lsp.close());
    const direct = clientFor(rig);
    started.push(async () => direct.close());
    const work = options.scratchPrefix ? await mkdtemp(join(tmpdir(), options.scratchPrefix)) : '';
    if (work) started.push(() => rm(work, { recursive: true, force: true }));
    return { rig, proxy, lsp, direct, work, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** An OCIRepository of flux-system on oci://host/repository; `refLines` go under `ref:`, `extra` after it. */
export const ociSource = (host: string, repository: string, name: string, refLines: string, extra = '') => `apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: ${name}
  namespace: flux-system
spec:
  interval: 5m
  url: oci://${host}/${repository}
  ref:
${refLines}${extra}`;

/** The same OCIRepository at a tag. */
export const ociSourceAtTag = (host: string, repository: string, name: string, tag: string) => ociSource(host, repository, name, `    tag: ${tag}\n`);

/** A Kustomization of flux-system applying `path` of the OCIRepository `sourceName`. */
export const kustomizationOf = (name: string, sourceName: string, path: string) => `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: ${name}
  namespace: flux-system
spec:
  interval: 10m
  prune: true
  path: ${path}
  sourceRef:
    kind: OCIRepository
    name: ${sourceName}
`;
