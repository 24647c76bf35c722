// What live features look at in a document: the OCI repositories it names and what it expects
// of them. Read from the parsed YAML once per document text (cached), in document coordinates.
import { isMap, isScalar, type Node } from 'yaml';
import { DocumentSlot, type ParsedDocument } from '../language/documents';
import { scalarString } from '../language/fluxObjects';
import { nodeAtPath } from '../language/yamlPath';
import type { Range } from '../language/types';
import { parseReference } from '../oci/reference';
import type { RepositoryRef } from './tagCache';

export interface Located<T> {
  value: T;
  range: Range;
}

/** An OCIRepository: where it pulls from and which ref it asks for. */
export interface OciSourceTarget {
  kind: 'oci-source';
  name?: string;
  namespace?: string;
  repo: RepositoryRef;
  url: Located<string>;
  /** Range of the `ref` key (hints and precedence notes anchor here). */
  refKey?: Range;
  tag?: Located<string>;
  semver?: Located<string>;
  semverFilter?: string;
  digest?: Located<string>;
  verify?: Located<'cosign' | 'notation'>;
  layerSelector?: { mediaType?: string; operation?: string };
}

/** A reference from a Kustomization (sourceRef) or a HelmRelease (chartRef) to an OCIRepository. */
export interface ConsumerTarget {
  kind: 'kustomization' | 'chart-ref';
  source: { name: string; namespace?: string; range: Range };
  /** Kustomization `spec.path`. */
  path?: Located<string>;
}

/** A HelmRelease chart template whose source is a HelmRepository (maybe of type oci). */
export interface HelmChartTarget {
  kind: 'helm-chart';
  chart: Located<string>;
  version?: Located<string>;
  repository: { name: string; namespace?: string };
}

export type LiveTarget = OciSourceTarget | ConsumerTarget | HelmChartTarget;

const cache = new DocumentSlot<LiveTarget[]>();

/** Repository of an `oci://` url (undefined when it is not a usable one). */
export function repositoryOf(url: string, insecure?: boolean): RepositoryRef | undefined {
  if (!url.startsWith('oci://')) return undefined;
  try {
    const ref = parseReference(url);
    if (ref.tag !== undefined || ref.digest !== undefined) return undefined;
    return { registry: ref.registry, repository: ref.repository, ...(insecure ? { insecure: true } : {}) };
  } catch {
    return undefined;
  }
}

export function targetsOf(parsed: ParsedDocument): LiveTarget[] {
  let targets = cache.get(parsed);
  if (!targets) {
    targets = readTargets(parsed);
    cache.set(parsed, targets);
  }
  return targets;
}

function readTargets(parsed: ParsedDocument): LiveTarget[] {
  const kind = parsed.identity?.kind;
  const group = parsed.identity?.group ?? '';
  const range = (node: Node | null | undefined): Range => parsed.lines.rangeOf(node?.range?.[0] ?? 0, node?.range?.[1] ?? 0);
  const scalar = (path: string[]): Located<string> | undefined => {
    const at = nodeAtPath(parsed.yaml, path);
    if (at.depth !== path.length || !isScalar(at.value)) return undefined;
    const text = scalarString(at.value);
    return text === undefined || text === '' ? undefined : { value: text, range: range(at.value) };
  };
  if (kind === 'OCIRepository' && group.startsWith('source.toolkit.fluxcd.io')) {
    const url = scalar(['spec', 'url']);
    const insecure = nodeAtPath(parsed.yaml, ['spec', 'insecure']);
    const repo = url ? repositoryOf(url.value, isScalar(insecure.value) && insecure.value.value === true) : undefined;
    if (!url || !repo) return [];
    const target: OciSourceTarget = { kind: 'oci-source', name: parsed.identity?.name, namespace: parsed.identity?.namespace, repo, url };
    const ref = nodeAtPath(parsed.yaml, ['spec', 'ref']);
    if (ref.depth === 2 && ref.key) target.refKey = range(ref.key);
    target.tag = scalar(['spec', 'ref', 'tag']);
    target.semver = scalar(['spec', 'ref', 'semver']);
    target.semverFilter = scalar(['spec', 'ref', 'semverFilter'])?.value;
    target.digest = scalar(['spec', 'ref', 'digest']);
    const verify = nodeAtPath(parsed.yaml, ['spec', 'verify']);
    if (verify.depth === 2 && isMap(verify.value) && verify.key) {
      const provider = scalar(['spec', 'verify', 'provider'])?.value ?? 'cosign';
      if (provider === 'cosign' || provider === 'notation') target.verify = { value: provider, range: range(verify.key) };
    }
    const selector = nodeAtPath(parsed.yaml, ['spec', 'layerSelector']);
    if (selector.depth === 2 && isMap(selector.value)) {
      target.layerSelector = { mediaType: scalar(['spec', 'layerSelector', 'mediaType'])?.value, operation: scalar(['spec', 'layerSelector', 'operation'])?.value };
    }
    return [target];
  }
  if (kind === 'Kustomization' && group.startsWith('kustomize.toolkit.fluxcd.io')) {
    const sourceKind = scalar(['spec', 'sourceRef', 'kind'])?.value;
    const name = scalar(['spec', 'sourceRef', 'name']);
    if (sourceKind !== 'OCIRepository' || !name) return [];
    return [{
      kind: 'kustomization',
      source: { name: name.value, namespace: scalar(['spec', 'sourceRef', 'namespace'])?.value ?? parsed.identity?.namespace, range: name.range },
      path: scalar(['spec', 'path']),
    }];
  }
  if (kind === 'HelmRelease' && group.startsWith('helm.toolkit.fluxcd.io')) {
    const chartRefKind = scalar(['spec', 'chartRef', 'kind'])?.value;
    const chartRefName = scalar(['spec', 'chartRef', 'name']);
    if (chartRefKind === 'OCIRepository' && chartRefName) {
      return [{ kind: 'chart-ref', source: { name: chartRefName.value, namespace: scalar(['spec', 'chartRef', 'namespace'])?.value ?? parsed.identity?.namespace, range: chartRefName.range } }];
    }
    const sourceKind = scalar(['spec', 'chart', 'spec', 'sourceRef', 'kind'])?.value;
    const sourceName = scalar(['spec', 'chart', 'spec', 'sourceRef', 'name']);
    const chart = scalar(['spec', 'chart', 'spec', 'chart']);
    if (sourceKind === 'HelmRepository' && sourceName && chart) {
      return [{
        kind: 'helm-chart',
        chart,
        version: scalar(['spec', 'chart', 'spec', 'version']),
        repository: { name: sourceName.value, namespace: scalar(['spec', 'chart', 'spec', 'sourceRef', 'namespace'])?.value ?? parsed.identity?.namespace },
      }];
    }
  }
  return [];
}

/** The OCI repository a HelmRepository of type oci serves charts from, for `chart`. */
export function helmRepositoryOf(parsed: ParsedDocument, chart: string): RepositoryRef | undefined {
  if (parsed.identity?.kind !== 'HelmRepository') return undefined;
  const type = scalarString(nodeAtPath(parsed.yaml, ['spec', 'type']).value);
  const url = scalarString(nodeAtPath(parsed.yaml, ['spec', 'url']).value);
  if (type !== 'oci' || !url) return undefined;
  const insecure = nodeAtPath(parsed.yaml, ['spec', 'insecure']).value;
  return repositoryOf(`${url.replace(/\/+$/, '')}/${chart}`, isScalar(insecure) && insecure.value === true);
}
