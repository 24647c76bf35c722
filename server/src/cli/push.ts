// `flux-oci push` and `flux-oci build`: a folder (or one file) as Flux's artifact, pushed after the
// checks (lint, secret scan, overwrite guard) or written to a .tgz.
import { resolve } from 'node:path';
import { stat } from 'node:fs/promises';
import { packArtifactLayer } from '../oci/artifact/build';
import { artifactContent, checkArtifact } from '../push/checks';
import { publishArtifact, PushRefusedError } from '../push/publish';
import { UsageError, flagValue, flagValues, flagSet, keyValues } from './args';
import {
  COMMON_FLAGS, COMMON_USAGE, IGNORE_FLAGS, OUTPUT_FLAG, ignorePatterns, outputFormat, plural, progressPrinter, referenceArg,
  timeoutSignal, toYaml, withClient, type Verb,
} from './registryCommon';

export const push: Verb = {
  usage: `usage: flux-oci push [artifact] <oci://host/repo:tag> --path=<dir|file> [options]
build a Flux artifact from a folder (or one file) and push it; the tag is moved last
  --path <dir|file>            what to pack (required)
  --source <url>               org.opencontainers.image.source, e.g. "$(git config --get remote.origin.url)"
  --revision <rev>             org.opencontainers.image.revision, e.g. "$(git branch --show-current)@sha1:$(git rev-parse HEAD)"
  -a, --annotations key=value  extra annotation (repeatable)
  --ignore-paths <patterns>    comma-separated gitignore patterns to leave out (on top of Flux's defaults and .sourceignore)
  --reproducible               fix the created time to 1970-01-01T00:00:00Z so the same files give the same digest
  -o, --output json|yaml       print url, repository, tag and digest in that format
  --force                      replace a tag that already points at another artifact
  --no-verify                  skip the lint and secret scan that run before the upload
before uploading, the YAML is linted (errors stop the push) and the files are scanned for secrets
(Secrets not encrypted with SOPS, private keys, .env files, kubeconfigs with credentials)
${COMMON_USAGE}`,
  flags: [
    ...COMMON_FLAGS, ...IGNORE_FLAGS, OUTPUT_FLAG,
    { name: '--path', value: true },
    { name: '--source', value: true },
    { name: '--revision', value: true },
    { name: '--annotations', aliases: ['-a', '--annotation'], value: true, repeat: true },
    { name: '--reproducible' },
    { name: '--force', aliases: ['--overwrite'] },
    { name: '--no-verify' },
  ],
  async run(parsed, io, signal) {
    const ref = referenceArg(parsed, 'the artifact reference (oci://host/repo:tag)');
    if (ref.digest) throw new UsageError('push needs a tag, not a digest');
    const path = flagValue(parsed, '--path');
    if (!path) throw new UsageError('push needs --path <dir>');
    const format = outputFormat(parsed);
    const annotations = keyValues(flagValues(parsed, '--annotations'), '--annotations');
    const verify = !flagSet(parsed, '--no-verify');
    if (!(await stat(path).catch(() => undefined))) throw new UsageError(`--path ${path} does not exist`);
    const target = ref.tag ? ref : ref.withTag('latest');
    const ops = timeoutSignal(parsed, signal);
    const report = await checkArtifact(path, { ignore: ignorePatterns(parsed), verify, signal: ops });
    if (verify) io.stderr(`checked ${plural(report.files, 'file')}: ${plural(report.lintErrors.length, 'lint error')}, ${plural(report.lintWarnings, 'warning')}, ${plural(report.secrets.length, 'secret')}\n`);
    try {
      const result = await withClient(parsed, target, (client) =>
        publishArtifact(client, target, path, {
          signal: ops,
          report,
          verify,
          source: flagValue(parsed, '--source'),
          revision: flagValue(parsed, '--revision'),
          reproducible: flagSet(parsed, '--reproducible'),
          extra: annotations,
          overwrite: flagSet(parsed, '--force'),
          onProgress: progressPrinter(io),
        }),
      );
      if (result.sourceCredentialsRemoved) io.stderr('note: --source held credentials; they were left out of org.opencontainers.image.source\n');
      if (result.replaced) io.stderr(`moved ${target} from ${result.replaced}\n`);
      if (result.unchanged) io.stderr(`${target} already pointed at this artifact\n`);
      io.stderr(`pushed ${plural(result.files.length, 'entry').replace('entrys', 'entries')} (${result.layer.size} bytes compressed)\n`);
      const info = { url: `oci://${result.reference.repositoryReference}@${result.digest}`, repository: target.repositoryReference.toString(), tag: target.tag!, digest: result.digest };
      if (format === 'json') io.stdout(`${JSON.stringify(info, null, 2)}\n`);
      else if (format === 'yaml') io.stdout(toYaml(info));
      else io.stdout(`${result.reference.toString()}\n`);
      return 0;
    } catch (error) {
      if (!(error instanceof PushRefusedError)) throw error;
      io.stderr(`error: ${error.message}${error.details.length ? ':' : ''}\n${error.details.map((d) => `  ${d}\n`).join('')}`);
      if (error.refusal === 'overwrite') io.stderr('nothing was uploaded; pass --force to move the tag, or push another tag\n');
      else if (error.refusal === 'lint') io.stderr('nothing was uploaded; fix the errors (flux-oci lint shows them all), or pass --no-verify to push anyway\n');
      else io.stderr('nothing was uploaded; encrypt them with SOPS or leave them out with --ignore-paths or .sourceignore (--no-verify skips this check)\n');
      return 1;
    }
  },
};

export const build: Verb = {
  usage: `usage: flux-oci build [artifact] --path=<dir|file> --output=<file.tgz>
write the artifact's layer (the gzip'd tar Flux would pull) to a file, without a registry
  --path <dir|file>          what to pack (required)
  -o, --output <file.tgz>    where to write it (default artifact.tgz)
  --ignore-paths <patterns>  comma-separated gitignore patterns to leave out`,
  flags: [...IGNORE_FLAGS, OUTPUT_FLAG, { name: '--path', value: true }],
  async run(parsed, io, signal) {
    if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument ${parsed.positionals[0]}`);
    const path = flagValue(parsed, '--path');
    if (!path) throw new UsageError('build needs --path <dir>');
    if (!(await stat(path).catch(() => undefined))) throw new UsageError(`--path ${path} does not exist`);
    const output = resolve(flagValue(parsed, '--output') ?? 'artifact.tgz');
    const content = await artifactContent(path, ignorePatterns(parsed));
    const packed = await packArtifactLayer(content.root, output, { entries: content.entries, signal });
    io.stderr(`packed ${plural(content.files, 'file')} (${packed.size} bytes)\n`);
    io.stdout(`${output} ${packed.digest}\n`);
    return 0;
  },
};
