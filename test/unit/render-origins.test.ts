// A diagnostic on a rendered document points back to the file its object came from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { objectLine, pointToSources } from '../../server/src/lsp/renderOrigins';
import { YamlFile } from '../../server/src/language/documents';

const rendered = `# What Flux applies for Kustomization flux-system/apps: ./kubernetes/apps
---
# from ./apps/web/deploy.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: many
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: generated
`;

const at = (line: number) => ({ range: { start: { line, character: 2 }, end: { line, character: 10 } }, message: 'x', severity: 1 as const });

test('render origins: a diagnostic inside an object names its source file; one in an object without origin is left as it is', () => {
  const [inDeploy, inGenerated, inHeader] = pointToSources(rendered, [at(8), at(13), at(0)], 'file:///work/fleet/kubernetes/');
  assert.deepEqual(inDeploy.relatedInformation, [{ location: { uri: 'file:///work/fleet/kubernetes/apps/web/deploy.yaml', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } }, message: 'this object comes from ./apps/web/deploy.yaml' }]);
  assert.equal(inGenerated.relatedInformation, undefined);
  assert.equal(inHeader.relatedInformation, undefined);
});

test('render origins: the related location is the object\'s own line in its source file, found by kind and the rendered name', () => {
  const asked: Array<[string, string | undefined, string | undefined]> = [];
  const prefixed = rendered.replace('  name: web\n', '  name: prod-web-v2\n  labels:\n    name: not-this\n');
  const [inDeploy] = pointToSources(prefixed, [at(8)], 'file:///work/fleet/kubernetes', (uri, kind, name) => {
    asked.push([uri, kind, name]);
    return 14;
  });
  assert.deepEqual(asked, [['file:///work/fleet/kubernetes/apps/web/deploy.yaml', 'Deployment', 'prod-web-v2']]);
  assert.deepEqual(inDeploy.relatedInformation?.[0].location.range, { start: { line: 14, character: 0 }, end: { line: 14, character: 0 } });
  // Not found: the file's first line, as before.
  const [unknown] = pointToSources(rendered, [at(8)], 'file:///work/fleet/kubernetes/', () => undefined);
  assert.equal(unknown.relatedInformation?.[0].location.range.start.line, 0);
});

test('render origins: the object\'s line among its file\'s documents (the only one of its kind, else the longest name the rendered name holds)', () => {
  const file = new YamlFile('file:///f.yaml', [
    '# a comment first', 'apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: web', '---',
    'apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: web-extra', '---',
    '', 'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: web', '',
  ].join('\n'));
  assert.equal(objectLine(file.documents, 'Deployment', 'prod-anything'), 12);
  assert.equal(objectLine(file.documents, 'ConfigMap', 'prod-web-extra-v2'), 6);
  assert.equal(objectLine(file.documents, 'ConfigMap', 'prod-web'), 1);
  assert.equal(objectLine(file.documents, 'ConfigMap', 'other'), undefined);
  assert.equal(objectLine(file.documents, 'Secret', 'web'), undefined);
});
