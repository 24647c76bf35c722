// Short form of the soak (the full form is `npm run soak`): 50 open documents, 500 random edits
// with completions, hovers and code actions; every request answered, and the diagnostics at the
// end equal a fresh server's for the same texts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSoak } from './soak';
import { budget } from '../timing';

test('soak (short): 500 edits across 50 documents, every request answered, final diagnostics as a fresh server', { timeout: budget(600_000) }, async () => {
  const r = await runSoak({ documents: 50, edits: 500, warmupEdits: 100, requestEvery: 10, seed: Number(process.env.FLUX_OCI_SOAK_SEED ?? 7) });
  console.log(`  soak: ${r.editsSent} edits, ${r.requestsAnswered}/${r.requestsSent} requests answered, rss ${Math.round(r.rssWarmKiB / 1024)} → ${Math.round(r.rssEndKiB / 1024)} MiB, ${r.diagnosticsAtEnd} final diagnostics, ${r.durationMs} ms`);
  assert.deepEqual(r.requestErrors, []);
  assert.equal(r.requestsAnswered, r.requestsSent);
  assert.ok(r.requestsSent >= 150);
  assert.deepEqual(r.mismatches, []);
});
