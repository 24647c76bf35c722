// The variables of a Kustomization's `postBuild`: the data of each `substituteFrom` ConfigMap and
// Secret in order (a later one overrides an earlier one), then `substitute`, which overrides them
// all; newlines are removed from values, as the controller does. The controller reads the objects
// from the cluster; we read them from the workspace where they are found, and say where.
import type { VariableValue } from './envsubst';
import type { RenderSpec, SubstituteReference } from './spec';

export interface SubstitutionSource {
  /** Keys and values (a Secret's `data` decoded, with `stringData`). */
  data: Record<string, string>;
  /** SOPS-encrypted: the keys are known, the values are not. */
  encrypted: boolean;
  /** Where it was found, for messages (`clusters/prod/vars.yaml:3`). */
  where: string;
}

export type SourceLookup = (reference: SubstituteReference, namespace: string) => SubstitutionSource | undefined;

export interface ResolvedVariables {
  variables: Map<string, VariableValue>;
  /** A non-optional `substituteFrom` object was not found here: other variables may exist. */
  incomplete: boolean;
  /** One line per `substituteFrom` entry: where it was read from, or why it was not. */
  notes: string[];
}

export function resolveVariables(spec: RenderSpec, lookup: SourceLookup): ResolvedVariables {
  const variables = new Map<string, VariableValue>();
  const notes: string[] = [];
  let incomplete = false;
  const postBuild = spec.postBuild;
  if (!postBuild) return { variables, incomplete, notes };
  for (const reference of postBuild.substituteFrom) {
    const label = `${reference.kind}/${reference.name}`;
    const source = lookup(reference, spec.namespace);
    if (!source) {
      if (reference.optional) notes.push(`${label} (optional) is not in the workspace: its variables are left out, as Flux does when it does not exist`);
      else {
        incomplete = true;
        notes.push(`${label} is not in the workspace: its variables are unknown here (kept as written)`);
      }
      continue;
    }
    notes.push(`${label} read from ${source.where}${source.encrypted ? ' (SOPS-encrypted: its values are unknown here)' : ''}`);
    for (const [key, value] of Object.entries(source.data)) {
      variables.set(key, source.encrypted ? { kind: 'unknown', why: `${label} is SOPS-encrypted` } : { kind: 'value', value: value.replace(/\n/g, '') });
    }
  }
  for (const [key, value] of Object.entries(postBuild.substitute)) variables.set(key, { kind: 'value', value: value.replace(/\n/g, '') });
  return { variables, incomplete, notes };
}
