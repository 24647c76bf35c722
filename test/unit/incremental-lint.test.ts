// The index and the per-file checker, updated edit by edit, must equal a fresh index and a full
// lint of the final text: objects, references and their positions, and every finding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { WorkspaceIndex } from '../../server/src/language/workspaceIndex';
import { defaultLintContext, lintFile } from '../../server/src/language/lint';
import { workspaceFindings } from '../../server/src/language/rules';
import { FileChecker } from '../../server/src/language/fileChecker';
import type { Finding, Range } from '../../server/src/language/types';
import { randomSource, randomChange } from './randomEdits';

const PIECES = [
  '---', '...', 'apiVersion: source.toolkit.fluxcd.io/v1', 'kind: OCIRepository', 'kind: Kustomization', 'kind: Secret',
  'apiVersion: kustomize.toolkit.fluxcd.io/v1', 'apiVersion: v1', 'metadata:', '  name: app', '  name: other', '  namespace: apps',
  'spec:', '  interval: 5m', '  interval: 5 minutes', '  url: oci://ghcr.io/org/app', '  secretRef:', '    name: pull',
  '  sourceRef:', '    kind: OCIRepository', '    name: app', '  dependsOn:', '    - name: other', '  prune: true', '# c', '',
  'x: [1,', '  - {a: 1', 'key: "open',
];

function start(eol: string): string {
  const docs: string[] = [];
  for (let i = 0; i < 10; i++) {
    docs.push(i % 2 === 0
      ? ['apiVersion: source.toolkit.fluxcd.io/v1', 'kind: OCIRepository', 'metadata:', `  name: app`, 'spec:', '  interval: 5m', '  url: oci://ghcr.io/org/app'].join(eol)
      : ['apiVersion: kustomize.toolkit.fluxcd.io/v1', 'kind: Kustomization', 'metadata:', `  name: k${i}`, 'spec:', '  interval: 1 hour', '  sourceRef:', '    kind: OCIRepository', '    name: app', '  dependsOn:', `    - name: k${i + 2}`].join(eol));
  }
  return docs.join(`${eol}---${eol}`) + eol;
}

const show = (f: Finding) => `${f.range.start.line}:${f.range.start.character}-${f.range.end.line}:${f.range.end.character} ${f.code} ${f.message}`;
const placeOf = (r: Range) => `${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}`;

function snapshot(index: WorkspaceIndex, uri: string) {
  return {
    objects: index.objectsIn(uri).map((o) => `${o.documentIndex} ${o.identity.kind}/${o.identity.name} ${placeOf(o.nameRange)} ${placeOf(o.documentRange)}`),
    refs: index.referencesIn(uri).map((r) => `${r.documentIndex} ${r.kind}/${r.name} ${placeOf(r.nameRange)} ${r.kindRange ? placeOf(r.kindRange) : '-'}`),
    all: [...index.objects()].map((o) => `${o.uri} ${o.identity.name}`),
    docs: index.documentsIn(uri).map((d) => `${d.documentIndex}@${d.startLine}`),
  };
}

for (const eol of ['\n', '\r\n']) {
  test(`index and checker after random edits equal a fresh index and a full lint (${JSON.stringify(eol)})`, () => {
    const random = randomSource(eol === '\n' ? 3 : 41);
    const context = { ...defaultLintContext(), unresolvedReferences: 'warning' as const };
    const uri = 'file:///w/flux.yaml';
    const other = 'file:///w/other.yaml';
    for (let round = 0; round < 5; round++) {
      const index = new WorkspaceIndex();
      index.setFile(other, 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: pull\n  namespace: apps\n');
      let doc = TextDocument.create(uri, 'yaml', 1, start(eol));
      const file = index.setFile(uri, doc.getText());
      const checker = new FileChecker(file);
      checker.findings(index, context);
      for (let step = 0; step < 40; step++) {
        const changes = Array.from({ length: random(4) === 0 ? 3 : 1 }, () => {
          const change = randomChange(random, doc.getText(), eol, PIECES) as { range: Range; text: string };
          doc = TextDocument.update(doc, [change], doc.version + 1);
          return change;
        });
        // Sometimes several events arrive before the checker runs.
        index.editFile(uri, changes);
        if (random(3) === 0) continue;
        const context2 = `round ${round} step ${step}: ${JSON.stringify(changes)}`;
        const fresh = new WorkspaceIndex();
        fresh.setFile(other, index.file(other)!.text);
        const freshFile = fresh.setFile(uri, doc.getText());
        assert.deepEqual(snapshot(index, uri), snapshot(fresh, uri), context2);
        const want = [...lintFile(freshFile, context), ...workspaceFindings(freshFile, fresh, context)].map(show);
        assert.deepEqual(checker.findings(index, context).map(show), want, context2);
        assert.deepEqual([...lintFile(file, context), ...workspaceFindings(file, index, context)].map(show), want, context2);
      }
    }
  });
}
