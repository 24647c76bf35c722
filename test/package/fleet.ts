// A small Flux fleet on disk for the shipping tests: an OCIRepository and the Kustomization that
// applies it. `broken` puts one real error in the Kustomization (an interval that is not a Go
// duration), which the CLI, the pre-commit hook, the CI action and an editor must all report.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const BROKEN_INTERVAL = '10 minutes';
/** The code of the one error in a broken fleet. */
export const BROKEN_CODE = 'schema/duration';

export const SOURCE_FILE = 'clusters/prod/podinfo-source.yaml';
export const KUSTOMIZATION_FILE = 'clusters/prod/podinfo.yaml';

export function fleetFiles(options: { broken: boolean }): Record<string, string> {
  return {
    [SOURCE_FILE]: [
      'apiVersion: source.toolkit.fluxcd.io/v1',
      'kind: OCIRepository',
      'metadata:',
      '  name: podinfo',
      '  namespace: flux-system',
      'spec:',
      '  interval: 5m',
      '  url: oci://ghcr.io/stefanprodan/manifests/podinfo',
      '  ref:',
      '    semver: ">=6.0.0"',
      '',
    ].join('\n'),
    [KUSTOMIZATION_FILE]: kustomization(options.broken ? BROKEN_INTERVAL : '10m'),
    'README.md': '# fleet\n',
  };
}

export function kustomization(interval: string): string {
  return [
    'apiVersion: kustomize.toolkit.fluxcd.io/v1',
    'kind: Kustomization',
    'metadata:',
    '  name: podinfo',
    '  namespace: flux-system',
    'spec:',
    `  interval: ${interval}`,
    '  sourceRef:',
    '    kind: OCIRepository',
    '    name: podinfo',
    '  path: ./',
    '  prune: true',
    '',
  ].join('\n');
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
}

export function writeFleet(options: { broken: boolean }, dir = mkdtempSync(join(tmpdir(), 'flux-oci-fleet-'))): string {
  writeFiles(dir, fleetFiles(options));
  return dir;
}
