// Secrets named by sources (secretRef, certSecretRef, proxySecretRef, verify.secretRef): when the
// Secret is in the workspace, its type and keys must suit the use. Secrets that live only in the
// cluster are normal (they hold credentials), so a missing one is not reported. A problem is an
// error only when the Secret is certainly the one the source reads (both namespaces known and
// equal); matched by name alone, the source may read another Secret made in the cluster.
import type { Finding } from '../types';
import type { IndexedObject, ObjectReference, WorkspaceIndex } from '../workspaceIndex';
import { DOCKERCONFIG_TYPE } from './secretContent';

const CERT_KEYS = ['ca.crt', 'tls.crt', 'tls.key'];
const LEGACY_CERT_KEYS = ['caFile', 'certFile', 'keyFile'];

function problem(ref: ObjectReference, secret: IndexedObject): { code: string; message: string } | undefined {
  const keys = secret.dataKeys ?? [];
  const type = secret.secretType ?? 'Opaque';
  const named = `Secret "${secret.identity.name}"`;
  switch (ref.secretUse) {
    case 'auth':
      if ((ref.fromKind === 'OCIRepository' || ref.fromKind === 'ImageRepository') && type !== DOCKERCONFIG_TYPE) {
        return { code: 'flux/secret-wrong-type', message: `${ref.fromKind === 'OCIRepository' ? 'an OCIRepository' : 'an ImageRepository'} pull secret must have type ${DOCKERCONFIG_TYPE}; ${named} has type ${type}, so ${ref.fromKind === 'OCIRepository' ? 'source-controller' : 'image-reflector-controller'} cannot log in to the registry with it` };
      }
      return undefined;
    case 'cert': {
      if (keys.length === 0 || keys.some((k) => LEGACY_CERT_KEYS.includes(k))) return undefined;
      const has = (k: string) => keys.includes(k);
      if (!CERT_KEYS.some(has)) return { code: 'flux/secret-missing-keys', message: `${named} is used as ${ref.field} but has none of ca.crt, tls.crt, tls.key; Flux finds no certificate in it` };
      if (has('tls.crt') !== has('tls.key')) return { code: 'flux/secret-missing-keys', message: `${named} has ${has('tls.crt') ? 'tls.crt without tls.key' : 'tls.key without tls.crt'}; a client certificate needs both` };
      return undefined;
    }
    case 'proxy':
      if (keys.length && !keys.includes('address')) return { code: 'flux/secret-missing-keys', message: `${named} is used as ${ref.field} but has no "address" key; Flux needs the proxy URL there (username and password are optional)` };
      return undefined;
    default:
      return undefined;
  }
}

export function secretReferenceFindings(index: WorkspaceIndex, refs: readonly ObjectReference[]): Finding[] {
  const findings: Finding[] = [];
  for (const ref of refs) {
    if (ref.role !== 'secret') continue;
    const found = index.resolveRef(ref, 'Secret');
    if (found.length !== 1 || found[0].sops) continue;
    const issue = problem(ref, found[0]);
    if (!issue) continue;
    const namespace = index.referenceNamespace(ref);
    if (namespace !== undefined && index.objectNamespace(found[0]) === namespace) {
      findings.push({ range: ref.nameRange, severity: 'error', ...issue });
    } else {
      const unknown = namespace === undefined ? 'this object\'s namespace' : 'the Secret\'s namespace';
      findings.push({ range: ref.nameRange, severity: 'warning', code: issue.code, message: `${issue.message} (if this is the Secret read: ${unknown} cannot be known, so the one read may be another Secret of that name, made in the cluster)` });
    }
  }
  return findings;
}
