// Measures how long the Flux OCI extension takes to activate in this extension host: loading its
// bundle plus its activate() (which starts the language client). The workspace must not have
// activated it already, so the bench opens an empty folder.
import * as vscode from 'vscode';
import { performance } from 'node:perf_hooks';

export interface ActivationMeasurement {
  extensionId: string;
  alreadyActive: boolean;
  activationMs: number;
  /** Time from the start of activation until the first diagnostics of a broken document arrive. */
  firstDiagnosticsMs: number | null;
}

const EXTENSION_ID = 'flux-oci.flux-oci';

export async function measureActivation(): Promise<ActivationMeasurement> {
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  if (!extension) throw new Error(`${EXTENSION_ID} is not installed`);
  // Let the workbench finish its own start-up work first, so the number is about our extension
  // rather than whatever else the extension host is busy with at startup.
  await new Promise((r) => setTimeout(r, 1500));
  const alreadyActive = extension.isActive;
  const start = performance.now();
  await extension.activate();
  const activationMs = performance.now() - start;

  let firstDiagnosticsMs: number | null = null;
  const doc = await vscode.workspace.openTextDocument({
    language: 'yaml',
    content: 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: bench\nspec:\n  interval: 5m\n',
  });
  const ours = () => vscode.languages.getDiagnostics(doc.uri).some((d) => d.source === 'flux-oci');
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (ours()) { firstDiagnosticsMs = performance.now() - start; break; }
    await new Promise((r) => setTimeout(r, 5));
  }
  return { extensionId: EXTENSION_ID, alreadyActive, activationMs, firstDiagnosticsMs };
}
