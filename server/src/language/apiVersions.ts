// Which Flux API versions current controllers no longer serve, and since which release.
// (The legacy CRDs in schemas/legacy/ show what each of them looked like.)

export interface RemovedApiVersion {
  group: string;
  version: string;
  kinds: readonly string[];
  /** First controller release that no longer serves the version. */
  removedIn: string;
}

const SOURCE = 'source.toolkit.fluxcd.io';
const LEGACY_SOURCE_KINDS = ['GitRepository', 'HelmRepository', 'HelmChart', 'Bucket'];
const NOTIFICATION = 'notification.toolkit.fluxcd.io';
const NOTIFICATION_KINDS = ['Alert', 'Provider', 'Receiver'];
const IMAGE = 'image.toolkit.fluxcd.io';

export const REMOVED_API_VERSIONS: readonly RemovedApiVersion[] = [
  { group: SOURCE, version: 'v1beta1', kinds: LEGACY_SOURCE_KINDS, removedIn: 'source-controller v1.7.0' },
  { group: SOURCE, version: 'v1beta2', kinds: [...LEGACY_SOURCE_KINDS, 'OCIRepository'], removedIn: 'source-controller v1.8.0' },
  { group: 'kustomize.toolkit.fluxcd.io', version: 'v1beta1', kinds: ['Kustomization'], removedIn: 'kustomize-controller v1.7.0' },
  { group: 'kustomize.toolkit.fluxcd.io', version: 'v1beta2', kinds: ['Kustomization'], removedIn: 'kustomize-controller v1.8.0' },
  { group: 'helm.toolkit.fluxcd.io', version: 'v2beta1', kinds: ['HelmRelease'], removedIn: 'helm-controller v1.4.0' },
  { group: 'helm.toolkit.fluxcd.io', version: 'v2beta2', kinds: ['HelmRelease'], removedIn: 'helm-controller v1.5.0' },
  { group: NOTIFICATION, version: 'v1beta1', kinds: NOTIFICATION_KINDS, removedIn: 'notification-controller v1.7.0' },
  { group: NOTIFICATION, version: 'v1beta2', kinds: NOTIFICATION_KINDS, removedIn: 'notification-controller v1.9.0' },
  { group: IMAGE, version: 'v1beta1', kinds: ['ImageRepository', 'ImagePolicy'], removedIn: 'image-reflector-controller v1.0.0' },
  { group: IMAGE, version: 'v1beta2', kinds: ['ImageRepository', 'ImagePolicy'], removedIn: 'image-reflector-controller v1.2.0' },
  { group: IMAGE, version: 'v1beta1', kinds: ['ImageUpdateAutomation'], removedIn: 'image-automation-controller v1.0.0' },
  { group: IMAGE, version: 'v1beta2', kinds: ['ImageUpdateAutomation'], removedIn: 'image-automation-controller v1.2.0' },
];

export function removedApiVersion(group: string, version: string, kind: string): RemovedApiVersion | undefined {
  return REMOVED_API_VERSIONS.find((r) => r.group === group && r.version === version && r.kinds.includes(kind));
}
