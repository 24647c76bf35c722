// Where registry credentials come from, in order: what the caller passes,
// the Docker config file (inline `auths`, then credential helpers), else none.

import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DOCKER_HUB } from '../reference';

export type Credentials =
  | { kind: 'basic'; username: string; password: string }
  /** An OAuth2 refresh token ("identitytoken" in Docker's config). */
  | { kind: 'identityToken'; username?: string; token: string }
  /** A ready-made bearer token ("registrytoken"). */
  | { kind: 'registryToken'; token: string };

/** Looks credentials up for a registry host; undefined means anonymous. */
export type CredentialSource = (registry: string, signal: AbortSignal) => Promise<Credentials | undefined>;

export class CredentialError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialError';
  }
}

/** Docker stores Docker Hub under its legacy index URL. */
const DOCKER_HUB_KEYS = ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'];
const HELPER_TIMEOUT_MS = 15_000;

interface DockerConfigFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string; registrytoken?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

export interface DockerConfigOptions {
  /** Folder holding config.json; defaults to $DOCKER_CONFIG, else ~/.docker. */
  configDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Runs `docker-credential-<name> get`; replaceable in tests. */
  runHelper?: (helper: string, serverUrl: string, signal: AbortSignal) => Promise<string>;
}

/** `user:password` as given to --creds; the password may itself contain colons. */
export function parseCredentialsFlag(value: string): Credentials {
  const colon = value.indexOf(':');
  if (colon <= 0) throw new CredentialError('credentials must be given as <username>:<password>');
  return { kind: 'basic', username: value.slice(0, colon), password: value.slice(colon + 1) };
}

function normaliseConfigKey(key: string): string {
  let host = key.trim();
  host = host.replace(/^[a-z]+:\/\//i, '');
  const slash = host.indexOf('/');
  if (slash >= 0) host = host.slice(0, slash);
  host = host.toLowerCase();
  if (DOCKER_HUB_KEYS.includes(host) || host === 'index.docker.io') return DOCKER_HUB;
  return host;
}

function findEntry<T>(map: Record<string, T> | undefined, registry: string): T | undefined {
  if (!map) return undefined;
  const wanted = normaliseConfigKey(registry);
  for (const [key, value] of Object.entries(map)) {
    if (normaliseConfigKey(key) === wanted) return value;
  }
  return undefined;
}

/** Credentials from the Docker config file and its helpers, as docker and flux read them. */
export function dockerConfigCredentials(options: DockerConfigOptions = {}): CredentialSource {
  const env = options.env ?? process.env;
  const dir = options.configDir ?? env.DOCKER_CONFIG ?? join(homedir(), '.docker');
  const runHelper = options.runHelper ?? runCredentialHelper;
  return async (registry, signal) => {
    let config: DockerConfigFile;
    try {
      config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as DockerConfigFile;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      // JSON.parse quotes the text around a syntax error, which may be a secret: say only where.
      if (error instanceof SyntaxError) throw new CredentialError(`the Docker config ${join(dir, 'config.json')} is not valid JSON`);
      throw new CredentialError(`cannot read the Docker config in ${dir}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
    }
    const helper = findEntry(config.credHelpers, registry) ?? config.credsStore;
    const entry = findEntry(config.auths, registry);
    if (entry) {
      if (entry.identitytoken) {
        return { kind: 'identityToken', token: entry.identitytoken, username: entry.username ?? decodeAuth(entry.auth)?.username };
      }
      if (entry.registrytoken) return { kind: 'registryToken', token: entry.registrytoken };
      if (entry.auth) {
        const decoded = decodeAuth(entry.auth);
        if (!decoded) throw new CredentialError(`the "auth" entry for ${registry} in the Docker config is not base64 of user:password`);
        return { kind: 'basic', ...decoded };
      }
      if (entry.username && entry.password) return { kind: 'basic', username: entry.username, password: entry.password };
    }
    if (helper) {
      const serverUrl = normaliseConfigKey(registry) === DOCKER_HUB ? 'https://index.docker.io/v1/' : registry;
      const output = await runHelper(helper, serverUrl, signal);
      if (output === '') return undefined;
      let parsed: { Username?: string; Secret?: string };
      try {
        parsed = JSON.parse(output) as { Username?: string; Secret?: string };
      } catch {
        throw new CredentialError(`docker-credential-${helper} returned something that is not JSON`);
      }
      if (!parsed.Secret) return undefined;
      if (parsed.Username === '<token>') return { kind: 'identityToken', token: parsed.Secret };
      return { kind: 'basic', username: parsed.Username ?? '', password: parsed.Secret };
    }
    return undefined;
  };
}

function decodeAuth(auth: string | undefined): { username: string; password: string } | undefined {
  if (!auth) return undefined;
  const text = Buffer.from(auth, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0) return undefined;
  return { username: text.slice(0, colon), password: text.slice(colon + 1).replace(/\0+$/, '') };
}

/** Run `docker-credential-<helper> get` with the server URL on stdin. Empty string: no credentials. */
export function runCredentialHelper(helper: string, serverUrl: string, signal: AbortSignal): Promise<string> {
  if (!/^[A-Za-z0-9_.-]+$/.test(helper)) return Promise.reject(new CredentialError(`credential helper name "${helper}" is not allowed`));
  const program = `docker-credential-${helper}`;
  return new Promise((resolve, reject) => {
    const child = spawn(program, ['get'], { stdio: ['pipe', 'pipe', 'pipe'], signal, timeout: HELPER_TIMEOUT_MS });
    const out: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    // stderr is read but never repeated: helpers may echo secrets there.
    child.stderr.resume();
    child.on('error', (error) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') reject(new CredentialError(`credential helper ${program} is not installed`));
      else reject(new CredentialError(`credential helper ${program} failed to start: ${(error as NodeJS.ErrnoException).code ?? error.name}`));
    });
    child.on('close', (code) => {
      const text = Buffer.concat(out).toString('utf8').trim();
      if (code === 0) return resolve(text);
      // Helpers answer "credentials not found in native keychain" for unknown servers.
      if (/not found/i.test(text)) return resolve('');
      reject(new CredentialError(`credential helper ${program} exited with code ${code}`));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(serverUrl);
  });
}

/** The explicit credentials first (for their registry or any), then the given sources, else anonymous. */
export function credentialChain(explicit: Credentials | undefined, ...sources: CredentialSource[]): CredentialSource {
  return async (registry, signal) => {
    if (explicit) return explicit;
    for (const source of sources) {
      const found = await source(registry, signal);
      if (found) return found;
    }
    return undefined;
  };
}
