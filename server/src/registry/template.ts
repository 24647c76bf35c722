// "Use in OCIRepository": a complete OCIRepository + Kustomization pair for an artifact.
import { isLoopbackHost, type Reference } from '../oci/reference';

/** A Kubernetes object name from the repository's last path component. */
export function objectNameFor(ref: Reference): string {
  const last = ref.repository.split('/').pop() ?? 'app';
  const name = last.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63);
  return name || 'app';
}

export function ociRepositoryPair(ref: Reference, options: { insecureHosts?: readonly string[]; namespace?: string } = {}): string {
  const name = objectNameFor(ref);
  const namespace = options.namespace ?? 'flux-system';
  // source-controller speaks plain HTTP only to registries marked insecure.
  const insecure = isLoopbackHost(ref.registry) || (options.insecureHosts ?? []).includes(ref.registry);
  const refLines = ref.tag && !ref.digest ? [`    tag: ${ref.tag}`] : ref.digest ? [`    digest: ${ref.digest}`] : ['    tag: latest'];
  return [
    'apiVersion: source.toolkit.fluxcd.io/v1',
    'kind: OCIRepository',
    'metadata:',
    `  name: ${name}`,
    `  namespace: ${namespace}`,
    'spec:',
    '  interval: 5m',
    `  url: oci://${ref.registry}/${ref.repository}`,
    '  ref:',
    ...refLines,
    ...(insecure ? ['  insecure: true'] : []),
    '---',
    'apiVersion: kustomize.toolkit.fluxcd.io/v1',
    'kind: Kustomization',
    'metadata:',
    `  name: ${name}`,
    `  namespace: ${namespace}`,
    'spec:',
    '  interval: 10m',
    '  sourceRef:',
    '    kind: OCIRepository',
    `    name: ${name}`,
    '  path: ./',
    '  prune: true',
    '  wait: true',
    '  timeout: 5m',
    '',
  ].join('\n');
}
