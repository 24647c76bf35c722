// Flag parsing, tag filters and the secret scan, as pure functions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, UsageError, flagValues, flagSet, flagValue } from '../../server/src/cli/args';
import { filterTags } from '../../server/src/cli/tagFilter';
import { scanForSecrets, isEnvFile } from '../../server/src/push/secrets';

const SPECS = [
  { name: '--path', value: true },
  { name: '--annotations', aliases: ['-a', '--annotation'], value: true, repeat: true },
  { name: '--ignore-paths', value: true, list: true },
  { name: '--reproducible' },
  { name: '--output', aliases: ['-o'], value: true },
];

test('flags: --flag value, --flag=value, short flags, repeats, comma lists, booleans, --', () => {
  const p = parseArgs(['oci://x/y:1', '--path=./a', '-a', 'k=v', '--annotation=k2=v=2', '--ignore-paths', '*.md, bin/', '--ignore-paths=x', '--reproducible', '-o', 'json', '--', '--not-a-flag'], SPECS);
  assert.deepEqual(p.positionals, ['oci://x/y:1', '--not-a-flag']);
  assert.equal(flagValue(p, '--path'), './a');
  assert.deepEqual(flagValues(p, '--annotations'), ['k=v', 'k2=v=2']);
  assert.deepEqual(flagValues(p, '--ignore-paths'), ['*.md', 'bin/', 'x']);
  assert.ok(flagSet(p, '--reproducible'));
  assert.equal(flagValue(p, '--output'), 'json');
  assert.equal(flagSet(parseArgs(['--reproducible=false'], SPECS), '--reproducible'), false);
  assert.ok(parseArgs(['-h'], SPECS).help);
  assert.throws(() => parseArgs(['--path'], SPECS), (e: Error) => e instanceof UsageError && /--path needs a value/.test(e.message));
  assert.throws(() => parseArgs(['--path', 'a', '--path', 'b'], SPECS), /may be given only once/);
  assert.throws(() => parseArgs(['--reproducible=yes'], SPECS), /takes no value/);
  assert.throws(() => parseArgs(['--nope'], SPECS), /unknown option --nope/);
});

test('tag filters: Masterminds ranges (comma AND, v prefix), regex, newest first, no cosign tags', () => {
  const tags = ['v1.0.0', '1.2.0', 'v2.0.0', 'latest', 'v1.10.0-rc.1', `sha256-${'a'.repeat(64)}.sig`];
  assert.deepEqual(filterTags(tags, { semver: '>= 1.0, < 2.0' }), ['1.2.0', 'v1.0.0']);
  assert.deepEqual(filterTags(tags, { semver: '~> v1.0' }), ['v1.0.0']);
  assert.deepEqual(filterTags(tags, { regex: '^v' }), ['v1.0.0', 'v2.0.0', 'v1.10.0-rc.1']);
  assert.deepEqual(filterTags(tags, {}), tags.slice(0, 5));
  assert.throws(() => filterTags(tags, { semver: '>=' }), /--filter-semver/);
  assert.throws(() => filterTags(tags, { regex: '(' }), /--filter-regex/);
});

test('secret scan: unencrypted Secrets, private keys, .env files, kubeconfigs; SOPS and templates pass', () => {
  assert.deepEqual(scanForSecrets('s.yaml', 'kind: Secret\nmetadata: {name: a}\ndata:\n  k: dmFsdWU=\n').map((f) => [f.line, f.reason.slice(0, 10)]), [[3, 'Secret "a"']]);
  assert.deepEqual(scanForSecrets('s.yaml', 'kind: Secret\nmetadata: {name: a}\ndata:\n  k: ENC[AES256_GCM,data:x]\nsops: {version: 3}\n'), []);
  assert.deepEqual(scanForSecrets('s.yaml', 'kind: Secret\nmetadata: {name: a}\ntype: kubernetes.io/service-account-token\n'), [], 'a Secret with no data holds nothing');
  assert.deepEqual(scanForSecrets('cm.yaml', 'kind: ConfigMap\ndata:\n  k: v\n'), []);
  assert.equal(scanForSecrets('notes.md', 'x\n-----BEGIN RSA PRIVATE KEY-----\n')[0].line, 2);
  assert.deepEqual(scanForSecrets('cert.pem', '-----BEGIN CERTIFICATE-----\n'), [], 'certificates are public');
  assert.ok(isEnvFile('a/.env') && isEnvFile('.env.production') && !isEnvFile('.env.example') && !isEnvFile('env.yaml'));
  assert.equal(scanForSecrets('kubeconfig.yaml', 'kind: Config\nusers:\n- name: ci\n  user:\n    client-key-data: abc\n').length, 1);
  assert.deepEqual(scanForSecrets('kubeconfig.yaml', 'kind: Config\nusers:\n- name: ci\n  user:\n    exec: {command: aws}\n'), [], 'exec plugins fetch credentials at run time');
  assert.deepEqual(scanForSecrets('bad.yaml', 'kind: Secret\n  : : [\n'), [], 'unparsable YAML does not throw');
});
