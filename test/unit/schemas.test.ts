import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { SchemaCatalog } from '../../server/src/language/schemas';
import { REMOVED_API_VERSIONS } from '../../server/src/language/apiVersions';

const repo = resolve(__dirname, '..', '..');
const crds = resolve(repo, '..', 'shared', 'flux-crds');
const skip = existsSync(crds) ? false : 'needs ../shared/flux-crds';

test('committed schemas equal what the generator makes from the CRDs', { skip }, () => {
  execFileSync(process.execPath, [join(repo, 'scripts', 'gen-schemas.mjs'), '--check', '--crds', crds], { stdio: 'pipe' });
});

test('the served versions are the ones the issue names', () => {
  const served = new SchemaCatalog().entries.filter((e) => e.served).map((e) => `${e.kind} ${e.version}`).sort();
  assert.deepEqual(served, [
    'Alert v1beta3', 'ArtifactGenerator v1beta1', 'Bucket v1', 'ExternalArtifact v1', 'GitRepository v1', 'HelmChart v1', 'HelmRelease v2', 'HelmRepository v1',
    'ImagePolicy v1', 'ImageRepository v1', 'ImageUpdateAutomation v1', 'Kustomization v1', 'OCIRepository v1', 'Provider v1beta3', 'Receiver v1',
  ]);
});

test('generated schemas carry no upstream descriptions', () => {
  const dir = join(repo, 'schemas');
  for (const f of [...readdirSync(dir), ...readdirSync(join(dir, 'legacy')).map((f) => `legacy/${f}`)]) {
    if (f.endsWith('.json')) assert.ok(!readFileSync(join(dir, f), 'utf8').includes('"description"'), f);
  }
});

test('removed versions: absent from current CRDs, present in legacy CRDs', { skip }, () => {
  const versionsIn = (folder: string) => {
    const out = new Set<string>();
    const walk = (d: string) => {
      for (const f of readdirSync(d, { withFileTypes: true })) {
        if (f.isDirectory()) walk(join(d, f.name));
        else if (f.name.endsWith('.yaml')) {
          const crd = parse(readFileSync(join(d, f.name), 'utf8'));
          for (const v of crd.spec.versions) if (v.served !== false) out.add(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`);
        }
      }
    };
    walk(join(crds, folder));
    return out;
  };
  const current = versionsIn('current');
  const legacy = versionsIn('legacy');
  for (const removed of REMOVED_API_VERSIONS) {
    for (const kind of removed.kinds) {
      const id = `${removed.group}/${removed.version}/${kind}`;
      assert.ok(!current.has(id), `${id} is still served by the current CRDs`);
      assert.ok(legacy.has(id), `${id} is not in the legacy CRDs`);
    }
  }
  for (const id of legacy) {
    if (!current.has(id)) {
      const [group, version, kind] = [id.split('/').slice(0, -2).join('/'), id.split('/').at(-2)!, id.split('/').at(-1)!];
      assert.ok(REMOVED_API_VERSIONS.some((r) => r.group === group && r.version === version && r.kinds.includes(kind)), `${id} is gone from current CRDs but not listed as removed`);
    }
  }
});
