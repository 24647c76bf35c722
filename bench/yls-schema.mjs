// Builds one JSON Schema for yaml-language-server from our generated schemas, dispatching on
// apiVersion and kind, so both servers check the same constraints in the benchmark.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export function writeYlsSchema(repo, outDir) {
  mkdirSync(outDir, { recursive: true });
  const catalog = JSON.parse(readFileSync(join(repo, 'schemas', 'catalog.json'), 'utf8'));
  const branches = [];
  for (const entry of catalog.filter((e) => e.served)) {
    const schema = JSON.parse(readFileSync(join(repo, 'schemas', entry.file), 'utf8'));
    const apiVersion = `${entry.group}/${entry.version}`;
    schema.properties = { apiVersion: { const: apiVersion }, kind: { const: entry.kind }, metadata: { type: 'object' }, ...schema.properties };
    delete schema.$id;
    const file = `${entry.kind}-${entry.version}.json`;
    writeFileSync(join(outDir, file), JSON.stringify(schema));
    branches.push({ if: { properties: { apiVersion: { const: apiVersion }, kind: { const: entry.kind } }, required: ['apiVersion', 'kind'] }, then: { $ref: file } });
  }
  const top = join(outDir, 'flux.json');
  writeFileSync(top, JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', allOf: branches }));
  return top;
}
