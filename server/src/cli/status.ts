// `flux-oci status [paths]`: for each artifact of the map (which folder each OCI artifact the
// fleet syncs is built from), is what the registry holds at the synced tag the same as the
// folder? The answer CI needs after a merge: "was the fleet pushed?". Exit status: 0 every
// artifact the same, 1 one differs or is not pushed, 2 usage, I/O or registry error.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { relative } from 'node:path';
import { readFileSync } from 'node:fs';
import { RegistryClient, type RegistryClientOptions } from '../oci/registry';
import { parseCredentialsFlag } from '../oci/auth/credentials';
import { WorkspaceIndex } from '../language/workspaceIndex';
import { documentGraphFacts, type SourceFacts } from '../language/applyFacts';
import { compareWithPublished, statusTargets, syncedTags, type ArtifactStatus } from '../registry/artifactStatus';
import { findYamlFiles } from './walk';
import { lintArtifactMap } from './lint';
import { originText } from '../language/artifacts/lookup';
import type { ArtifactMapEntry } from '../language/artifacts/types';

export const STATUS_USAGE = `usage: flux-oci status [paths...] [options]
  for each artifact the fleet syncs whose folder is known (.flux-oci.yaml, CI files, --artifact),
  compares the folder with what the registry holds at the tag the fleet syncs
  -o, --output text|json     output format (default text)
  --artifact oci://<repo>[:<tag>]=<folder>   as for lint (repeatable)
  --creds user:password      registry credentials (else ~/.docker/config.json and helpers)
  --insecure-registry        allow plain HTTP to the registries named (loopback hosts always may)
exit status: 0 all the same, 1 something differs or is not pushed, 2 usage, I/O or registry error
`;

export interface StatusIo {
  stdout(s: string): void;
  stderr(s: string): void;
}

/** The tags the workspace syncs of each repository (OCIRepository refs, FluxInstance syncs). */
function workspaceSyncedTags(paths: readonly string[]): Map<string, Set<string>> {
  const index = new WorkspaceIndex();
  const sources: SourceFacts[] = [];
  for (const path of findYamlFiles(paths)) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      continue;
    }
    if (!text.includes('oci://')) continue;
    const file = index.setFile(pathToFileURL(path).href, text);
    for (const { parsed } of file.documents) {
      const source = documentGraphFacts(parsed).source;
      if (source) sources.push(source);
    }
  }
  return syncedTags(sources);
}

class UsageError extends Error {}

export async function runStatusCommand(args: string[], io: StatusIo, signal: AbortSignal, parseArtifact: (value: string) => ArtifactMapEntry): Promise<number> {
  let output: 'text' | 'json' = 'text';
  const given: ArtifactMapEntry[] = [];
  const paths: string[] = [];
  const options: RegistryClientOptions = {};
  let insecure = false;
  try {
    for (let i = 0; i < args.length; i++) {
      const arg = args[i];
      const value = () => {
        const eq = arg.indexOf('=');
        if (eq > 0) return arg.slice(eq + 1);
        if (i + 1 >= args.length) throw new UsageError(`${arg} needs a value`);
        return args[++i];
      };
      const name = arg.startsWith('--') && arg.includes('=') ? arg.slice(0, arg.indexOf('=')) : arg;
      if (name === '-h' || name === '--help') {
        io.stdout(STATUS_USAGE);
        return 0;
      } else if (name === '-o' || name === '--output') {
        const v = value();
        if (v !== 'text' && v !== 'json') throw new UsageError('--output takes text or json');
        output = v;
      } else if (name === '--artifact') given.push(parseArtifact(value()));
      else if (name === '--creds') {
        try {
          options.credentials = parseCredentialsFlag(value());
        } catch {
          throw new UsageError('--creds must be <username>:<password>');
        }
      } else if (name === '--insecure-registry') insecure = true;
      else if (name.startsWith('-')) throw new UsageError(`unknown option ${name}`);
      else paths.push(arg);
    }
  } catch (error) {
    io.stderr(`error: ${(error as Error).message}\n\n${STATUS_USAGE}`);
    return 2;
  }
  const roots = paths.length ? paths : ['.'];
  const entries = lintArtifactMap(roots, given);
  const targets = statusTargets(entries, workspaceSyncedTags(roots));
  const shown = (uri: string) => relative(process.cwd(), fileURLToPath(uri)) || '.';
  const results: ArtifactStatus[] = [];
  const hosts = [...new Set(targets.map((t) => t.entry.repository.split('/')[0]))];
  const client = new RegistryClient({ ...options, ...(insecure ? { insecureHosts: hosts } : {}) });
  try {
    for (const { entry, tag } of targets) {
      results.push(await compareWithPublished(client, entry, tag, { folder: shown(entry.folder), origin: originText(entry, shown) }, signal));
    }
  } finally {
    client.close();
  }
  if (output === 'json') io.stdout(`${JSON.stringify(results, null, 2)}\n`);
  else {
    if (results.length === 0) io.stderr('flux-oci: no artifact to check: the map is empty, or no OCIRepository syncs a tag of its repositories\n');
    for (const r of results) io.stdout(`${statusLine(r)}\n`);
  }
  if (results.some((r) => r.state === 'error')) return 2;
  return results.some((r) => r.state === 'different' || r.state === 'not-pushed') ? 1 : 0;
}

function statusLine(r: ArtifactStatus): string {
  const head = `${r.url}:${r.tag}  ${r.folder}`;
  const pushed = [r.created ? `pushed ${r.created}` : '', r.revision ? `from ${r.revision}` : ''].filter(Boolean).join(' ');
  switch (r.state) {
    case 'same': return `${head}  same (${r.unchanged} files)${pushed ? `, ${pushed}` : ''}`;
    case 'different': {
      const n = r.added.length + r.removed.length + r.changed.length;
      const files = [...r.added.map((f) => `added ${f}`), ...r.removed.map((f) => `removed ${f}`), ...r.changed.map((f) => `changed ${f}`)];
      return `${head}  ${n} ${n === 1 ? 'file differs' : 'files differ'}${pushed ? ` from what was ${pushed}` : ''}: ${files.join(', ')}`;
    }
    case 'not-pushed': return `${head}  not pushed (${r.message})`;
    case 'not-checked': return `${head}  not checked (${r.message})`;
    case 'error': return `${head}  error: ${r.message}`;
  }
}
