// `npm run soak`: the full soak of the language server (test/lsp/soak.ts) — 10,000 random edits
// across 50 open documents with completions, hovers and code actions — and its figures.
// Options through the environment: FLUX_OCI_SOAK_EDITS, FLUX_OCI_SOAK_DOCUMENTS, FLUX_OCI_SOAK_SEED.
// Exit status 1 when a request went unanswered, the final diagnostics differ from a fresh
// server's, or resident memory after the run is more than 20% above the memory after warm-up.
import { existsSync } from 'node:fs';
import { runSoak, SERVER_MEMORY_TOLERANCE } from '../test/lsp/soak';
import { SERVER_JS } from '../test/lsp/lspClient';

async function main(): Promise<void> {
  if (!existsSync(SERVER_JS)) throw new Error(`${SERVER_JS} is missing; run npm run build first`);
  const env = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
  const options = {
    documents: env('FLUX_OCI_SOAK_DOCUMENTS', 50),
    edits: env('FLUX_OCI_SOAK_EDITS', 10_000),
    warmupEdits: env('FLUX_OCI_SOAK_WARMUP', 2_000),
    requestEvery: 10,
    seed: env('FLUX_OCI_SOAK_SEED', 13),
    log: (line: string) => console.log(`  ${line}`),
  };
  console.log(`soak: ${options.documents} documents, ${options.warmupEdits} warm-up edits, then ${options.edits} edits (seed ${options.seed})`);
  const r = await runSoak(options);
  const growth = (r.rssEndKiB - r.rssWarmKiB) / r.rssWarmKiB;
  console.log([
    `edits sent            ${r.editsSent}`,
    `requests answered     ${r.requestsAnswered} of ${r.requestsSent}${r.requestErrors.length ? ` (errors: ${r.requestErrors.slice(0, 3).join('; ')})` : ''}`,
    `server RSS warm-up    ${(r.rssWarmKiB / 1024).toFixed(1)} MiB`,
    `server RSS at end     ${(r.rssEndKiB / 1024).toFixed(1)} MiB (${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)}%)`,
    `server RSS peak       ${(r.peakRssKiB / 1024).toFixed(1)} MiB`,
    `final diagnostics     ${r.diagnosticsAtEnd}, ${r.mismatches.length} documents differing from a fresh server`,
    `duration              ${(r.durationMs / 1000).toFixed(1)} s`,
  ].join('\n'));
  for (const m of r.mismatches.slice(0, 5)) console.log(m);
  const ok = r.requestsAnswered === r.requestsSent && r.mismatches.length === 0 && growth <= SERVER_MEMORY_TOLERANCE;
  console.log(ok ? 'soak: PASS' : 'soak: FAIL');
  process.exit(ok ? 0 : 1);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(2);
});
