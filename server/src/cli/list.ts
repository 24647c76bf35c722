// `flux-oci list`: the artifacts of a repository with digest, source and revision (flux's
// `list artifacts`), filtered by semver range and regular expression.
import { MEDIA_TYPES } from '../oci/registry';
import { ANNOTATIONS } from '../oci/artifact/build';
import { UsageError, flagValue } from './args';
import { filterTags } from './tagFilter';
import { COMMON_FLAGS, COMMON_USAGE, OUTPUT_FLAG, outputFormat, referenceArg, timeoutSignal, toYaml, withClient, type Verb } from './registryCommon';

interface ListedArtifact {
  artifact: string;
  digest: string;
  source: string;
  revision: string;
}

export const list: Verb = {
  usage: `usage: flux-oci list [artifacts] <oci://host/repo> [--filter-semver <range>] [--filter-regex <re>]
list the artifacts of a repository: artifact, digest, source, revision
  --filter-semver <range>   only tags in this semver range (Flux's syntax: ">=1.0.0 <2.0.0", "1.x"), newest first
  --filter-regex <re>       only tags matching this regular expression
  -o, --output json|yaml    machine-readable output
${COMMON_USAGE}`,
  flags: [...COMMON_FLAGS, OUTPUT_FLAG, { name: '--filter-semver', value: true }, { name: '--filter-regex', value: true }],
  async run(parsed, io, signal) {
    const ref = referenceArg(parsed, 'the repository reference (oci://host/repo)');
    if (ref.tag || ref.digest) throw new UsageError('list takes a repository without a tag or digest');
    const format = outputFormat(parsed);
    const ops = timeoutSignal(parsed, signal);
    const rows = await withClient(parsed, ref, async (client) => {
      const all = await client.listTags(ref, { signal: ops });
      const wanted = filterTags(all, { semver: flagValue(parsed, '--filter-semver'), regex: flagValue(parsed, '--filter-regex') });
      return mapLimit(wanted, 8, async (t): Promise<ListedArtifact> => {
        const m = await client.getManifest(ref.withTag(t), { signal: ops });
        let annotations: Record<string, string> = {};
        if (m.mediaType === MEDIA_TYPES.ociManifest || m.mediaType === MEDIA_TYPES.dockerManifest) {
          annotations = (JSON.parse(m.bytes.toString('utf8')) as { annotations?: Record<string, string> }).annotations ?? {};
        }
        return { artifact: ref.withTag(t).toString(), digest: m.digest, source: annotations[ANNOTATIONS.source] ?? '', revision: annotations[ANNOTATIONS.revision] ?? '' };
      });
    });
    if (format === 'json') io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
    else if (format === 'yaml') io.stdout(rows.length ? toYaml(rows as unknown as Record<string, string>[]) : '[]\n');
    else io.stdout(table(['ARTIFACT', 'DIGEST', 'SOURCE', 'REVISION'], rows.map((r) => [r.artifact, r.digest, r.source, r.revision])));
    return 0;
  },
};

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd() + '\n').join('');
}

/** The registry verbs by name. (`diff` is added here when the diff engine lands.) */
