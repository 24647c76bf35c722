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
