// Starts Debian's `docker-registry serve` on a free loopback port for tests,
// in one of three setups: anonymous HTTP, TLS (test-made CA) + htpasswd
// Basic, or Bearer tokens from a loopback token issuer written in the tests.

import { spawn, execFileSync, ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as net from 'node:net';
import * as http from 'node:http';
import * as https from 'node:https';
import { startTokenIssuer, TokenIssuer } from './tokenIssuer';
import { budget } from '../timing';

export interface RegistryRig {
  host: string /* "127.0.0.1:<port>" */;
  url: string;
  caFile?: string;
  username?: string;
  password?: string;
  dataDir: string;
  stop(): Promise<void>;
  /** Stops the process but keeps the storage and port (for outage tests). */
  pause(): Promise<void>;
  /** Starts the paused registry again on the same port. */
  resume(): Promise<void>;
  /** Token mode only: the issuer and what it was asked for. */
  tokenIssuer?: TokenIssuer;
  /** Token mode only: a refresh token the issuer's OAuth2 POST form accepts. */
  refreshToken?: string;
}

const USERNAME = 'alice';
const PASSWORD = 's3cret-Pa55';
const REFRESH_TOKEN = 'refresh-7f3a9c';
const START_TIMEOUT_MS = budget(30_000);

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'ignore' });
}

/** A CA and a server certificate for 127.0.0.1 signed by it. */
export function makeTlsFiles(dir: string): { caFile: string; certFile: string; keyFile: string } {
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=flux-oci test CA'], dir);
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'tls.key', '-out', 'tls.csr', '-subj', '/CN=127.0.0.1'], dir);
  execFileSync('sh', ['-c', 'printf "subjectAltName=IP:127.0.0.1\\n" > san.ext'], { cwd: dir });
  openssl(['x509', '-req', '-in', 'tls.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'tls.crt', '-days', '2', '-extfile', 'san.ext'], dir);
  return { caFile: join(dir, 'ca.crt'), certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') };
}

function probe(url: string, ca: string | undefined): Promise<number> {
  return new Promise((resolve) => {
    const module = url.startsWith('https:') ? https : http;
    const req = module.get(url, { ca, timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
  });
}

export async function startRegistry(opts: { auth: 'none' | 'basic-tls' | 'token' }): Promise<RegistryRig> {
  const dir = await mkdtemp(join(tmpdir(), 'flux-oci-registry-'));
  const dataDir = join(dir, 'data');
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const lines = ['version: 0.1', 'log: {level: error, accesslog: {disabled: true}}', `storage: {filesystem: {rootdirectory: ${dataDir}}, delete: {enabled: true}}`];
  let url = `http://${host}`;
  let caFile: string | undefined;
  let username: string | undefined;
  let password: string | undefined;
  let tokenIssuer: TokenIssuer | undefined;
  if (opts.auth === 'basic-tls') {
    const tls = makeTlsFiles(dir);
    caFile = tls.caFile;
    username = USERNAME;
    password = PASSWORD;
    const htpasswd = execFileSync('htpasswd', ['-Bbn', USERNAME, PASSWORD], { encoding: 'utf8' });
    await writeFile(join(dir, 'htpasswd'), htpasswd);
    lines.push(`http: {addr: ${host}, tls: {certificate: ${tls.certFile}, key: ${tls.keyFile}}}`);
    lines.push(`auth: {htpasswd: {realm: test, path: ${join(dir, 'htpasswd')}}}`);
    url = `https://${host}`;
  } else if (opts.auth === 'token') {
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'signing.key', '-out', 'signing.crt', '-days', '2', '-subj', '/CN=test-issuer'], dir);
    username = USERNAME;
    password = PASSWORD;
    tokenIssuer = await startTokenIssuer({
      certFile: join(dir, 'signing.crt'),
      keyFile: join(dir, 'signing.key'),
      service: 'test-registry',
      issuer: 'test-issuer',
      username: USERNAME,
      password: PASSWORD,
      refreshToken: REFRESH_TOKEN,
    });
    lines.push(`http: {addr: ${host}}`);
    lines.push('auth:', '  token:', `    realm: ${tokenIssuer.url}`, '    service: test-registry', '    issuer: test-issuer', `    rootcertbundle: ${join(dir, 'signing.crt')}`);
  } else {
    lines.push(`http: {addr: ${host}}`);
  }
  const configFile = join(dir, 'config.yml');
  await writeFile(configFile, lines.join('\n') + '\n');

  let child!: ChildProcess;
  let stderr = '';
  let exited = false;
  const launch = () => {
    stderr = '';
    exited = false;
    const started: ChildProcess = spawn('docker-registry', ['serve', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    started.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4000);
    });
    started.on('exit', () => {
      if (child === started) exited = true;
    });
    child = started;
  };
  const kill = async () => {
    if (!exited) {
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await gone;
      clearTimeout(timer);
    }
  };
  const stop = async () => {
    await kill();
    await tokenIssuer?.stop();
    await rm(dir, { recursive: true, force: true });
  };

  const ca = caFile ? readFileSync(caFile, 'utf8') : undefined;
  const ready = async () => {
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const status = await probe(`${url}/v2/`, ca);
      if (status === 200 || status === 401) break;
      if (exited || Date.now() > deadline) {
        await stop();
        throw new Error(`docker-registry did not start on ${host}: ${stderr.trim() || 'no output'}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  launch();
  await ready();
  /** Stops the registry process, keeping its storage (a registry going away mid-session). */
  const pause = kill;
  /** Starts it again on the same port with the same storage. */
  const resume = async () => {
    launch();
    await ready();
  };
  return { host, url, caFile, username, password, dataDir, stop, pause, resume, tokenIssuer, refreshToken: tokenIssuer ? REFRESH_TOKEN : undefined };
}
