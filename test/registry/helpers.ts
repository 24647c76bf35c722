// Shared helpers for the registry suite: clients wired to a rig, skopeo flags.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RegistryClient, RegistryClientOptions } from '../../server/src/oci/registry';
import { RegistryRig } from './rig';
import { budget } from '../timing';

export const AUTH_MODES = ['none', 'basic-tls', 'token'] as const;

/** A client for the rig with its credentials and CA, and nothing from ~/.docker. */
export function clientFor(rig: RegistryRig, extra: RegistryClientOptions = {}): RegistryClient {
  return new RegistryClient({
    credentials: rig.username && rig.password ? { kind: 'basic', username: rig.username, password: rig.password } : undefined,
    credentialSource: async () => undefined,
    caFiles: rig.caFile ? { [rig.host]: rig.caFile } : undefined,
    baseDelayMs: 20,
    ...extra,
  });
}

/** An upper bound for one operation (scaled with FLUX_OCI_TEST_TIME_SCALE). */
export function signal(ms = 30_000): AbortSignal {
  return AbortSignal.timeout(budget(ms));
}

const execFileAsync = promisify(execFile);

/** skopeo flags for the rig: credentials, and either the CA folder or no TLS. */
export async function skopeoFlags(rig: RegistryRig): Promise<string[]> {
  const flags: string[] = [];
  if (rig.username && rig.password) flags.push('--creds', `${rig.username}:${rig.password}`);
  if (rig.caFile) {
    // skopeo reads every *.crt in the folder as a CA; keep the keys out of it.
    const dir = await mkdtemp(join(tmpdir(), 'flux-oci-skopeo-ca-'));
    await copyFile(rig.caFile, join(dir, 'ca.crt'));
    flags.push('--cert-dir', dir);
  } else flags.push('--tls-verify=false');
  return flags;
}

export async function skopeo(args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('skopeo', args, { timeout: budget(60_000), maxBuffer: 64 * 1024 * 1024, env: { ...process.env, HOME: tmpdir() } });
  return stdout;
}

/** Asserts that no captured log line holds a credential, an authorization value or a query string. */
export function assertLogsHoldNoSecrets(logs: readonly string[], rig: RegistryRig): void {
  assert.ok(logs.length > 10, 'the client did log');
  const text = logs.join('\n');
  for (const secret of [rig.password, rig.refreshToken, rig.password && Buffer.from(`${rig.username}:${rig.password}`).toString('base64')]) {
    if (secret) assert.ok(!text.includes(secret), 'a secret reached the log');
  }
  assert.ok(!/Bearer |Basic |eyJ[A-Za-z0-9_-]{10,}/.test(text), 'no authorization value or JWT in the log');
  assert.ok(!/\?/.test(text), 'no query strings (signed URLs, mount sources, digests of uploads) in the log');
}
