// The schema node for an object path, and the docs key of that path.
// Generated schemas describe `spec` only; the top level (apiVersion, kind, metadata, spec) is
// the standard Kubernetes envelope, added here so completion and hover treat it like any field.
import type { SchemaNode } from './schemas';
import type { PathSegment } from './yamlPath';

const STRING: SchemaNode = { type: 'string' };
const STRING_MAP: SchemaNode = { type: 'object', additionalProperties: STRING };

/** The object metadata fields people write in manifests. */
export const METADATA_SCHEMA: SchemaNode = {
  type: 'object',
  properties: { name: STRING, namespace: STRING, labels: STRING_MAP, annotations: STRING_MAP },
  required: ['name'],
};

const envelopes = new WeakMap<SchemaNode, SchemaNode>();

/** The whole-object schema: envelope fields plus the kind's generated `spec`. */
export function objectSchema(generated: SchemaNode | undefined): SchemaNode {
  if (!generated) return envelope(undefined);
  let root = envelopes.get(generated);
  if (!root) {
    root = envelope(generated.properties?.spec);
    envelopes.set(generated, root);
  }
  return root;
}

function envelope(spec: SchemaNode | undefined): SchemaNode {
  return {
    type: 'object',
    properties: { apiVersion: STRING, kind: STRING, metadata: METADATA_SCHEMA, ...(spec ? { spec } : {}) },
    required: ['apiVersion', 'kind', 'metadata', ...(spec ? ['spec'] : [])],
  };
}

export interface SchemaAt {
  node: SchemaNode;
  /** Docs key: `spec.dependsOn[].name`, `spec.postBuild.substitute.*`. */
  docPath: string;
  /** Whether the parent object lists the last segment as required. */
  required: boolean;
}

/** Walks properties, array items and map values; undefined where the schema says nothing. */
export function schemaAt(root: SchemaNode, path: readonly PathSegment[]): SchemaAt | undefined {
  let node = root;
  let docPath = '';
  let required = false;
  for (const segment of path) {
    if (typeof segment === 'number') {
      if (!node.items) return undefined;
      node = node.items;
      docPath += '[]';
      required = false;
      continue;
    }
    const property = node.properties?.[segment];
    if (property) {
      required = node.required?.includes(segment) ?? false;
      node = property;
      docPath = docPath ? `${docPath}.${segment}` : segment;
    } else if (typeof node.additionalProperties === 'object') {
      node = node.additionalProperties;
      docPath = docPath ? `${docPath}.*` : '*';
      required = false;
    } else if (node.items && /^\d+$/.test(segment)) {
      node = node.items;
      docPath += '[]';
      required = false;
    } else {
      return undefined;
    }
  }
  return { node, docPath, required };
}

export function typesOf(node: SchemaNode): string[] {
  if (Array.isArray(node.type)) return node.type;
  if (node.type) return [node.type];
  if (node.properties) return ['object'];
  return [];
}

export const isObjectNode = (node: SchemaNode): boolean => typesOf(node).includes('object') || node.properties !== undefined;
export const isArrayNode = (node: SchemaNode): boolean => typesOf(node).includes('array');
export const isMapNode = (node: SchemaNode): boolean => !node.properties && typeof node.additionalProperties === 'object';

/** A short type name in words: "string", "list of objects", "map of string to string". */
export function describeType(node: SchemaNode): string {
  const types = typesOf(node);
  if (types.length === 0) return 'any YAML value';
  return types.map((t) => {
    if (t === 'array') return node.items ? `list of ${plural(describeType(node.items))}` : 'list';
    if (t === 'object' && isMapNode(node)) return `map of string to ${describeType(node.additionalProperties as SchemaNode)}`;
    if (t === 'object' && node.properties) return 'object';
    if (t === 'object') return 'object (any fields)';
    return t;
  }).join(' or ');
}

function plural(type: string): string {
  if (type.startsWith('list') || type.startsWith('map') || type.includes(' or ')) return type;
  if (type.startsWith('object')) return 'objects' + type.slice('object'.length);
  return `${type}s`;
}
