// Hover on `$imagepolicy` markers and ImagePolicy documents shows the tag the policy selects now,
// over real stdio against the real registry (anonymous), with the fault proxy in front only to
// hold one tag list until the test lets go (the first hover then says "checking registry…"
// without waiting for it, however fast or slow the machine).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Hover } from 'vscode-languageserver-protocol';
import { pushCustom } from './liveSeed';
import { startLiveRig, type LiveRig } from './liveRig';
import { HeldRequest } from './faultProxy';
import { budget } from '../timing';
import { positionOf, type LspSession } from '../lsp/lspClient';

const IMAGE_CONFIG = 'application/vnd.oci.image.config.v1+json';
const IMAGE_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';
const TAGS = ['1.0.0', '1.4.2', '1.5.0-rc.1', '2.0.0', 'main-abc-100', 'main-def-99', 'main-aaa-1000x', 'latest'];

let liveRig: LiveRig | undefined;
let lsp: LspSession;
let host: string;
const digests = new Map<string, string>();
/** The tag list of apps/slow: held by the proxy until the slow-registry test releases it. */
const slowList = new HeldRequest();

before(async () => {
  liveRig = await startLiveRig({
    seed: async (client, registryHost) => {
      for (const tag of TAGS) digests.set(tag, await pushCustom(client, registryHost, 'apps/web', tag, IMAGE_CONFIG, IMAGE_LAYER));
      await pushCustom(client, registryHost, 'apps/slow', 'v7', IMAGE_CONFIG, IMAGE_LAYER);
    },
    // The tag list of apps/slow gets no answer until the test says so: longer than any hover may wait.
    rules: [{ method: 'GET', path: /\/apps\/slow\/tags\/list$/, fault: { kind: 'hold', held: slowList }, times: 1 }],
  });
  lsp = liveRig.lsp;
  host = liveRig.proxy.host;
});

after(async () => {
  slowList.release();
  await liveRig?.stop();
});

/** `work`, or a failure naming `what` once the (scaled) budget is spent: a bound, not a synchronisation. */
async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const spent = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${budget(ms)} ms`)), budget(ms));
  });
  try {
    return await Promise.race([work, spent]);
  } finally {
    clearTimeout(timer);
  }
}

const policy = (name: string, repo: string, spec: string) => `---
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
metadata:
  name: ${name}
  namespace: flux-system
spec:
  imageRepositoryRef:
    name: ${repo}
${spec}`;

const POLICIES = `apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageRepository
metadata:
  name: web
  namespace: flux-system
spec:
  image: ${'HOST'}/apps/web
  interval: 5m
---
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageRepository
metadata:
  name: slow
  namespace: flux-system
spec:
  image: ${'HOST'}/apps/slow
  interval: 5m
${policy('web-semver', 'web', `  policy:
    semver:
      range: '>=1.0.0 <2.0.0'
`)}${policy('web-build', 'web', `  filterTags:
    pattern: '^main-[a-z]+-(?P<ts>[0-9]+)$'
    extract: '$ts'
  policy:
    numerical:
      order: asc
`)}${policy('web-alpha', 'web', `  policy:
    alphabetical:
      order: desc
`)}${policy('web-none', 'web', `  policy:
    semver:
      range: '>=5.0.0'
`)}${policy('slow', 'slow', `  policy:
    alphabetical: {}
`)}`;

const DEPLOY = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          image: HOST/apps/web:1.0.0 # {"$imagepolicy": "flux-system:web-semver"}
        - name: tag
          image: HOST/apps/web:1.0.0 # {"$imagepolicy": "flux-system:web-semver:tag"}
        - name: digest
          image: HOST/apps/web:1.0.0 # {"$imagepolicy": "flux-system:web-semver:digest"}
        - name: build
          image: HOST/apps/web:main-abc-100 # {"$imagepolicy": "flux-system:web-build"}
        - name: none
          image: HOST/apps/web:1.0.0 # {"$imagepolicy": "flux-system:web-none"}
        - name: slow
          image: HOST/apps/slow:v1 # {"$imagepolicy": "flux-system:slow"}
`;

const text = (h: Hover | null) => (h && typeof h.contents === 'object' && 'value' in h.contents ? h.contents.value : '');
let opened: { policies: string; deploy: string } | undefined;
async function files() {
  if (!opened) {
    opened = { policies: POLICIES.replaceAll('HOST', host), deploy: DEPLOY.replaceAll('HOST', host) };
    await lsp.open('policies.yaml', opened.policies);
    await lsp.open('deploy.yaml', opened.deploy);
  }
  return opened;
}
const hoverMarker = async (name: string) => text(await lsp.hover('deploy.yaml', positionOf((await files()).deploy, `flux-system:${name}"`, 2)));
/** Hovers until the answer holds the live row (the first hover may find the tag list not cached yet). */
async function settled(hover: () => Promise<string>, pattern: RegExp): Promise<string> {
  const deadline = Date.now() + budget(30_000);
  for (;;) {
    const last = await hover();
    if (pattern.test(last)) return last;
    assert.match(last, /checking registry…/, 'before the answer the hover says it is checking');
    assert.ok(Date.now() < deadline, `no hover matching ${pattern}; last: ${last}`);
  }
}

