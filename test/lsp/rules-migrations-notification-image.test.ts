// Removed API versions of the notification and image automation kinds: one diagnostic naming the
// release that stopped serving the version, and a migration fix whose result validates against
// the served schema (Alert/Provider → v1beta3, Receiver and the image kinds → v1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lspClient';
import { migrateRemovedApi as migrate } from './rules-helpers';
import { FLEET_AUTOMATION, GIT_REPO, IMAGE_POLICY_WITH, IMAGE_REPO as imageRepository, PROVIDER as provider } from '../fixtures/kinds';

/** The same document at another apiVersion: what the fix must produce when nothing else changes. */
const withApiVersion = (text: string, apiVersion: string) => text.replace(/^apiVersion: .*$/m, `apiVersion: ${apiVersion}`);

// Objects the migrated documents point at, so reference rules have nothing to report.
const PROVIDER = `${provider('slack')}  secretRef:\n    name: slack-url\n`;
const GIT = GIT_REPO;
const IMAGE_REPO = imageRepository('podinfo');

const ALERT = `apiVersion: notification.toolkit.fluxcd.io/v1beta1
kind: Alert
metadata:
  name: on-call # pages the on-call channel
  namespace: flux-system
spec:
  providerRef:
    name: slack
  eventSeverity: error
  eventSources:
    - kind: Kustomization
      name: '*'
    - kind: HelmRelease
      name: '*'
  exclusionList:
    - ".*timed out.*"
`;

test('Alert v1beta1 → v1beta3: the apiVersion alone, comments kept', { timeout: 30000 }, async () => {
  const { message, after } = await migrate(ALERT, { 'provider.yaml': PROVIDER });
  assert.match(message, /notification-controller v1\.7\.0/);
  assert.match(message, /use notification\.toolkit\.fluxcd\.io\/v1beta3/);
  assert.doesNotMatch(message, /drops/, 'every v1beta1 Alert field exists in v1beta3');
  assert.equal(after, withApiVersion(ALERT, 'notification.toolkit.fluxcd.io/v1beta3'));
});

test('Alert v1beta2 → v1beta3, eventMetadata and summary kept', { timeout: 30000 }, async () => {
  const text = withApiVersion(ALERT, 'notification.toolkit.fluxcd.io/v1beta2').replace('  eventSeverity: error\n', '  eventSeverity: error\n  summary: prod cluster\n  eventMetadata:\n    cluster: prod-eu\n');
  const { message, after } = await migrate(text, { 'provider.yaml': PROVIDER });
  assert.match(message, /notification-controller v1\.9\.0/);
  assert.equal(after, withApiVersion(text, 'notification.toolkit.fluxcd.io/v1beta3'));
});

test('Provider v1beta2 → v1beta3: the message says v1beta3 ignores spec.interval; the fix keeps it', { timeout: 30000 }, async () => {
  const text = 'apiVersion: notification.toolkit.fluxcd.io/v1beta2\nkind: Provider\nmetadata:\n  name: slack\n  namespace: flux-system\nspec:\n  type: slack\n  interval: 10m\n  channel: general\n  secretRef:\n    name: slack-url\n';
  const { message, after } = await migrate(text);
  assert.match(message, /notification-controller v1\.9\.0/);
  assert.match(message, /spec\.interval is kept but ignored by v1beta3/);
  assert.equal(after, withApiVersion(text, 'notification.toolkit.fluxcd.io/v1beta3'));
});

test('Provider v1beta1 without interval: no note about it', { timeout: 30000 }, async () => {
  const text = 'apiVersion: notification.toolkit.fluxcd.io/v1beta1\nkind: Provider\nmetadata:\n  name: github\n  namespace: flux-system\nspec:\n  type: github\n  address: https://github.com/org/fleet\n  secretRef:\n    name: github-token\n';
  const { message, after } = await migrate(text);
  assert.match(message, /notification-controller v1\.7\.0/);
  assert.doesNotMatch(message, /interval|drops/);
  assert.equal(after, withApiVersion(text, 'notification.toolkit.fluxcd.io/v1beta3'));
});

