// Concurrency against the real registry: two pushes to the same tag at the same moment (library
// and CLI, several rounds). Defined winner: the tag ends at one of the two complete manifests,
// the other push's manifest and blobs stay intact (reachable by digest), and a pull of the tag
// gives exactly one of the two sources, never a mixture.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry, type RegistryRig } from './rig';
import { clientFor, signal } from './helpers';
import { parseReference } from '../../server/src/oci/reference';
import type { RegistryClient } from '../../server/src/oci/registry';
import { pullArtifact, pushDirectory } from '../../server/src/oci/artifact/push';
import { runRegistryCommand } from '../../server/src/cli/registry';

for (const mode of ['none', 'token'] as const) {
  describe(`two pushes to one tag at once (${mode})`, () => {
    let rig: RegistryRig;
    let work: string;
    let client: RegistryClient;
    let other: RegistryClient;

    before(async () => {
      rig = await startRegistry({ auth: mode });
      work = await mkdtemp(join(tmpdir(), 'flux-oci-race-'));
      client = clientFor(rig);
      other = clientFor(rig);
    });
    after(async () => {
      client?.close();
      other?.close();
      await rig?.stop();
      if (work) await rm(work, { recursive: true, force: true });
    });

    const source = async (name: string, body: string) => {
      const dir = join(work, name);
      await mkdir(join(dir, 'apps'), { recursive: true });
      // Large enough that the uploads overlap in time.
      await writeFile(join(dir, 'apps', 'cm.yaml'), `kind: ConfigMap\nmetadata:\n  name: ${body}\ndata:\n  pad: "${body.repeat(200_000 / body.length)}"\n`);
      return dir;
    };

    const checkWinner = async (tag: string, digests: string[], bodies: string[], round: number) => {
      const ref = parseReference(`${rig.host}/race/app:${tag}`);
      const head = await client.headManifest(ref, { signal: signal() });
      assert.ok(head && digests.includes(head.digest), `round ${round}: the tag names one of the two pushed manifests (${head?.digest} vs ${digests.join(', ')})`);
      // Both manifests and all their blobs stay intact, reachable by digest.
      for (const digest of digests) {
        const byDigest = parseReference(`${rig.host}/race/app@${digest}`);
        const manifest = JSON.parse((await client.getManifest(byDigest, { signal: signal() })).bytes.toString('utf8')) as { config: { digest: string }; layers: { digest: string }[] };
        for (const d of [manifest.config, ...manifest.layers]) assert.ok(await client.blobExists(byDigest, d.digest, { signal: signal() }), `blob ${d.digest} of ${digest} intact`);
      }
      // A pull of the tag gives exactly one of the sources.
      const out = join(work, `out-${tag}`);
      await pullArtifact(client, ref, out, { signal: signal() });
      const text = await readFile(join(out, 'apps', 'cm.yaml'), 'utf8');
      const winner = bodies.findIndex((b) => text.includes(`name: ${b}\n`));
      assert.ok(winner >= 0, 'the pulled content is one of the two sources');
      assert.equal(digests.indexOf(head.digest), winner, 'the content matches the manifest the tag names');
      return winner;
    };

    test('library: two pushDirectory calls race for one tag, five rounds', async () => {
      const winners: number[] = [];
      for (let round = 0; round < 5; round++) {
        const bodies = [`first-${round}`, `second-${round}`];
        const dirs = await Promise.all(bodies.map((b, i) => source(`lib-${round}-${i}`, b)));
        const tag = `lib-${round}`;
        const ref = parseReference(`${rig.host}/race/app:${tag}`);
        const results = await Promise.all([
          pushDirectory(client, ref, dirs[0], { signal: signal() }),
          pushDirectory(other, ref, dirs[1], { signal: signal() }),
        ]);
        winners.push(await checkWinner(tag, results.map((r) => r.digest), bodies, round));
      }
      console.log(`  winners by round (0 = first, 1 = second): ${winners.join(' ')}`);
    });

    test('CLI: two flux-oci push commands race for one tag, three rounds', async () => {
      const creds = rig.username ? ['--creds', `${rig.username}:${rig.password}`, ...(rig.caFile ? ['--ca-file', rig.caFile] : [])] : [];
      for (let round = 0; round < 3; round++) {
        const bodies = [`cli-a-${round}`, `cli-b-${round}`];
        const dirs = await Promise.all(bodies.map((b, i) => source(`cli-${round}-${i}`, b)));
        const tag = `cli-${round}`;
        const runs = await Promise.all(dirs.map(async (dir) => {
          let stdout = '';
          let stderr = '';
          const code = await runRegistryCommand('push', [`oci://${rig.host}/race/app:${tag}`, '--path', dir, ...creds],
            { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) }, signal(120_000));
          return { code, stdout, stderr };
        }));
        for (const r of runs) assert.equal(r.code, 0, r.stderr);
        const digests = runs.map((r) => r.stdout.trim().split('@')[1]);
        await checkWinner(tag, digests, bodies, round);
      }
    });
  });
}
