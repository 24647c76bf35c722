// The test-runner extension: on startup it runs the suite when asked to through the environment.
//   FLUX_OCI_RUNNER_RESULT  where to write mocha's JSON report (required; without it: do nothing)
//   FLUX_OCI_RUNNER_MODE    "test" (default) or "bench" (measure the extension's activation)
//   FLUX_OCI_RUNNER_GREP    optional mocha grep
import * as fs from 'node:fs';
import { runMocha } from './runMocha';
import { measureActivation } from './bench';

export async function activate(): Promise<void> {
  const resultFile = process.env.FLUX_OCI_RUNNER_RESULT;
  if (!resultFile) return;
  // Run after activate() returns so the extension host is not held up by the suite.
  setTimeout(() => void run(resultFile), 0);
}

async function run(resultFile: string): Promise<void> {
  try {
    if (process.env.FLUX_OCI_RUNNER_MODE === 'bench') {
      const result = await measureActivation();
      fs.writeFileSync(resultFile, JSON.stringify(result, null, 2));
      return;
    }
    await runMocha({ resultFile, grep: process.env.FLUX_OCI_RUNNER_GREP || undefined });
  } catch (error) {
    // Leave a report the outer test can show instead of a silent time-out.
    const message = error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error);
    fs.writeFileSync(resultFile, JSON.stringify({ runnerError: message }));
  }
}

export function deactivate(): void {
  // Nothing to clean up: the suite disposes what it creates.
}
