// Live findings kept per document (LiveFindingsMemo) must equal the same findings computed from
// scratch, whatever happened in between: random edits (tags, URLs, names, sourceRefs typed and
// deleted, documents split and joined) and registry answers arriving for some repositories.
// The cache here is an in-memory stand-in: the memo only reads it, and its change events are
// what the test is about (the real TagCache is exercised against a registry in test/registry).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { WorkspaceIndex } from '../../server/src/language/workspaceIndex';
import { liveFindings, LiveFindingsMemo } from '../../server/src/registry/liveFindings';
import { TagCache, type ArtifactInfo, type CacheEntry, type RepositoryRef } from '../../server/src/registry/tagCache';
import { FLUX_MEDIA_TYPES } from '../../server/src/oci/artifact/build';
import type { Range } from '../../server/src/language/types';
import { randomSource, randomChange } from './randomEdits';

const HELM_CONFIG = 'application/vnd.cncf.helm.config.v1+json';

/** Just what liveFindings reads from a TagCache, with change events like the real one's. */
class MemoryCache {
  readonly enabled = true;
  private readonly tagLists = new Map<string, CacheEntry<string[]>>();
  private readonly manifests = new Map<string, CacheEntry<ArtifactInfo>>();
  private readonly listeners = new Set<(key: string) => void>();
  onDidChange(listener: (key: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  private key = (repo: RepositoryRef) => `${repo.registry}/${repo.repository}`;
  peekTags(repo: RepositoryRef) { return this.tagLists.get(this.key(repo)); }
  peekManifest(repo: RepositoryRef, reference: string) { return this.manifests.get(TagCache.manifestKey(repo, reference)); }
  peekReferrers() { return undefined; }
  peekFiles() { return undefined; }
  isDown() { return false; }
  setTags(repository: string, tags: string[]) {
    const key = `r.example/${repository}`;
    this.tagLists.set(key, { value: tags, fetchedAt: 0, failures: 0 });
    for (const l of this.listeners) l(key);
  }
  setManifest(repository: string, tag: string, helm: boolean) {
    const key = TagCache.manifestKey({ registry: 'r.example', repository }, tag);
    this.manifests.set(key, {
      value: { digest: `sha256:${'a'.repeat(64)}`, mediaType: 'application/vnd.oci.image.manifest.v1+json', configMediaType: helm ? HELM_CONFIG : FLUX_MEDIA_TYPES.config, layers: [], annotations: {} },
      fetchedAt: 0,
      failures: 0,
    });
    for (const l of this.listeners) l(key);
  }
}

const PIECES = [
  '---', 'apiVersion: source.toolkit.fluxcd.io/v1', 'kind: OCIRepository', 'kind: Kustomization',
  'apiVersion: kustomize.toolkit.fluxcd.io/v1', 'metadata:', '  name: app', '  name: web', 'spec:',
  '  url: oci://r.example/app', '  url: oci://r.example/web', '  ref:', '    tag: v1', '    tag: v2', '    tag: v9',
  '  sourceRef:', '    kind: OCIRepository', '    name: app', '    name: web', '  path: ./', '',
];

const source = (name: string, tag: string) => ['apiVersion: source.toolkit.fluxcd.io/v1', 'kind: OCIRepository', 'metadata:', `  name: ${name}`, 'spec:', '  interval: 5m', `  url: oci://r.example/${name}`, '  ref:', `    tag: ${tag}`].join('\n');
const consumer = (name: string, ref: string) => ['apiVersion: kustomize.toolkit.fluxcd.io/v1', 'kind: Kustomization', 'metadata:', `  name: ${name}`, 'spec:', '  interval: 5m', '  path: ./', '  prune: true', '  sourceRef:', '    kind: OCIRepository', `    name: ${ref}`].join('\n');

/** Swaps one value for another of the same key (tag, name, URL), or adds or removes an empty line. */
function valueEdit(random: (n: number) => number, text: string): { range: Range; text: string } {
  const lines = text.split('\n');
  const swappable = lines.flatMap((l, i) => (/^ *(tag|name|url): /.test(l) ? [i] : []));
  if (swappable.length === 0 || random(5) === 0) {
    const line = random(lines.length);
    return lines[line] === '' && line < lines.length - 1
      ? { range: { start: { line, character: 0 }, end: { line: line + 1, character: 0 } }, text: '' }
      : { range: { start: { line, character: 0 }, end: { line, character: 0 } }, text: '\n' };
  }
  const line = swappable[random(swappable.length)];
  const key = lines[line].replace(/:.*/, ':');
  const choices = PIECES.filter((p) => p.startsWith(key) && p !== lines[line]);
  return { range: { start: { line, character: 0 }, end: { line, character: lines[line].length } }, text: choices[random(choices.length)] ?? lines[line] };
}

const show = (r: ReturnType<typeof liveFindings>) => ({
  findings: r.findings.map((f) => `${f.range.start.line}:${f.range.start.character}-${f.range.end.line}:${f.range.end.character} ${f.code} ${f.message}`),
  wants: r.wants.map(TagCache.wantKey),
  auth: r.auth.map((a) => `${a.registry} ${a.range.start.line}`),
});

test('an edited source changes the live findings of the unchanged Kustomization that uses it', () => {
  const cache = new MemoryCache();
  cache.setTags('app', ['v1', 'v2']);
  cache.setManifest('app', 'v1', false);
  cache.setManifest('app', 'v2', true);
  const index = new WorkspaceIndex();
  const uri = 'file:///w/flux.yaml';
  const text = `${source('app', 'v1')}\n---\n${consumer('deploy', 'app')}\n`;
  const file = index.setFile(uri, text);
  const memo = new LiveFindingsMemo(cache as unknown as TagCache);
  assert.deepEqual(liveFindings(file, index, cache as unknown as TagCache, memo).findings, []);
  // v1 → v2 (a Helm chart): only the OCIRepository's text changes.
  const line = text.split('\n').indexOf('    tag: v1');
  index.editFile(uri, [{ range: { start: { line, character: 10 }, end: { line, character: 11 } }, text: '2' }]);
  const after = liveFindings(file, index, cache as unknown as TagCache, memo);
  assert.deepEqual(after.findings.map((f) => f.code), ['live/not-flux-artifact']);
  assert.deepEqual(show(after), show(liveFindings(file, index, cache as unknown as TagCache)));
});

test('live findings from the memo equal a fresh computation after random edits and registry answers', () => {
  const random = randomSource(7);
  const uri = 'file:///w/flux.yaml';
  for (let round = 0; round < 4; round++) {
    const cache = new MemoryCache();
    const index = new WorkspaceIndex();
    const initial = [source('app', 'v1'), consumer('a', 'app'), source('web', 'v2'), consumer('b', 'web'), consumer('c', 'app')].join('\n---\n') + '\n';
    let doc = TextDocument.create(uri, 'yaml', 1, initial);
    const file = index.setFile(uri, initial);
    const memo = new LiveFindingsMemo(cache as unknown as TagCache);
    for (let step = 0; step < 80; step++) {
      // Mostly edits that keep the documents whole (a value swapped, a line added or removed),
      // sometimes any edit at all; registry answers in between.
      const roll = random(8);
      if (roll === 0) cache.setTags(random(2) ? 'app' : 'web', ['v1', 'v2', 'v3'].filter(() => random(2) === 0));
      else if (roll === 1) cache.setManifest(random(2) ? 'app' : 'web', `v${1 + random(3)}`, random(2) === 0);
      else {
        const change = roll === 2 ? randomChange(random, doc.getText(), '\n', PIECES) as { range: Range; text: string } : valueEdit(random, doc.getText());
        doc = TextDocument.update(doc, [change], doc.version + 1);
        index.editFile(uri, [change]);
      }
      const got = show(liveFindings(file, index, cache as unknown as TagCache, memo));
      const want = show(liveFindings(file, index, cache as unknown as TagCache));
      assert.deepEqual(got, want, `round ${round} step ${step}\n${doc.getText()}`);
    }
    memo.dispose();
  }
});
