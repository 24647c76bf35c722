// A diagnostic on a rendered document points back to the file its object came from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pointToSources } from '../../server/src/lsp/renderOrigins';

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