test('Receiver v1beta2 → v1', { timeout: 30000 }, async () => {
  const text = 'apiVersion: notification.toolkit.fluxcd.io/v1beta2\nkind: Receiver\nmetadata:\n  name: github\n  namespace: flux-system\nspec:\n  type: github\n  events:\n    - ping\n    - push\n  secretRef:\n    name: webhook-token\n  resources:\n    - kind: GitRepository\n      name: flux-system\n';
  const { message, after } = await migrate(text, { 'git.yaml': GIT });
  assert.match(message, /notification-controller v1\.9\.0/);
  assert.match(message, /use notification\.toolkit\.fluxcd\.io\/v1\b/);
  assert.equal(after, withApiVersion(text, 'notification.toolkit.fluxcd.io/v1'));
});

test('ImageRepository v1beta1 → v1 (image-reflector-controller v1.0.0)', { timeout: 30000 }, async () => {
  const text = 'apiVersion: image.toolkit.fluxcd.io/v1beta1\nkind: ImageRepository\nmetadata:\n  name: podinfo\n  namespace: flux-system\nspec:\n  image: ghcr.io/stefanprodan/podinfo\n  interval: 5m\n  secretRef:\n    name: ghcr-auth\n';
  const { message, after } = await migrate(text);
  assert.match(message, /image-reflector-controller v1\.0\.0/);
  assert.match(message, /use image\.toolkit\.fluxcd\.io\/v1\b/);
  assert.equal(after, withApiVersion(text, 'image.toolkit.fluxcd.io/v1'));
});

test('ImagePolicy v1beta2 → v1 (image-reflector-controller v1.2.0), filterTags kept', { timeout: 30000 }, async () => {
  const text = IMAGE_POLICY_WITH(`  filterTags:
    pattern: '^main-[a-f0-9]+-(?P<ts>[0-9]+)'
    extract: '$ts'
  policy:
    numerical:
      order: asc
`, 'podinfo', 'image.toolkit.fluxcd.io/v1beta2');
  const { message, after } = await migrate(text, { 'repo.yaml': IMAGE_REPO });
  assert.match(message, /image-reflector-controller v1\.2\.0/);
  assert.equal(after, withApiVersion(text, 'image.toolkit.fluxcd.io/v1'));
});

const AUTOMATION = FLEET_AUTOMATION('image.toolkit.fluxcd.io/v1beta1', "'Automated image update by {{ .AutomationObject }}'");

test('ImageUpdateAutomation v1beta1 → v1 (image-automation-controller v1.0.0)', { timeout: 30000 }, async () => {
  const { message, after } = await migrate(AUTOMATION, { 'git.yaml': GIT });
  assert.match(message, /image-automation-controller v1\.0\.0/);
  assert.doesNotMatch(message, /Updated|drops/);
  assert.equal(after, withApiVersion(AUTOMATION, 'image.toolkit.fluxcd.io/v1'));
});

test('ImageUpdateAutomation v1beta2 with a template using .Updated: the message says to rewrite it with .Changed', { timeout: 30000 }, async () => {
  const text = withApiVersion(AUTOMATION, 'image.toolkit.fluxcd.io/v1beta2').replace(
    "messageTemplate: 'Automated image update by {{ .AutomationObject }}'",
    "messageTemplate: '{{ range .Updated.Images }}{{ println . }}{{ end }}'",
  );
  const { message, after } = await migrate(text, { 'git.yaml': GIT });
  assert.match(message, /image-automation-controller v1\.2\.0/);
  assert.match(message, /spec\.git\.commit\.messageTemplate uses \.Updated, which v1 no longer provides: rewrite the template with \.Changed/);
  assert.equal(after, withApiVersion(text, 'image.toolkit.fluxcd.io/v1'), 'the template is the user\'s to rewrite');
});

test('hover on a removed notification apiVersion names the release and the version to use', { timeout: 30000 }, async () => {
  const session = await startServer();
  try {
    await session.open('alert.yaml', ALERT);
    const h = await session.hover('alert.yaml', { line: 0, character: 5 });
    const value = h && typeof h.contents === 'object' && 'value' in h.contents ? h.contents.value : '';
    assert.match(value, /\*\*Not served\.\*\*/);
    assert.match(value, /notification-controller v1\.7\.0/);
    assert.match(value, /notification\.toolkit\.fluxcd\.io\/v1beta3/);
  } finally {
    await session.close();
  }
});
