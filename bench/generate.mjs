// Generates a multi-document Flux file for benchmarks: OCIRepository + Kustomization pairs,
// with a known share of deliberate mistakes so diagnostics have real work to do.
const MISTAKES = ['duration', 'unknown-field', 'missing-field', 'enum'];

export function generateFluxFile(count) {
  const docs = [];
  for (let i = 0; i < count; i++) {
    // Two documents in every ten carry one mistake, rotating through the kinds of mistake.
    const mistake = i % 10 >= 8 ? MISTAKES[Math.floor(i / 10) % MISTAKES.length] : undefined;
    const lines = i % 2 === 0
      ? [
        'apiVersion: source.toolkit.fluxcd.io/v1',
        'kind: OCIRepository',
        'metadata:',
        `  name: svc-${i}`,
        '  namespace: flux-system',
        'spec:',
        `  interval: ${mistake === 'duration' ? '5 minutes' : '5m'}`,
        mistake === 'missing-field' ? undefined : `  url: oci://registry.example.com/team/svc-${i}`,
        '  ref:',
        '    semver: ">=1.0.0"',
        `  provider: ${mistake === 'enum' ? 'ibm' : 'generic'}`,
        mistake === 'unknown-field' ? '  pollInterval: 1m' : undefined,
      ]
      : [
        'apiVersion: kustomize.toolkit.fluxcd.io/v1',
        'kind: Kustomization',
        'metadata:',
        `  name: svc-${i}`,
        '  namespace: flux-system',
        'spec:',
        `  interval: ${mistake === 'duration' ? 'hourly' : '10m'}`,
        '  path: ./deploy',
        mistake === 'missing-field' ? undefined : '  prune: true',
        '  sourceRef:',
        `    kind: ${mistake === 'enum' ? 'HelmChart' : 'OCIRepository'}`,
        `    name: svc-${i - 1}`,
        '  targetNamespace: apps',
        mistake === 'unknown-field' ? '  validation: client' : undefined,
      ];
    docs.push(lines.filter((l) => l !== undefined).join('\n'));
  }
  return docs.join('\n---\n') + '\n';
}
