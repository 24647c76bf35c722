// The server's view of the fluxOci.* settings, with defaults for clients that send none.
import type { LintSettings } from '../language/types';

export interface ServerSettings {
  validate: { enable: boolean; unknownFields: LintSettings['unknownFields'] };
  /** `unresolved`: how to report sourceRef/chartRef/dependsOn names not defined in the workspace. */
  references: { unresolved: 'warning' | 'off' };
}

export const DEFAULT_SERVER_SETTINGS: ServerSettings = {
  validate: { enable: true, unknownFields: 'warning' },
  references: { unresolved: 'warning' },
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
  };
}
