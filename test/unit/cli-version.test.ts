// Both binaries answer --version and --help the way a new user tries them, from the built bundles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { serverArgs } from '../../server/src/serverArgs';
import { VERSION } from '../../server/src/version';

const ROOT = resolve(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { version: string };
const run = (bundle: string, ...args: string[]) => spawnSync(process.execPath, [resolve(ROOT, 'dist', bundle), ...args], { encoding: 'utf8', input: '' });

test('VERSION is package.json\'s version', () => {
  assert.equal(VERSION, pkg.version);
});

test('flux-oci --version, version, --help', () => {
  for (const arg of ['--version', 'version']) {
    const r = run('cli.js', arg);
    assert.equal(r.status, 0);
    assert.equal(r.stdout, `${pkg.version}\n`);
  }
  const help = run('cli.js', '--help');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^usage: flux-oci <command>/);
  assert.match(help.stdout, /--context <folder>/);
});

test('flux-oci-ls --version and --help answer and exit; without a transport it says how to start it', () => {
  const version = run('server.js', '--version');
  assert.equal(version.status, 0);
  assert.equal(version.stdout, `${pkg.version}\n`);
  const help = run('server.js', '--help');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^usage: flux-oci-ls --stdio/);
  const bare = run('server.js');
  assert.equal(bare.status, 2);
  assert.match(bare.stderr, /no transport given \(an editor starts it with --stdio\)/);
  assert.equal(bare.stdout, '');
});

test('serverArgs: transports serve, info flags win', () => {
  for (const args of [['--stdio'], ['--node-ipc', '--clientProcessId=12'], ['--socket=5007'], ['--pipe=/tmp/x']]) assert.deepEqual(serverArgs(args, '1.2.3'), { kind: 'serve' }, args.join(' '));
  assert.deepEqual(serverArgs(['--stdio', '--version'], '1.2.3'), { kind: 'exit', code: 0, stdout: '1.2.3\n' });
  assert.equal(serverArgs(['--clientProcessId=12'], '1.2.3').kind, 'exit');
});
