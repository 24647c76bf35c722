// `npm run demo` starts code-server with FLUX_OCI_OPEN_WALKTHROUGH=1, so the Get Started
// walkthrough (registry view, live tags, push) opens on the demo's first start, once per profile.
// Nothing else opens it unasked: a user finds it under Help > Get Started.
import * as vscode from 'vscode';

const OPENED = 'fluxOci.walkthroughOpened';
export const WALKTHROUGH_ID = 'fluxOci.gettingStarted';

export function openWalkthroughOnDemoStart(context: vscode.ExtensionContext): void {
  if (process.env.FLUX_OCI_OPEN_WALKTHROUGH !== '1' || context.globalState.get<boolean>(OPENED)) return;
  void context.globalState.update(OPENED, true);
  void vscode.commands.executeCommand('workbench.action.openWalkthrough', `${context.extension.id}#${WALKTHROUGH_ID}`, false);
}
