// The editor's checker judged as applied (`checkAsApplied`: kept current edit by edit, verdicts
// cached per finding until the apply graph or the index structure moves) must equal a full
// `lintAsApplied` on a fresh workspace with the same texts: on the apply-graph fixture, editing
// a parent Kustomization (its patches and substitution) and a child it applies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { WorkspaceIndex } from '../../server/src/language/workspaceIndex';
import { defaultLintContext } from '../../server/src/language/lint';
import { applyGraphOf } from '../../server/src/language/applyGraph';
import { checkAsApplied, lintAsApplied } from '../../server/src/language/appliedFindings';
import { FileChecker } from '../../server/src/language/fileChecker';
import type { Finding, Range } from '../../server/src/language/types';
import { randomSource, randomChange } from './randomEdits';

const FLEET = resolve(__dirname, '..', 'fixtures', 'applygraph', 'fleet');
const ROOT = 'file:///w/';

function fixtureTexts(): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.ya?ml$/.test(name)) out.set(ROOT + relative(FLEET, path), readFileSync(path, 'utf8'));
    }
  };
  walk(FLEET);
  return out;
}

function workspace(texts: ReadonlyMap<string, string>): WorkspaceIndex {
  const index = new WorkspaceIndex();
  for (const [uri, text] of texts) index.setFile(uri, text);
  applyGraphOf(index).configure([{ uri: ROOT, repository: false, remotes: [] }]);
  return index;
}

const show = (f: Finding) => `${f.range.start.line}:${f.range.start.character}-${f.range.end.line}:${f.range.end.character} ${f.code} ${f.message}`;

const PIECES = [
  '  interval: 1h', '  interval: ${INTERVAL}', '  prune: true', '  patches:', '    - patch: |', '        - op: add',
  '          path: /spec/interval', '          value: 5m', '      target:', '        kind: Kustomization', '  postBuild:',
  '    substitute:', '      X: y', '  targetNamespace: other', '---', '# c', '', 'spec:', '  timeout: ${T:=1m}',
  '  sourceRef:', '    kind: GitRepository', '    name: flux-system',
];

test('checkAsApplied after random edits of parent and child equals a fresh lintAsApplied', () => {
  const original = fixtureTexts();
  const parentUri = ROOT + 'clusters/production/apps.yaml';
  const childUri = ROOT + 'apps/podinfo/ks.yaml';
  const releaseUri = ROOT + 'apps/podinfo/app/release.yaml';
  assert.ok(original.has(parentUri) && original.has(childUri) && original.has(releaseUri));
  const context = { ...defaultLintContext(), unresolvedReferences: 'warning' as const };
  const random = randomSource(7);
  let judged = 0;
  // Short rounds from the fixture, so the parent's patches and substitution are intact for much of the run.
  for (let round = 0; round < 10; round++) {
    const texts = new Map(original);
    const index = workspace(texts);
    const docs = new Map([parentUri, childUri].map((uri) => [uri, TextDocument.create(uri, 'yaml', 1, texts.get(uri)!)]));
    const checkers = new Map([parentUri, childUri, releaseUri].map((uri) => [uri, new FileChecker(index.file(uri)!)]));
    for (let step = 0; step < 6; step++) {
      const fresh = workspace(texts);
      for (const [checked, checker] of checkers) {
        const expected = lintAsApplied(fresh.file(checked)!, fresh, context).map(show);
        assert.deepEqual(checkAsApplied(checker, index, context).map(show), expected, `round ${round} step ${step} ${checked}`);
        if (checker.findings(index, context).length > expected.length) judged++;
      }
      const uri = random(2) === 0 ? parentUri : childUri;
      let doc = docs.get(uri)!;
      const change = randomChange(random, doc.getText(), '\n', PIECES) as { range: Range; text: string };
      doc = TextDocument.update(doc, [change], doc.version + 1);
      docs.set(uri, doc);
      index.editFile(uri, [change]);
      texts.set(uri, doc.getText());
    }
  }
  // Findings were dropped as applied (patched or substituted) many times, not only at the start.
  assert.ok(judged > 20, `judged ${judged}`);
});
