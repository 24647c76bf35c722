// Entry point for @vscode/test-electron (extensionTestsPath): run the suite, reject on failures.
import { runMocha } from './runMocha';

export async function run(): Promise<void> {
  const failures = await runMocha({ grep: process.env.FLUX_OCI_RUNNER_GREP || undefined });
  if (failures > 0) throw new Error(`${failures} extension-host test(s) failed`);
}
