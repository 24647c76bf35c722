// Finds secrets in files about to be published: Kubernetes Secrets whose data is not
// SOPS-encrypted, private key blocks, .env files and kubeconfigs that carry credentials.
// Pure: takes a path and text, returns what it found with a line and a reason a user can act on.
import { isMap, isSeq, isScalar, LineCounter, parseAllDocuments, type Document, type Node } from 'yaml';

export interface SecretFinding {
  /** Path relative to the artifact root, POSIX separators. */
  path: string;
  /** 1-based line, when the finding has one. */
  line?: number;
  reason: string;
}

const PRIVATE_KEY = /-----BEGIN ((?:RSA|EC|DSA|OPENSSH|ENCRYPTED|PGP|SSH2 ENCRYPTED) )?PRIVATE KEY(?: BLOCK)?-----/g;
/** `.env`, `.env.production`; templates meant to be shared are fine. */
const ENV_FILE = /^\.env(?:\..+)?$/;
const ENV_TEMPLATE = /\.(?:example|sample|template|dist|defaults)$/;
const YAML_FILE = /\.(?:ya?ml|json)$/i;
/** Credential fields of a kubeconfig `users[].user`. */
const KUBECONFIG_SECRETS = ['token', 'tokenFile', 'password', 'client-key-data', 'client-key', 'auth-provider', 'exec'];
const KUBECONFIG_STRONG = new Set(['token', 'password', 'client-key-data', 'auth-provider']);

export function isEnvFile(path: string): boolean {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return ENV_FILE.test(name) && !ENV_TEMPLATE.test(name);
}

/** True for text we should read: no NUL byte in the first 8 KiB. */
export function looksLikeText(bytes: Buffer): boolean {
  return !bytes.subarray(0, 8192).includes(0);
}

export function scanForSecrets(path: string, text: string): SecretFinding[] {
  const findings: SecretFinding[] = [];
  if (isEnvFile(path)) findings.push({ path, reason: 'a .env file (environment files usually hold credentials); leave it out with .sourceignore' });
  for (const match of text.matchAll(PRIVATE_KEY)) {
    findings.push({ path, line: lineAt(text, match.index ?? 0), reason: `a private key block (${match[0].replace(/-/g, '').trim()})` });
  }
  if (YAML_FILE.test(path) && /\b(?:Secret|Config)\b/.test(text)) findings.push(...scanYaml(path, text));
  return findings;
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

function scanYaml(path: string, text: string): SecretFinding[] {
  const lineCounter = new LineCounter();
  let documents: Document.Parsed[];
  try {
    documents = parseAllDocuments(text, { lineCounter, uniqueKeys: false }) as Document.Parsed[];
  } catch {
    return [];
  }
  if (!Array.isArray(documents)) return [];
  const findings: SecretFinding[] = [];
  const lineOf = (node: Node | null | undefined) => (node?.range ? lineCounter.linePos(node.range[0]).line : undefined);
  for (const document of documents) {
    const root = document.contents;
    if (!isMap(root)) continue;
    const kind = scalarAt(root, 'kind');
    if (kind === 'Secret') {
      if (root.has('sops')) continue;
      for (const key of ['data', 'stringData']) {
        const pair = root.items.find((p) => isScalar(p.key) && p.key.value === key);
        const values = pair?.value;
        if (!isMap(values) || values.items.length === 0) continue;
        const plain = values.items.filter((pair) => !(isScalar(pair.value) && typeof pair.value.value === 'string' && pair.value.value.startsWith('ENC[')));
        if (plain.length === 0) continue;
        const metadata = root.get('metadata', true);
        const name = isMap(metadata) ? scalarAt(metadata, 'name') : undefined;
        findings.push({
          path,
          line: lineOf(pair!.key as Node),
          reason: `Secret${name ? ` "${name}"` : ''} has ${key} that is not SOPS-encrypted (${plain.length} key${plain.length === 1 ? '' : 's'}); encrypt it with sops or keep it out of the artifact`,
        });
        break;
      }
    } else if (kind === 'Config') {
      const users = root.get('users', true);
      if (!isSeq(users)) continue;
      for (const entry of users.items) {
        if (!isMap(entry)) continue;
        const user = entry.get('user', true);
        if (!isMap(user)) continue;
        const held = KUBECONFIG_SECRETS.filter((field) => user.has(field) && KUBECONFIG_STRONG.has(field));
        if (held.length === 0) continue;
        const name = scalarAt(entry, 'name');
        findings.push({ path, line: lineOf(user as Node), reason: `a kubeconfig whose user${name ? ` "${name}"` : ''} carries credentials (${held.join(', ')})` });
      }
    }
  }
  return findings;
}

function scalarAt(map: { get(key: string, keepScalar: true): unknown }, key: string): string | undefined {
  const node = map.get(key, true);
  return isScalar(node) && typeof node.value === 'string' ? node.value : undefined;
}
