// Registry Secrets written by hand: plain JSON under `data:` (the API server expects base64
// there), and the Secret type `oci-registry`, which Kubernetes does not have.
// SOPS-encrypted Secrets are left alone: their values are ciphertext.
import { isAlias, isMap, isScalar, type Node, type Pair, type YAMLMap } from 'yaml';
import type { ParsedDocument, PlacedDocument } from '../documents';
import { findPair, scalarString } from '../fluxObjects';
import type { Finding, TextEdit } from '../types';
import { childIndent, deletePair, endOfBlock, fileRange, insertLines, pairLines, replaceNode, type QuickFix } from './edits';

export const DOCKERCONFIG_TYPE = 'kubernetes.io/dockerconfigjson';
export const DOCKERCONFIG_KEY = '.dockerconfigjson';

export function isSecret(parsed: ParsedDocument): boolean {
  return parsed.identity?.group === '' && parsed.identity.kind === 'Secret';
}

export function isSopsEncrypted(parsed: ParsedDocument): boolean {
  return isMap(findPair(parsed.yaml.contents, 'sops')?.value);
}

/** Is this JSON text a Docker config (an object with an `auths` map)? */
export function isDockerConfigJson(text: string): boolean {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && typeof (value as { auths?: unknown }).auths === 'object' && (value as { auths?: unknown }).auths !== null;
  } catch {
    return false;
  }
}

const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

/** The text a `data` value stands for: a string as written, or a map written in flow style as JSON. */
function writtenValue(node: Node | null | undefined): string | undefined {
  if (isScalar(node)) return node.value === null ? undefined : String(node.value);
  if (isMap(node)) return JSON.stringify(node.toJSON());
  return undefined;
}

type DataState = 'ok' | 'plain-json' | 'bad-base64' | 'not-docker-config';

function dataState(value: string): DataState {
  if (isDockerConfigJson(value)) return 'plain-json';
  const compact = value.replace(/\s+/g, '');
  if (!BASE64.test(value) || compact.length % 4 !== 0) return 'bad-base64';
  return isDockerConfigJson(Buffer.from(compact, 'base64').toString('utf8')) ? 'ok' : 'not-docker-config';
}

export function secretContentFindings(parsed: ParsedDocument): Finding[] {
  if (!isSecret(parsed) || isSopsEncrypted(parsed)) return [];
  const root = parsed.yaml.contents;
  const findings: Finding[] = [];
  const typePair = findPair(root, 'type');
  const type = scalarString(typePair?.value);
  const range = (node: Node | null | undefined) => parsed.lines.rangeOf(node?.range?.[0] ?? 0, node?.range?.[1] ?? 0);
  if (type === 'oci-registry') {
    findings.push({
      range: range(typePair?.value),
      severity: 'error',
      code: 'flux/secret-type-oci-registry',
      message: `Secret type "oci-registry" does not exist; registry credentials for Flux are a ${DOCKERCONFIG_TYPE} Secret (what \`flux create secret oci\` makes)`,
    });
  }
  if (type !== DOCKERCONFIG_TYPE) return findings;
  const data = findPair(root, 'data')?.value;
  const stringData = findPair(root, 'stringData')?.value;
  const inData = findPair(data, DOCKERCONFIG_KEY);
  const inStringData = findPair(stringData, DOCKERCONFIG_KEY);
  if (!inData && !inStringData) {
    findings.push({
      range: range(typePair?.value),
      severity: 'error',
      code: 'flux/secret-missing-key',
      message: `a ${DOCKERCONFIG_TYPE} Secret needs the key ${DOCKERCONFIG_KEY} (under data: as base64, or under stringData: as JSON); the API server rejects it without`,
    });
    return findings;
  }
  if (inData) {
    const value = writtenValue(inData.value);
    // An alias stands for its anchor's value, which is judged where it is written.
    const state = isAlias(inData.value) ? 'ok' : value === undefined ? 'bad-base64' : dataState(value);
    const at = range((inData.value as Node | null) ?? (inData.key as Node));
    if (state === 'plain-json') {
      findings.push({ range: at, severity: 'error', code: 'flux/dockerconfigjson-plain', message: `${DOCKERCONFIG_KEY} under data: must be base64; this is plain JSON, which the API server rejects. Put it under stringData: or encode it` });
    } else if (state === 'bad-base64') {
      findings.push({ range: at, severity: 'error', code: 'flux/dockerconfigjson-invalid', message: `${DOCKERCONFIG_KEY} under data: is neither base64 nor JSON; it must be the base64 of a Docker config such as {"auths": {...}}` });
    } else if (state === 'not-docker-config') {
      findings.push({ range: at, severity: 'error', code: 'flux/dockerconfigjson-invalid', message: `${DOCKERCONFIG_KEY} decodes to something other than a Docker config JSON with "auths"; Flux cannot log in with it` });
    }
  } else if (inStringData) {
    const value = writtenValue(inStringData.value);
    if (value !== undefined && !isDockerConfigJson(value)) {
      findings.push({ range: range(inStringData.value), severity: 'error', code: 'flux/dockerconfigjson-invalid', message: `${DOCKERCONFIG_KEY} under stringData: must be a Docker config JSON with "auths"` });
    }
  }
  return findings;
}

