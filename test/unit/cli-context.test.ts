// `flux-oci lint --context <folder> <files…>`: the files a hook passes are judged with the whole
// repository as context (sources they reference, the apply graph), and only they are reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { main } from '../../server/src/cli';
import { KUSTOMIZATION_FILE, SOURCE_FILE, writeFiles, writeFleet } from '../package/fleet';

async function lint(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const before = process.cwd();
  process.chdir(cwd);
  try {
    const code = await main(['lint', '--format', 'json', '--jobs', '1', ...args], { stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; } });
    return { code, stdout, stderr };
  } finally {
    process.chdir(before);
  }
}

type JsonResult = { path: string; findings: { code: string; severity: string }[] }[];
const codesByFile = (stdout: string) => Object.fromEntries((JSON.parse(stdout) as JsonResult).map((r) => [r.path, r.findings.map((f) => f.code)]));

test('a file linted alone misses its source; with --context . the source is found and only that file is reported', async () => {
  const dir = writeFleet({ broken: true });
  // A second error, in the file that is not passed: it must not be reported.
  writeFiles(dir, { [SOURCE_FILE]: 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: podinfo\n  namespace: flux-system\nspec:\n  interval: 5 minutes\n  url: oci://ghcr.io/stefanprodan/manifests/podinfo\n' });
  try {
    const alone = await lint(dir, '--unresolved-references', 'warning', KUSTOMIZATION_FILE);
    assert.deepEqual(codesByFile(alone.stdout), { [KUSTOMIZATION_FILE]: ['schema/duration', 'flux/ref-not-found'] });

    const withContext = await lint(dir, '--unresolved-references', 'warning', '--context', '.', KUSTOMIZATION_FILE);
    assert.equal(withContext.code, 1);
    assert.deepEqual(codesByFile(withContext.stdout), { [KUSTOMIZATION_FILE]: ['schema/duration'] }, 'the source is known from the context; the source file itself is not reported');

    const everything = await lint(dir, '--context=.');
    assert.deepEqual(Object.keys(codesByFile(everything.stdout)).sort(), [SOURCE_FILE, KUSTOMIZATION_FILE].sort(), 'with no paths, the whole context is reported');

    const folder = await lint(dir, '--context', '.', 'clusters');
    assert.deepEqual(Object.keys(codesByFile(folder.stdout)).sort(), [SOURCE_FILE, KUSTOMIZATION_FILE].sort(), 'a folder given reports every file under it');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a clean file passed with --context exits 0 even when other files of the repository have errors', async () => {
  const dir = writeFleet({ broken: true });
  try {
    const r = await lint(dir, '--context', '.', SOURCE_FILE);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--context needs a folder', async () => {
  const dir = writeFleet({ broken: false });
  try {
    const file = await lint(dir, '--context', KUSTOMIZATION_FILE);
    assert.equal(file.code, 2);
    assert.match(file.stderr, /--context takes a folder; clusters\/prod\/podinfo\.yaml is not one/);
    const missing = await lint(dir, '--context');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--context takes a folder/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
