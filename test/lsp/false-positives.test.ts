// The false-positive fixtures (test/fixtures/false-positives) over real LSP: with unresolved
// references reported (the editor's default), every file of every fixture gets no diagnostic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { startServer } from './lspClient';
import { settled, waitIndexed } from './rules-helpers';

const root = resolve(__dirname, '..', 'fixtures', 'false-positives');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? yamlFiles(join(dir, d.name)) : /\.ya?ml$/.test(d.name) ? [join(dir, d.name)] : []);
}

for (const name of readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name)) {
  test(`${name}: no diagnostics in the editor`, { timeout: 60000 }, async () => {
    const paths = yamlFiles(join(root, name));
    const files = Object.fromEntries(paths.map((p) => [relative(join(root, name), p), readFileSync(p, 'utf8')]));
    const session = await startServer({ files, settings: { references: { unresolved: 'warning' } } });
    try {
      // Every object is indexed from disk before the files are judged.
      const objects = Object.values(files).flatMap((t) => [...t.matchAll(/^kind: (\S+)\nmetadata:\n  name: (\S+)(?:\n  namespace: (\S+))?/gm)]);
      for (const [, kind, objectName, namespace] of objects) await waitIndexed(session, `${kind} ${namespace ? `${namespace}/` : ''}${objectName}`);
      const reported: string[] = [];
      for (const [rel, text] of Object.entries(files)) {
        await session.open(rel, text);
        for (const d of await settled(session, rel)) reported.push(`${rel}:${d.range.start.line + 1} ${String(d.code)} ${d.message}`);
      }
      assert.deepEqual(reported, []);
    } finally {
      await session.close();
    }
  });
}
