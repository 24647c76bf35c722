// Publishing a folder as a Flux artifact, safely: checks first (empty, lint, secrets), then the
// layer is built and the manifest is known, then the overwrite guard asks the registry what the
// tag points at, and only then are blobs uploaded; the manifest PUT is last, so a cancelled or
// failed push leaves the tag as it was. One implementation for the CLI and the language server.
import type { Reference } from '../oci/reference';
import type { RegistryClient } from '../oci/registry';
import { pushDirectory, type ArtifactProgress, type PushResult } from '../oci/artifact/push';
import type { AnnotationOptions } from '../oci/artifact/build';
import { checkArtifact, formatLintProblem, formatSecret, type PushCheckReport } from './checks';
import { withoutCredentials } from './source';

export type PushRefusal = 'lint' | 'secrets' | 'overwrite';

export class PushRefusedError extends Error {
  constructor(readonly refusal: PushRefusal, message: string, readonly details: readonly string[] = [], readonly existingDigest?: string) {
    super(message);
    this.name = 'PushRefusedError';
  }
}

export interface PublishOptions extends AnnotationOptions {
  signal: AbortSignal;
  ignore?: readonly string[];
  /** Lint and scan for secrets (default true). */
  verify?: boolean;
  /** Push even when lint reports errors (secrets always stop a verified push). */
  allowLintErrors?: boolean;
  /**
   * Replace a tag that points at another manifest: true for any, or the digest the user agreed
   * to replace (if the tag moved meanwhile, the push is refused again).
   */
  overwrite?: boolean | string;
  /** Checks already run on this path (the editor shows them first); skipped if given. */
  report?: PushCheckReport;
  onProgress?: (progress: ArtifactProgress) => void;
}

export interface PublishResult extends PushResult {
  report: PushCheckReport;
  /** The digest the tag pointed at before, when it existed and was different. */
  replaced?: string;
  /** The tag already pointed at exactly this manifest. */
  unchanged: boolean;
  /** The source URL carried credentials, which were left out of the annotation. */
  sourceCredentialsRemoved: boolean;
}

/** Refusals for a check report, or undefined when the push may go ahead. */
export function refusalFor(report: PushCheckReport, allowLintErrors = false): PushRefusedError | undefined {
  if (report.secrets.length > 0) {
    return new PushRefusedError('secrets', `found ${report.secrets.length} secret${report.secrets.length === 1 ? '' : 's'} that would be published`, report.secrets.map(formatSecret));
  }
  if (report.lintErrors.length > 0 && !allowLintErrors) {
    return new PushRefusedError('lint', `${report.lintErrors.length} error${report.lintErrors.length === 1 ? '' : 's'} in the manifests to push`, report.lintErrors.map(formatLintProblem));
  }
  return undefined;
}

export async function publishArtifact(client: RegistryClient, ref: Reference, path: string, options: PublishOptions): Promise<PublishResult> {
  const { signal } = options;
  const target = ref.tag ? ref : ref.withTag('latest');
  const report = options.report ?? (await checkArtifact(path, { ignore: options.ignore, verify: options.verify, signal }));
  if (options.verify !== false) {
    const refusal = refusalFor(report, options.allowLintErrors);
    if (refusal) throw refusal;
  }
  let replaced: string | undefined;
  let unchanged = false;
  const source = options.source === undefined ? undefined : withoutCredentials(options.source);
  const result = await pushDirectory(client, target, report.root, {
    ...options,
    source,
    entries: report.entries,
    fileCount: report.files,
    beforeUpload: async ({ manifestDigest }) => {
      const existing = await client.headManifest(target, { signal });
      if (!existing) return;
      if (existing.digest === manifestDigest) {
        unchanged = true;
        return;
      }
      if (options.overwrite === true || options.overwrite === existing.digest) {
        replaced = existing.digest;
        return;
      }
      throw new PushRefusedError('overwrite', `${target} already exists with digest ${existing.digest}`, [], existing.digest);
    },
  });
  return { ...result, report, replaced, unchanged, sourceCredentialsRemoved: source !== options.source };
}
