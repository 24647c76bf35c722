// ArtifactGenerator: every `@alias` in an artifact's copy.from, revision and originRevision must
// name one of spec.sources (source-watcher cannot build the artifact otherwise), and artifact names
// must be unique (each becomes an ExternalArtifact of that name).
import { isMap, isSeq, type Node } from 'yaml';
import type { ParsedDocument } from '../documents';
import { findPair, scalarString } from '../fluxObjects';
import type { Finding } from '../types';

const ALIAS = /^@([a-z0-9](?:[a-z0-9_-]*[a-z0-9])?)(?:\/|$)/;

export function artifactGeneratorFindings(parsed: ParsedDocument): Finding[] {
  if (parsed.identity?.kind !== 'ArtifactGenerator') return [];
  const spec = findPair(parsed.yaml.contents, 'spec')?.value;
  const sources = findPair(spec, 'sources')?.value;
  const artifacts = findPair(spec, 'artifacts')?.value;
  if (!isSeq(artifacts)) return [];
  const aliases = new Set((isSeq(sources) ? sources.items : []).map((s) => scalarString(findPair(s, 'alias')?.value)).filter((a): a is string => a !== undefined));
  const findings: Finding[] = [];
  const range = (node: Node) => parsed.lines.rangeOf(node.range?.[0] ?? 0, node.range?.[1] ?? 0);
  const known = aliases.size ? [...aliases].map((a) => `@${a}`).join(', ') : 'none';
  const checkAlias = (node: Node | null | undefined, field: string) => {
    const text = scalarString(node);
    const alias = text !== undefined ? ALIAS.exec(text)?.[1] : undefined;
    // A malformed value is the schema's to report; `${VAR}` may be substituted before apply.
    if (!node || alias === undefined || aliases.has(alias) || text!.includes('${')) return;
    findings.push({ range: range(node), severity: 'error', code: 'flux/artifact-source-alias', message: `${field} names source @${alias}, but spec.sources has no alias "${alias}" (aliases: ${known}); source-watcher cannot build this artifact` });
  };
  const names = new Map<string, number>();
  for (const artifact of artifacts.items) {
    if (!isMap(artifact)) continue;
    const nameNode = findPair(artifact, 'name')?.value;
    const name = scalarString(nameNode);
    if (name !== undefined && nameNode) {
      const seen = (names.get(name) ?? 0) + 1;
      names.set(name, seen);
      if (seen === 2) findings.push({ range: range(nameNode), severity: 'error', code: 'flux/artifact-duplicate-name', message: `artifact "${name}" is declared twice; each artifact becomes the ExternalArtifact of its name, so the names must be unique` });
    }
    checkAlias(findPair(artifact, 'revision')?.value, 'revision');
    checkAlias(findPair(artifact, 'originRevision')?.value, 'originRevision');
    const copy = findPair(artifact, 'copy')?.value;
    for (const step of isSeq(copy) ? copy.items : []) checkAlias(findPair(step, 'from')?.value, 'copy.from');
  }
  return findings;
}
