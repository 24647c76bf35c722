import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { copyToTemp, createProfile, extensionVsix, findCodeServer, installExtensions, launchChromium, openWorkbench, repoRoot, startCodeServer } from '../../scripts/vscode-rig';
import { goToPosition, openFile } from './workbench';
async function main() {
const install = findCodeServer()!;
const ws = copyToTemp(join(repoRoot, 'examples'));
writeFileSync(join(ws, 'scratch-completion.yaml'), 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: scratch\nspec:\n  interval: 5m\n  \n');
const profile = createProfile({ 'chat.disableAIFeatures': true, 'workbench.secondarySideBar.defaultVisibility': 'hidden' });
installExtensions(install, profile, [extensionVsix]);
const server = await startCodeServer(install, profile);
const browser = await launchChromium();
const page = await openWorkbench(browser, server, ws);
const shot = (n: string) => page.screenshot({ path: `/tmp/dbg/${n}.png` });
try {
  await openFile(page, 'mistakes/gitrepository-oci-url.yaml');
  await goToPosition(page, 11, 8);
  await page.keyboard.press('Control+.');
  await page.waitForTimeout(1500);
  await shot('1-ctrl-dot');
  console.log(await page.locator('.action-widget').count(), await page.locator('.context-view').innerHTML().catch(() => 'none'));
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  await page.waitForTimeout(500);
  await shot('2-f1');
  await page.locator('.quick-input-widget input').fill('scratch-completion.yaml');
  await page.waitForTimeout(1500);
  await shot('3-typed');
  await page.keyboard.press('Enter');
  await page.waitForTimeout(500);
  await goToPosition(page, 7, 3);
  await page.keyboard.press('Control+Space');
  await page.waitForTimeout(1500);
  await shot('4-suggest');
} finally {
  await browser.close(); await server.stop();
}
}
void main();
