// A `${VAR}` value in a document no Kustomization of the workspace is known to apply: the one
// that applies it (in the cluster, or in another repository) may substitute variables, so an
// error on that value is only a warning. Where the applier is known, its postBuild decides.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkspaceIndex } from '../../server/src/language/workspaceIndex';
import { applyGraphOf } from '../../server/src/language/applyGraph';
import { checkAsApplied, lintAsApplied } from '../../server/src/language/appliedFindings';
import { defaultLintContext } from '../../server/src/language/lint';
import { FileChecker } from '../../server/src/language/fileChecker';

function workspace(files: Record<string, string>) {
  const index = new WorkspaceIndex();
  for (const [rel, text] of Object.entries(files)) index.setFile(`file:///w/${rel}`, text);
  applyGraphOf(index).configure([{ uri: 'file:///w/', repository: false, remotes: [] }]);
  const lint = (rel: string) => lintAsApplied(index.file(`file:///w/${rel}`)!, index, defaultLintContext());
  return { index, lint };
}

const source = (interval: string) => `apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: app\n  namespace: flux-system\nspec:\n  interval: ${interval}\n  url: oci://ghcr.io/org/app\n`;
const parent = (postBuild: string) => `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: parent\n  namespace: flux-system\nspec:\n  interval: 1h\n  prune: true\n  path: ./children\n  sourceRef:\n    kind: GitRepository\n    name: fleet\n${postBuild}`;

test('an error on a ${VAR} value is a warning where no Kustomization of the workspace applies the file, and stays an error where one that does not substitute does', () => {
  const { lint } = workspace({ 'elsewhere/source.yaml': source('${INTERVAL}') });
  const [finding, ...rest] = lint('elsewhere/source.yaml');
  assert.deepEqual(rest, []);
  assert.equal(finding.code, 'schema/duration');
  assert.equal(finding.severity, 'warning');
  assert.match(finding.message, /\(unless \$\{INTERVAL\} is substituted: no Kustomization of this workspace is known to apply this file/);
  // A value without a variable is judged as written: still an error.
  const plain = workspace({ 'elsewhere/source.yaml': source('5 minutes') }).lint('elsewhere/source.yaml');
  assert.deepEqual(plain.map((f) => `${f.code} ${f.severity}`), ['schema/duration error']);
  // Where a known Kustomization applies the file, its postBuild decides: none keeps the error.
  const none = workspace({ 'parent.yaml': parent(''), 'children/source.yaml': source('${INTERVAL}') });
  assert.deepEqual(none.lint('children/source.yaml').map((f) => `${f.code} ${f.severity}`), ['schema/duration error']);
  const substituted = workspace({ 'parent.yaml': parent('  postBuild:\n    substitute:\n      INTERVAL: 5m\n'), 'children/source.yaml': source('${INTERVAL}') });
  assert.deepEqual(substituted.lint('children/source.yaml'), []);
});

test('the editor\'s checker softens the same findings as the CLI', () => {
  const { index } = workspace({ 'elsewhere/source.yaml': source('${INTERVAL}'), 'parent.yaml': parent(''), 'children/source.yaml': source('${INTERVAL}') });
  const context = defaultLintContext();
  for (const [rel, severity] of [['elsewhere/source.yaml', 'warning'], ['children/source.yaml', 'error']]) {
    const checker = new FileChecker(index.file(`file:///w/${rel}`)!);
    assert.deepEqual(checkAsApplied(checker, index, context).map((f) => `${f.code} ${f.severity}`), [`schema/duration ${severity}`], rel);
  }
});
