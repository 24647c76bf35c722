// Whole-document snippets for the usual Flux OCI setups, and a small reader of snippet syntax
// (used to fill placeholders with their defaults, e.g. to check that every snippet lints clean).

export interface DocumentSnippet {
  label: string;
  /** One line shown next to the label. */
  detail: string;
  /** Markdown explaining when to use it. */
  documentation: string;
  /** LSP snippet syntax: ${1:default}, ${1|a,b|}, $0. Same numbers mirror each other. */
  body: string;
}

const lines = (...l: string[]) => l.join('\n');

export const DOCUMENT_SNIPPETS: readonly DocumentSnippet[] = [
  {
    label: 'Flux: OCIRepository + Kustomization',
    detail: 'Deploy manifests pushed with flux push artifact',
    documentation: 'An OCIRepository that follows a tag of a Flux artifact, and a Kustomization that applies a directory of it. Both share a name; the Kustomization points at the repository with sourceRef.',
    body: lines(
      'apiVersion: source.toolkit.fluxcd.io/v1',
      'kind: OCIRepository',
      'metadata:',
      '  name: ${1:app}',
      '  namespace: ${2:flux-system}',
      'spec:',
      '  interval: ${3:5m}',
      '  url: oci://${4:ghcr.io/org/app-manifests}',
      '  ref:',
      '    tag: ${5:latest}',
      '---',
      'apiVersion: kustomize.toolkit.fluxcd.io/v1',
      'kind: Kustomization',
      'metadata:',
      '  name: ${1:app}',
      '  namespace: ${2:flux-system}',
      'spec:',
      '  interval: ${6:10m}',
      '  sourceRef:',
      '    kind: OCIRepository',
      '    name: ${1:app}',
      '  path: ${7:./}',
      '  prune: true',
      '  targetNamespace: ${8:default}',
      '$0',
    ),
  },
  {
    label: 'Flux: HelmRepository (OCI) + HelmRelease',
    detail: 'Install a chart from an OCI Helm registry',
    documentation: 'A HelmRepository of type oci that points at the registry path holding charts, and a HelmRelease that installs one chart from it by name and version range.',
    body: lines(
      'apiVersion: source.toolkit.fluxcd.io/v1',
      'kind: HelmRepository',
      'metadata:',
      '  name: ${1:charts}',
      '  namespace: ${2:flux-system}',
      'spec:',
      '  type: oci',
      '  interval: ${3:1h}',
      '  url: oci://${4:ghcr.io/org/charts}',
      '---',
      'apiVersion: helm.toolkit.fluxcd.io/v2',
      'kind: HelmRelease',
      'metadata:',
      '  name: ${5:app}',
      '  namespace: ${2:flux-system}',
      'spec:',
      '  interval: ${6:30m}',
      '  targetNamespace: ${7:default}',
      '  chart:',
      '    spec:',
      '      chart: ${8:app}',
      '      version: "${9:1.x}"',
      '      sourceRef:',
      '        kind: HelmRepository',
      '        name: ${1:charts}',
      '$0',
    ),
  },
  {
    label: 'Flux: OCIRepository (Helm chart) + HelmRelease chartRef',
    detail: 'Install a chart pulled as an OCI artifact',
    documentation: 'An OCIRepository that selects the Helm chart layer (operation copy keeps the chart tarball intact), and a HelmRelease that uses it through chartRef.',
    body: lines(
      'apiVersion: source.toolkit.fluxcd.io/v1',
      'kind: OCIRepository',
      'metadata:',
      '  name: ${1:app-chart}',
      '  namespace: ${2:flux-system}',
      'spec:',
      '  interval: ${3:10m}',
      '  url: oci://${4:ghcr.io/org/charts/app}',
      '  ref:',
      '    semver: "${5:>=1.0.0}"',
      '  layerSelector:',
      '    mediaType: application/vnd.cncf.helm.chart.content.v1.tar+gzip',
      '    operation: copy',
      '---',
      'apiVersion: helm.toolkit.fluxcd.io/v2',
      'kind: HelmRelease',
      'metadata:',
      '  name: ${6:app}',
      '  namespace: ${2:flux-system}',
      'spec:',
      '  interval: ${7:30m}',
      '  targetNamespace: ${8:default}',
      '  chartRef:',
      '    kind: OCIRepository',
      '    name: ${1:app-chart}',
      '$0',
    ),
  },
  {
    label: 'Flux: Provider + Alert (notifications)',
    detail: 'Send reconciliation failures to a chat channel',
    documentation: 'A Provider for a chat tool whose webhook URL stays in a Secret (key address), and an Alert in the same namespace that forwards the error events of every Kustomization, HelmRelease and OCIRepository to it. Choose info to hear about successful deployments too.',
    body: lines(
      'apiVersion: notification.toolkit.fluxcd.io/v1beta3',
      'kind: Provider',
      'metadata:',
      '  name: ${1:slack}',
      '  namespace: ${2:flux-system}',
      'spec:',
      '  type: ${3|slack,msteams,discord,googlechat,generic|}',
      '  channel: ${4:flux-alerts}',
      '  secretRef:',
      '    name: ${5:slack-webhook}',
      '---',
      'apiVersion: notification.toolkit.fluxcd.io/v1beta3',
      'kind: Alert',
      'metadata:',
      '  name: ${6:flux-failures}',
      '  namespace: ${2:flux-system}',
      'spec:',
      '  providerRef:',
      '    name: ${1:slack}',
      '  eventSeverity: ${7|error,info|}',
      '  eventSources:',
      '    - kind: Kustomization',
      "      name: '*'",
      '    - kind: HelmRelease',
      "      name: '*'",
      '    - kind: OCIRepository',
      "      name: '*'",
      '$0',
    ),
  },
  {
    label: 'Flux: ImageRepository + ImagePolicy',
    detail: 'Track the newest tag of a container image',
    documentation: 'An ImageRepository that lists the tags of one image, and an ImagePolicy that picks the highest tag inside a semver range. An ImageUpdateAutomation writes the choice into Git wherever a `# {"$imagepolicy": "namespace:name"}` marker names the policy.',
    body: lines(
      'apiVersion: image.toolkit.fluxcd.io/v1',
      'kind: ImageRepository',
      'metadata:',
      '  name: ${1:app}',
      '  namespace: ${2:flux-system}',
      'spec:',
      '  image: ${3:ghcr.io/org/app}',
      '  interval: ${4:5m}',
      '---',
      'apiVersion: image.toolkit.fluxcd.io/v1',
      'kind: ImagePolicy',
      'metadata:',
      '  name: ${1:app}',
      '  namespace: ${2:flux-system}',
      'spec:',
      '  imageRepositoryRef:',
      '    name: ${1:app}',
      '  policy:',
      '    semver:',
      '      range: "${5:>=1.0.0}"',
      '$0',
    ),
  },
  {
    label: 'Flux: registry credentials Secret (dockerconfigjson)',
    detail: 'Login for a private registry, for secretRef',
    documentation: 'A kubernetes.io/dockerconfigjson Secret written with stringData, so the JSON stays readable (under data it would have to be base64). Encrypt it (for example with SOPS) before committing.',
    body: lines(
      'apiVersion: v1',
      'kind: Secret',
      'metadata:',
      '  name: ${1:registry-auth}',
      '  namespace: ${2:flux-system}',
      'type: kubernetes.io/dockerconfigjson',
      'stringData:',
      '  .dockerconfigjson: |',
      '    {"auths":{"${3:ghcr.io}":{"username":"${4:flux}","password":"${5:token}"}}}',
      '$0',
    ),
  },
];

