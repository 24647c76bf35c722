import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseReference, InvalidReferenceError, isLoopbackHost, apiHost } from '../../server/src/oci/reference';

const D = 'sha256:' + 'a'.repeat(64);

test('Docker Hub defaults: docker.io and library/', () => {
  const r = parseReference('nginx');
  assert.equal(r.registry, 'docker.io');
  assert.equal(r.repository, 'library/nginx');
  assert.equal(r.tag, undefined);
  assert.equal(r.reference, 'latest');
  assert.equal(r.toString(), 'docker.io/library/nginx');
  assert.equal(parseReference('oci://user/app:1.0').toString(), 'docker.io/user/app:1.0');
  assert.equal(parseReference('index.docker.io/nginx').toString(), 'docker.io/library/nginx');
  assert.equal(apiHost('docker.io'), 'registry-1.docker.io');
});

test('hosts, ports, localhost and IPv6', () => {
  const a = parseReference('localhost:5000/app:v1');
  assert.deepEqual([a.registry, a.repository, a.tag], ['localhost:5000', 'app', 'v1']);
  const b = parseReference('oci://127.0.0.1:41234/team/app');
  assert.deepEqual([b.registry, b.repository], ['127.0.0.1:41234', 'team/app']);
  const c = parseReference('localhost/app');
  assert.equal(c.registry, 'localhost');
  const d = parseReference('[::1]:5000/app:x');
  assert.deepEqual([d.registry, d.repository, d.tag], ['[::1]:5000', 'app', 'x']);
  const e = parseReference('GHCR.io/org/app');
  assert.equal(e.registry, 'ghcr.io');
});

test('digests, with and without tags', () => {
  const r = parseReference(`ghcr.io/org/app@${D}`);
  assert.equal(r.digest, D);
  assert.equal(r.tag, undefined);
  assert.equal(r.reference, D);
  const t = parseReference(`oci://ghcr.io/org/app:v2@${D}`);
  assert.equal(t.tag, 'v2');
  assert.equal(t.reference, D);
  assert.equal(t.toString(), `ghcr.io/org/app:v2@${D}`);
  assert.equal(t.withTag('v3').toString(), 'ghcr.io/org/app:v3');
});

test('precise errors', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /empty/],
    ['ghcr.io/Org/app', /lower case/],
    ['ghcr.io/org/app:-bad', /tag "-bad"/],
    [`ghcr.io/org/app@sha256:abc`, /64 lower-case hex/],
    ['ghcr.io/org/app@md5', /digest "md5"/],
    ['https://ghcr.io/org/app', /only the oci:\/\/ scheme/],
    ['ghcr.io:99999/app', /port "99999"/],
    ['ghcr.io/', /repository name is missing/],
    ['ghcr.io/org//app', /empty component/],
    ['ghcr.io/org/app_', /"app_" is not allowed/],
    ['ghcr.io/' + 'a'.repeat(250), /longer than 255/],
    ['bad_host.io:80/app', /not a valid host name/],
  ];
  for (const [input, message] of cases) {
    assert.throws(() => parseReference(input), (error: unknown) => {
      assert.ok(error instanceof InvalidReferenceError, `${input} should throw InvalidReferenceError`);
      assert.match(error.message, message, `message for ${JSON.stringify(input)}`);
      return true;
    });
  }
});

test('repository component separators follow the grammar', () => {
  assert.equal(parseReference('r.io/a.b/c__d/e--f/g_h').repository, 'a.b/c__d/e--f/g_h');
  assert.throws(() => parseReference('r.io/a___b'), InvalidReferenceError);
  assert.throws(() => parseReference('r.io/a..b'), InvalidReferenceError);
});

test('loopback detection', () => {
  for (const h of ['localhost', 'localhost:5000', '127.0.0.1:80', '127.9.8.7', '[::1]:5000']) assert.ok(isLoopbackHost(h), h);
  for (const h of ['ghcr.io', '10.0.0.1:5000', '128.0.0.1', 'localhost.evil.com']) assert.ok(!isLoopbackHost(h), h);
});

test('credentials pasted into a reference are refused and never repeated', () => {
  for (const input of ['oci://alice:Pa55word@ghcr.io/org/app:v1', 'alice:Pa55word@localhost:5000/app', 'Pa55word@ghcr.io/org/app']) {
    assert.throws(() => parseReference(input), (error: unknown) => {
      assert.ok(error instanceof InvalidReferenceError);
      assert.match(error.message, /credentials do not belong in a reference/);
      assert.ok(!error.message.includes('Pa55word'), error.message);
      assert.ok(!error.input.includes('Pa55word'));
      return true;
    });
  }
  // A digest is not mistaken for user info.
  assert.throws(() => parseReference('ghcr.io/org/app:v1@sha256:abc'), /"ghcr.io\/org\/app:v1@sha256:abc".*64 lower-case hex/);
});

test('more normalisation edge cases', () => {
  assert.equal(parseReference('OCI://ghcr.io/org/app').toString(), 'ghcr.io/org/app', 'scheme is case-insensitive');
  assert.equal(parseReference('  oci://ghcr.io/org/app:v1  ').toString(), 'ghcr.io/org/app:v1', 'surrounding space is trimmed');
  assert.equal(parseReference('docker.io/nginx:1.27').toString(), 'docker.io/library/nginx:1.27');
  assert.equal(parseReference('registry-1.docker.io/bitnami/redis').toString(), 'docker.io/bitnami/redis');
  assert.equal(parseReference('docker.io/library/nginx').repository, 'library/nginx', 'library/ is not doubled');
  assert.equal(parseReference('nginx:Latest_1').tag, 'Latest_1', 'tags may be upper case');
  const lp = parseReference('localhost/app');
  assert.deepEqual([lp.registry, lp.repository], ['localhost', 'app'], 'localhost is a host even without a port');
  const v6 = parseReference('[::1]/team/app');
  assert.deepEqual([v6.registry, v6.repository], ['[::1]', 'team/app']);
  assert.equal(parseReference(`localhost:5000/app:v1@${D}`).toString(), `localhost:5000/app:v1@${D}`);
  assert.equal(parseReference(`[::1]:5000/app@${D}`).reference, D);
  assert.equal(parseReference('localhost:5000/app').reference, 'latest');
  // Without a slash, `name:5000` is a repository with a tag, as in docker.
  assert.equal(parseReference('localhost:5000').toString(), 'docker.io/library/localhost:5000');
  for (const [input, message] of [
    ['[::1/app', /unclosed \[/],
    ['[zz]:5000/app', /not a valid IPv6/],
    ['[::1]5000/app', /malformed/],
    ['localhost:0/app', /port "0"/],
    ['-bad.io/app', /not a valid host name/],
    ['ghcr.io/org/app:' + 'x'.repeat(129), /must match/],
    ['ghcr.io/org/app@sha256:' + 'A'.repeat(64), /lower-case hex/],
    ['oci://', /empty|missing/],
  ] as Array<[string, RegExp]>) {
    assert.throws(() => parseReference(input), (e: unknown) => e instanceof InvalidReferenceError && message.test(e.message), input);
  }
});