test('marker hover: semver policy selects the highest version in range; the marker would write image:tag', async () => {
  const value = await settled(() => hoverMarker('web-semver'), /Selects now/);
  assert.match(value, /Image automation marker/, 'the core hover stays');
  assert.match(value, /\*\*Selects now:\*\* `1\.4\.2` \(of 8 tags\)/);
  assert.ok(value.includes(`The marker would write \`${host}/apps/web:1.4.2\``), value);
});

test('marker hover: :tag writes the tag, :digest the digest of the selected tag (read from the registry)', async () => {
  assert.match(await settled(() => hoverMarker('web-semver:tag'), /would write/), /The marker would write `1\.4\.2`\./);
  const digest = await settled(() => hoverMarker('web-semver:digest'), /would write `sha256:/);
  assert.ok(digest.includes(`The marker would write \`${digests.get('1.4.2')}\``), digest);
});

test('marker hover: filter + extract + numerical picks by number and reports how many tags matched', async () => {
  const value = await settled(() => hoverMarker('web-build'), /Selects now/);
  assert.match(value, /`main-abc-100` \(of 8 tags; 2 match the filter\), by the extracted value `100`/);
});

test('marker hover: no tag in range says so', async () => {
  const value = await settled(() => hoverMarker('web-none'), /Selects now/);
  assert.match(value, /Selects now:\*\* nothing \(of 8 tags\): no tag is a version in range `>=5\.0\.0`/);
});

test('ImagePolicy hover on metadata.name and spec.policy; not on other fields', async () => {
  const { policies } = await files();
  const onName = await settled(async () => text(await lsp.hover('policies.yaml', positionOf(policies, 'name: web-alpha', 8))), /Selects now/);
  assert.match(onName, /metadata\.name/, 'the core hover stays');
  assert.match(onName, /Selects now:\*\* `1\.0\.0` \(of 8 tags\)/, 'alphabetical desc takes the first in byte order');
  assert.doesNotMatch(onName, /would write/, 'only markers write');
  const onPolicy = text(await lsp.hover('policies.yaml', positionOf(policies, "range: '>=1.0.0 <2.0.0'", 3)));
  assert.match(onPolicy, /Selects now:\*\* `1\.4\.2`/);
  const onRef = text(await lsp.hover('policies.yaml', positionOf(policies, 'imageRepositoryRef', 3)));
  assert.doesNotMatch(onRef, /Selects now/);
});

test('a slow registry never holds the hover: "checking registry…" at once, the answer on a later hover', async () => {
  // The tag list is held: a hover that waited for the registry would never answer.
  const first = await within(10_000, 'the first hover waited for the held tag list', hoverMarker('slow'));
  assert.match(first, /checking registry…/);
  await within(10_000, 'the tag list request reaching the registry', slowList.arrived);
  slowList.release();
  assert.equal(await slowList.outcome, 'client-waited', 'the fetch went on after the hover had answered');
  const value = await settled(() => hoverMarker('slow'), /Selects now:\*\* `/);
  assert.match(value, /`v7` \(of 1 tag\)/);
  assert.equal(liveRig!.proxy.requests.filter((r) => r.path.endsWith('/apps/slow/tags/list')).length, 1, 'one request, held across hovers');
});

test('live checks off: the marker hover shows the policy but nothing live', async () => {
  await lsp.setSettings({ registry: { cacheTtlSeconds: 600, liveChecks: false } });
  try {
    // The setting reaches the server as a notification: hover until the server has read it.
    const deadline = Date.now() + budget(30_000);
    let value = await hoverMarker('web-semver');
    while (/Selects now/.test(value)) {
      assert.ok(Date.now() < deadline, `still live: ${value}`);
      value = await hoverMarker('web-semver');
    }
    assert.match(value, /Image automation marker/);
  } finally {
    await lsp.setSettings({ registry: { cacheTtlSeconds: 600 } });
  }
});

test('offline (the registry cannot be reached): the marker hover shows the policy and nothing live, promptly', async () => {
  const down = `apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageRepository
metadata:
  name: gone
  namespace: flux-system
spec:
  image: 127.0.0.1:1/apps/gone
---
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
metadata:
  name: gone
  namespace: flux-system
spec:
  imageRepositoryRef:
    name: gone
  policy:
    semver:
      range: '*'
`;
  const marker = 'image: 127.0.0.1:1/apps/gone:1 # {"$imagepolicy": "flux-system:gone"}\n';
  await lsp.open('gone.yaml', down);
  await lsp.open('gone-marker.yaml', marker);
  const deadline = Date.now() + budget(30_000);
  for (;;) {
    const started = Date.now();
    const value = text(await lsp.hover('gone-marker.yaml', positionOf(marker, 'flux-system:gone', 2)));
    // A refused connection answers at once; the bound only catches a hover that waits on the network.
    assert.ok(Date.now() - started < budget(10_000), 'a hover never waits long for a registry');
    assert.match(value, /Image automation marker/);
    if (!/checking registry…/.test(value)) {
      assert.doesNotMatch(value, /Selects now/);
      break;
    }
    assert.ok(Date.now() < deadline, 'the hover keeps checking');
  }
});
