// The server's view of the fluxOci.* settings, with defaults for clients that send none.
import type { LintSettings } from '../language/types';
import { DEFAULT_REGISTRY_SETTINGS, type RegistrySettings } from '../registry/session';

export interface ServerSettings {
  validate: { enable: boolean; unknownFields: LintSettings['unknownFields'] };
  /** `unresolved`: how to report sourceRef/chartRef/dependsOn names not defined in the workspace. */
  references: { unresolved: 'warning' | 'off' };
  registry: RegistrySettings;
  /**
   * `kustomizePath`: the kustomize or kubectl program to render with (default: found on PATH);
   * `checkVariables`: render open Kustomizations with postBuild in the background to warn of
   * variables with no value.
   */
  render: { kustomizePath?: string; checkVariables: boolean };
}

export const DEFAULT_SERVER_SETTINGS: ServerSettings = {
  validate: { enable: true, unknownFields: 'warning' },
  references: { unresolved: 'warning' },
  registry: DEFAULT_REGISTRY_SETTINGS,
  render: { checkVariables: true },
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads settings from whatever shape a client sent ({fluxOci: {...}} or the section itself). */
export function readSettings(raw: unknown): ServerSettings {
  const section = isRecord(raw) && isRecord(raw.fluxOci) ? raw.fluxOci : raw;
  const validate = isRecord(section) && isRecord(section.validate) ? section.validate : {};
  const references = isRecord(section) && isRecord(section.references) ? section.references : {};
  return {
    validate: {
      enable: typeof validate.enable === 'boolean' ? validate.enable : DEFAULT_SERVER_SETTINGS.validate.enable,
      unknownFields: validate.unknownFields === 'off' ? 'off' : 'warning',
    },
    references: { unresolved: references.unresolved === 'off' ? 'off' : 'warning' },
    registry: readRegistrySettings(isRecord(section) && isRecord(section.registry) ? section.registry : {}),
    render: readRenderSettings(isRecord(section) && isRecord(section.render) ? section.render : {}),
  };
}

const stringList = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.length > 0) : []);

function readRegistrySettings(raw: Record<string, unknown>): RegistrySettings {
  const d = DEFAULT_REGISTRY_SETTINGS;
  const ttl = raw.cacheTtlSeconds;
  const caFiles: Record<string, string> = {};
  if (isRecord(raw.caFiles)) for (const [host, file] of Object.entries(raw.caFiles)) if (typeof file === 'string' && file) caFiles[host] = file;
  return {
    liveChecks: typeof raw.liveChecks === 'boolean' ? raw.liveChecks : d.liveChecks,
    cacheTtlSeconds: typeof ttl === 'number' && Number.isFinite(ttl) && ttl >= 0 ? ttl : d.cacheTtlSeconds,
    insecureHosts: stringList(raw.insecureHosts),
    caFiles,
    maxArtifactSize: typeof raw.maxArtifactSize === 'number' && Number.isFinite(raw.maxArtifactSize) && raw.maxArtifactSize > 0 ? raw.maxArtifactSize : d.maxArtifactSize,
  };
}

function readRenderSettings(raw: Record<string, unknown>): ServerSettings['render'] {
  return {
    ...(typeof raw.kustomizePath === 'string' && raw.kustomizePath.trim() ? { kustomizePath: raw.kustomizePath.trim() } : {}),
    checkVariables: typeof raw.checkVariables === 'boolean' ? raw.checkVariables : true,
  };
}
