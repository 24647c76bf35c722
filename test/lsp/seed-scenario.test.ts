// The seed scenario of issue 4: three classic mistakes, made lint-clean by quick fixes alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lspClient';
import { applyFix, problems, settled } from './rules-helpers';

const SOURCE = `# podinfo manifests, pushed with flux push artifact
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: podinfo
  namespace: flux-system
spec:
  interval: 5m # poll often
  url: oci://ghcr.io/stefanprodan/manifests/podinfo
  ref:
    tag: latest
  secretRef:
    name: ghcr-auth
`;

const SYNC = `apiVersion: kustomize.toolkit.fluxcd.io/v1beta2
kind: Kustomization
metadata:
  name: podinfo
  namespace: flux-system
spec:
  interval: 10m
  path: ./
  prune: true
  validation: client
  sourceRef:
    kind: GitRepository
    name: podinfo
`;

const SECRET = `apiVersion: v1
kind: Secret
metadata:
  name: ghcr-auth
  namespace: flux-system
type: kubernetes.io/dockerconfigjson
data:
  .dockerconfigjson: '{"auths":{"ghcr.io":{"username":"flux","password":"not-a-real-token"}}}'
`;

test('seed scenario becomes lint-clean through quick fixes alone', { timeout: 60000 }, async () => {
  const session = await startServer({ files: { 'source.yaml': SOURCE, 'sync.yaml': SYNC, 'secret.yaml': SECRET } });
  try {
    const files = ['source.yaml', 'sync.yaml', 'secret.yaml'];
    const initial = new Map<string, string[]>();
    for (const [file, text] of [['source.yaml', SOURCE], ['sync.yaml', SYNC], ['secret.yaml', SECRET]]) {
      initial.set(file, problems(await session.open(file, text)).map((d) => String(d.code)));
    }
    assert.deepEqual(initial.get('source.yaml'), ['flux/git-oci-url']);
    assert.deepEqual(initial.get('sync.yaml'), ['flux/removed-api-version']);
    assert.deepEqual(initial.get('secret.yaml'), ['flux/dockerconfigjson-plain']);

    // Apply the preferred fix of the first problem of each file until nothing is left.
    for (let round = 0; round < 10; round++) {
      let fixed = false;
      for (const file of files) {
        const [first] = problems(await settled(session, file));
        if (!first) continue;
        await applyFix(session, file, first);
        fixed = true;
      }
      if (!fixed) break;
    }
    for (const file of files) assert.deepEqual(problems(await settled(session, file)), [], `${file} is clean:\n${session.text(file)}`);

    // The conversion kept the tag and the comments, and retargeted the sourceRef in the other file.
    assert.match(session.text('source.yaml'), /^kind: OCIRepository$/m);
    assert.match(session.text('source.yaml'), /# poll often/);
    assert.match(session.text('source.yaml'), /tag: latest/);
    assert.match(session.text('sync.yaml'), /kind: OCIRepository/);
    assert.match(session.text('sync.yaml'), /^apiVersion: kustomize.toolkit.fluxcd.io\/v1$/m);
    assert.doesNotMatch(session.text('sync.yaml'), /validation/);
    assert.match(session.text('secret.yaml'), /stringData:/);
  } finally {
    await session.close();
  }
});