/** Quick fixes for the findings above. */
export function secretContentFixes(uri: string, doc: PlacedDocument, code: string): QuickFix[] {
  const root = doc.parsed.yaml.contents;
  if (code === 'flux/secret-type-oci-registry') {
    const typeNode = findPair(root, 'type')?.value;
    if (!typeNode) return [];
    const keys = [...keysOf(findPair(root, 'data')?.value), ...keysOf(findPair(root, 'stringData')?.value)];
    const basic = keys.includes('username') || keys.includes('password');
    // A Secret holding only username/password would just trade this error for a missing
    // .dockerconfigjson key, so it is offered Opaque alone.
    const dockerConfig = !basic || keys.includes(DOCKERCONFIG_KEY);
    return [
      ...(dockerConfig ? [{ title: `Change the type to ${DOCKERCONFIG_TYPE}`, kind: 'quickfix' as const, isPreferred: !basic, edits: { [uri]: [replaceNode(doc, typeNode, DOCKERCONFIG_TYPE)] } }] : []),
      ...(basic ? [{ title: 'Change the type to Opaque (username/password, as a HelmRepository accepts)', kind: 'quickfix' as const, isPreferred: true, edits: { [uri]: [replaceNode(doc, typeNode, 'Opaque')] } }] : []),
    ];
  }
  if (code !== 'flux/dockerconfigjson-plain') return [];
  const dataPair = findPair(root, 'data');
  const data = dataPair?.value;
  const entry = findPair(data, DOCKERCONFIG_KEY);
  const value = writtenValue(entry?.value);
  if (!dataPair || !isMap(data) || !entry || value === undefined) return [];
  const fixes: QuickFix[] = [];
  const encoded = Buffer.from(value, 'utf8').toString('base64');
  fixes.push({ title: `Encode ${DOCKERCONFIG_KEY} as base64`, kind: 'quickfix', edits: { [uri]: [replaceNode(doc, entry.value as Node, encoded)] } });
  const moved = moveToStringData(doc, dataPair as Pair<Node, Node | null>, data, entry as Pair<Node, Node | null>, value);
  if (moved) fixes.unshift({ title: `Move ${DOCKERCONFIG_KEY} to stringData`, kind: 'quickfix', isPreferred: true, edits: { [uri]: moved } });
  return fixes;
}

const keysOf = (node: unknown): string[] => (isMap(node) ? node.items.flatMap((p) => (isScalar(p.key) ? [String(p.key.value)] : [])) : []);

/** Single-quoted YAML scalar of JSON text on one line. */
const quoted = (text: string) => `'${JSON.stringify(JSON.parse(text)).replace(/'/g, "''")}'`;

function moveToStringData(doc: PlacedDocument, dataPair: Pair<Node, Node | null>, data: YAMLMap, entry: Pair<Node, Node | null>, value: string): TextEdit[] | undefined {
  const root = doc.parsed.yaml.contents;
  const stringDataPair = findPair(root, 'stringData');
  const valueIsScalar = isScalar(entry.value);
  if (!stringDataPair && data.items.length === 1 && !data.flow) {
    // The only key: renaming `data` keeps the value exactly as written.
    const edits = [replaceNode(doc, dataPair.key, 'stringData')];
    if (!valueIsScalar) edits.push(replaceNode(doc, entry.value as Node, quoted(value)));
    return edits;
  }
  const entryLines = pairLines(doc, entry);
  if (!entryLines || data.flow) return undefined;
  // A scalar moves with its lines as written; a flow map becomes one quoted JSON line.
  const entryText = valueIsScalar
    ? doc.parsed.text.slice(entryLines[0], entryLines[1])
    : `${doc.parsed.text.slice(entryLines[0], entry.key.range![0])}${DOCKERCONFIG_KEY}: ${quoted(value)}\n`;
  const edits: TextEdit[] = [];
  if (data.items.length === 1) {
    const removal = deletePair(doc, dataPair);
    if (!removal) return undefined;
    edits.push(removal);
  } else edits.push({ range: fileRange(doc, entryLines[0], entryLines[1]), newText: '' });
  const stringData = stringDataPair?.value;
  if (stringDataPair && isMap(stringData) && !stringData.flow && stringData.items.length) {
    const indent = childIndent(doc, stringData, stringDataPair.key as Node);
    edits.push(insertLines(doc, endOfBlock(doc, stringData), reindent(entryText, indent)));
  } else if (!stringDataPair) {
    const keyColumn = ' '.repeat(doc.parsed.lines.positionAt(dataPair.key.range![0]).character);
    const block = `${keyColumn}stringData:\n${reindent(entryText, keyColumn + '  ')}`;
    edits.push(insertLines(doc, endOfBlock(doc, root as Node), block));
  } else return undefined;
  return edits;
}

/** Moves lines so that the first one starts at `indent`, keeping the relative indentation. */
function reindent(lines: string, indent: string): string {
  const first = /^ */.exec(lines)![0].length;
  return lines.split('\n').map((l) => (l ? indent + l.slice(Math.min(first, /^ */.exec(l)![0].length)) : l)).join('\n');
}
