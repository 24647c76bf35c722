import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry, RegistryRig, freePort } from './rig';
import { signal } from './helpers';
import { runRegistryCommand, REGISTRY_COMMANDS } from '../../server/src/cli/registry';

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const [command, ...rest] = args;
  const code = await runRegistryCommand(command, rest, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) }, signal(30_000));
  return { code, stdout, stderr };
}

for (const mode of ['basic-tls', 'token'] as const) {
  describe(`CLI registry verbs (${mode})`, () => {
    let rig: RegistryRig;
    let work: string;
    let common: string[];
    const outputs: string[] = [];
    const run = async (args: string[]) => {
      const result = await cli(args);
      outputs.push(result.stdout, result.stderr);
      return result;
    };
    const savedDockerConfig = process.env.DOCKER_CONFIG;
    before(async () => {
      rig = await startRegistry({ auth: mode });
      work = await mkdtemp(join(tmpdir(), 'flux-oci-cli-'));
      // An empty Docker config so that nothing from the machine leaks in.
      process.env.DOCKER_CONFIG = join(work, 'docker');
      common = ['--creds', `${rig.username}:${rig.password}`, ...(rig.caFile ? ['--ca-file', rig.caFile] : [])];
      await mkdir(join(work, 'src', 'apps'), { recursive: true });
      await writeFile(join(work, 'src', 'apps', 'cm.yaml'), 'kind: ConfigMap\n');
    });
    after(async () => {
      if (savedDockerConfig === undefined) delete process.env.DOCKER_CONFIG;
      else process.env.DOCKER_CONFIG = savedDockerConfig;
      await rig?.stop();
      if (work) await rm(work, { recursive: true, force: true });
    });

    test('credentials from the Docker config that DOCKER_CONFIG names, without --creds', async () => {
      const auth = Buffer.from(`${rig.username}:${rig.password}`).toString('base64');
      await mkdir(join(work, 'docker'), { recursive: true });
      await writeFile(join(work, 'docker', 'config.json'), JSON.stringify({ auths: { [rig.host]: { auth } } }));
      try {
        const ca = rig.caFile ? ['--ca-file', rig.caFile] : [];
        const push = await run(['push', `oci://${rig.host}/cli/fromconfig:v1`, '--path', join(work, 'src'), ...ca]);
        assert.equal(push.code, 0, push.stderr);
        const tags = await run(['tags', `oci://${rig.host}/cli/fromconfig`, ...ca]);
        assert.equal(tags.stdout, 'v1\n');
      } finally {
        await rm(join(work, 'docker', 'config.json'), { force: true });
      }
    });

    test('exports the verbs', () => {
      assert.deepEqual([...REGISTRY_COMMANDS].sort(), ['build', 'delete', 'diff', 'list', 'manifest', 'pull', 'push', 'tag', 'tags']);
    });

    test('push, tags, tag, manifest, pull, delete', async () => {
      const ref = `oci://${rig.host}/cli/app`;
      const push = await run(['push', `${ref}:v1`, '--path', join(work, 'src'), '--annotation', 'team=ops', '--source', 'https://git.example/repo', '--revision', 'main@sha1:abc', '--reproducible', ...common]);
      assert.equal(push.code, 0, push.stderr);
      assert.match(push.stdout, new RegExp(`^${rig.host}/cli/app:v1@sha256:[a-f0-9]{64}\\n$`));
      assert.match(push.stderr, /upload 100%/);
      const digest = push.stdout.trim().split('@')[1];

      const tag = await run(['tag', `${ref}:v1`, 'stable', ...common]);
      assert.equal(tag.code, 0, tag.stderr);
      const tags = await run(['tags', ref, ...common]);
      assert.deepEqual(tags.stdout.trim().split('\n').sort(), ['stable', 'v1']);

      const manifest = await run(['manifest', `${ref}:stable`, ...common]);
      assert.equal(manifest.code, 0, manifest.stderr);
      assert.match(manifest.stderr, new RegExp(`digest: ${digest}`));
      const json = JSON.parse(manifest.stdout) as { annotations: Record<string, string> };
      assert.equal(json.annotations.team, 'ops');
      assert.equal(json.annotations['org.opencontainers.image.revision'], 'main@sha1:abc');

      const pull = await run(['pull', `${ref}@${digest}`, '--output', join(work, 'out'), ...common]);
      assert.equal(pull.code, 0, pull.stderr);
      assert.equal(await readFile(join(work, 'out', 'apps', 'cm.yaml'), 'utf8'), 'kind: ConfigMap\n');

      const del = await run(['delete', `${ref}:v1`, ...common]);
      assert.equal(del.code, 0, del.stderr);
      assert.match(del.stdout, new RegExp(digest));
      const after = await run(['tags', ref, ...common]);
      assert.equal(after.stdout, '', 'both tags went with the manifest');
      for (const text of outputs) assert.ok(!text.includes(rig.password!), 'the password never appears in output');
    });

    test('failures give exit codes 1 and 2 with clear messages and no secrets', async () => {
      const wrong = await run(['tags', `${rig.host}/cli/app`, '--creds', 'alice:Not-The-Password', ...(rig.caFile ? ['--ca-file', rig.caFile] : [])]);
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /^error: .*(refused|401)/);
      assert.ok(!wrong.stderr.includes('Not-The-Password'));
      const noAuth = await run(['tags', `${rig.host}/cli/app`, ...(rig.caFile ? ['--ca-file', rig.caFile] : [])]);
      assert.equal(noAuth.code, 1);
      assert.match(noAuth.stderr, /requires authentication|refused/);
      const badRef = await run(['tags', 'oci://Bad/Ref', ...common]);
      assert.equal(badRef.code, 2);
      assert.match(badRef.stderr, /invalid reference/);
      const usage = await run(['push', `${rig.host}/cli/app:v1`, ...common]);
      assert.equal(usage.code, 2);
      assert.match(usage.stderr, /push needs --path/);
      const unknown = await run(['pull', `${rig.host}/cli/app:v1`, '--output', join(work, 'x'), '--bogus', ...common]);
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /unknown option --bogus/);
      const badCreds = await run(['tags', `${rig.host}/cli/app`, '--creds', 'justapassword']);
      assert.equal(badCreds.code, 2);
      assert.ok(!badCreds.stderr.includes('justapassword'));
      const pasted = await run(['tags', `oci://alice:${rig.password}@${rig.host}/cli/app`]);
      assert.equal(pasted.code, 2);
      assert.match(pasted.stderr, /credentials do not belong in a reference/);
      const unknownHost = await run(['tags', 'oci://registry.flux-oci.invalid/cli/app']);
      assert.equal(unknownHost.code, 1);
      assert.match(unknownHost.stderr, /^error: cannot find the registry host registry\.flux-oci\.invalid/);
      const down = await run(['tags', `127.0.0.1:${await freePort()}/cli/app`, '--timeout', '20s']);
      assert.equal(down.code, 1);
      assert.match(down.stderr, /^error: cannot connect to 127\.0\.0\.1:\d+: connection refused; is the registry running/);
      for (const text of outputs) assert.ok(!text.includes(rig.password!), 'the password never appears in output');
    });
  });
}
