// The line-by-line metadata reader and editor used on kustomize's output, checked against the
// YAML library reading the same text; outside kustomize's layout it declines (undefined).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { editMetadataBlock, readMetadataBlock } from '../../server/src/render/metadataBlock';

const object = `apiVersion: v1
data:
  a: b
kind: ConfigMap
metadata:
  annotations:
    config.kubernetes.io/origin: |
      path: ../base/cm.yaml
    note: "x: y"
  labels:
    app: web
    version: "1.27"
  name: settings
  namespace: prod
`;

test('metadata block: read as the YAML library reads it', () => {
  const lines = object.split('\n');
  const read = readMetadataBlock(lines, 4, lines.length);
  const expected = parse(object).metadata;
  assert.deepEqual(read, { name: expected.name, namespace: expected.namespace, labels: expected.labels, annotations: expected.annotations });
});

test('metadata block: labels added and replaced, an annotation dropped, the result the YAML library agrees with', () => {
  const lines = object.split('\n');
  const block = editMetadataBlock(lines, 4, lines.length, { app: 'api', 'kustomize.toolkit.fluxcd.io/name': 'apps', n: '123', t: 'true' }, { owner: 'team a' }, ['config.kubernetes.io/origin'])!;
  const text = [...lines.slice(0, 4), ...block].join('\n');
  assert.deepEqual(parse(text).metadata, {
    name: 'settings', namespace: 'prod',
    labels: { app: 'api', version: '1.27', 'kustomize.toolkit.fluxcd.io/name': 'apps', n: '123', t: 'true' },
    annotations: { note: 'x: y', owner: 'team a' },
  });
  assert.deepEqual(parse(text).data, { a: 'b' });
});

test('metadata block: outside kustomize\'s layout it declines', () => {
  for (const block of ['metadata:\n  labels: {a: b}', 'metadata:\n  name: &x web', 'metadata:\n  "quoted key": x', 'metadata:\n  name: web # comment']) {
    const lines = block.split('\n');
    assert.equal(readMetadataBlock(lines, 0, lines.length), undefined, block);
  }
});