/**
 * Fills a snippet's placeholders with their defaults: ${1:x} → x, ${1|a,b|} → a, $1 and ${1}
 * → the default given elsewhere for that number (or nothing), and \$ \} \\ unescaped.
 */
export function expandSnippet(body: string): string {
  const defaults = new Map<string, string>();
  const first = /\$\{(\d+):((?:[^{}\\$]|\\.)*)\}/g;
  for (let m = first.exec(body); m; m = first.exec(body)) if (!defaults.has(m[1])) defaults.set(m[1], unescape(m[2]));
  return body.replace(/\\([$}\\])|\$\{(\d+):((?:[^{}\\$]|\\.)*)\}|\$\{(\d+)\|([^|]*)\|\}|\$\{(\d+)\}|\$(\d+)/g,
    (_all, escaped: string | undefined, _n1: string | undefined, value: string | undefined, _n2: string | undefined, choices: string | undefined, n3: string | undefined, n4: string | undefined) => {
      if (escaped !== undefined) return escaped;
      if (value !== undefined) return unescape(value);
      if (choices !== undefined) return choices.split(',')[0];
      return defaults.get(n3 ?? n4 ?? '') ?? '';
    });
}

function unescape(text: string): string {
  return text.replace(/\\([$}\\,|])/g, '$1');
}

/** Escapes text for use inside a snippet (outside placeholders). */
export function snippetText(text: string): string {
  return text.replace(/[\\$}]/g, (c) => `\\${c}`);
}
