// Types for bench/generate.mjs (tests import it).
export function generateFluxFile(count: number): string;
