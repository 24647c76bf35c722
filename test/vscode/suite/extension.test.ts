/// <reference types="mocha" />
// Runs inside a real extension host (code-server or VS Code) with the real `vscode` API, against
// the installed Flux OCI extension. The workspace is an empty folder, so nothing activates the
// extension until this suite opens a YAML document.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { budget, eventually as eventuallyFor } from '../../timing';

const EXTENSION_ID = 'flux-oci.flux-oci';
const BROKEN_OCI_REPOSITORY = [
  'apiVersion: source.toolkit.fluxcd.io/v1',
  'kind: OCIRepository',
  'metadata:',
  '  name: broken',
  'spec:',
  '  interval: 5m',
  '',
].join('\n');

/** Polls until `check` returns a value that is not undefined, or fails after the (scaled) budget. */
function eventually<T>(what: string, check: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  return eventuallyFor(what, check, { timeoutMs });
}

const ours = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'flux-oci');
const describeDiagnostics = (uri: vscode.Uri) =>
  vscode.languages.getDiagnostics(uri).map((d) => `${d.source}: ${d.message}`).join('; ') || 'none';

describe('Flux OCI extension in the extension host', function () {
  this.timeout(budget(180_000));
  let document: vscode.TextDocument;

  before(function () {
    assert.ok(vscode.workspace.workspaceFolders?.length, 'the suite needs a workspace folder');
  });

  after(async function () {
    await vscode.workspace.getConfiguration('fluxOci').update('validate.enable', undefined, vscode.ConfigurationTarget.Global);
  });

  it('is installed and not yet active in a workspace without YAML', function () {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is not installed`);
    assert.equal(extension.isActive, false, 'the extension activated before any YAML document was opened');
  });

  it('activates when a YAML document is opened', async function () {
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const uri = vscode.Uri.joinPath(folder, 'broken-ocirepository.yaml');
    await vscode.workspace.fs.writeFile(uri, Buffer.from(BROKEN_OCI_REPOSITORY));
    document = await vscode.workspace.openTextDocument(uri);
    assert.equal(document.languageId, 'yaml');
    await vscode.window.showTextDocument(document);
    const extension = vscode.extensions.getExtension(EXTENSION_ID)!;
    await eventually('the extension to activate', () => (extension.isActive ? true : undefined));
  });

  it('registers the fluxOci.restartServer command', async function () {
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('fluxOci.restartServer'), 'fluxOci.restartServer is not registered');
  });

  it('starts the language client: diagnostics arrive for a broken Flux document', async function () {
    const found = await eventually(`our diagnostics (have: ${describeDiagnostics(document.uri)})`, () => {
      const diagnostics = ours(document.uri);
      return diagnostics.length > 0 ? diagnostics : undefined;
    });
    assert.ok(found.some((d) => d.message.includes('missing required field "url"')),
      `expected a missing url diagnostic, got: ${describeDiagnostics(document.uri)}`);
    const missingUrl = found.find((d) => d.message.includes('missing required field "url"'))!;
    assert.equal(missingUrl.severity, vscode.DiagnosticSeverity.Error);
  });

  it('passes fluxOci.validate.enable = false to the server, which clears its diagnostics', async function () {
    await vscode.workspace.getConfiguration('fluxOci').update('validate.enable', false, vscode.ConfigurationTarget.Global);
    await eventually(`our diagnostics to clear (have: ${describeDiagnostics(document.uri)})`,
      () => (ours(document.uri).length === 0 ? true : undefined));
    await vscode.workspace.getConfiguration('fluxOci').update('validate.enable', undefined, vscode.ConfigurationTarget.Global);
    await eventually('our diagnostics to come back once validation is on again',
      () => (ours(document.uri).length > 0 ? true : undefined));
  });

  it('restarts the server with fluxOci.restartServer and keeps serving the document', async function () {
    await vscode.commands.executeCommand('fluxOci.restartServer');
    await eventually(`diagnostics after the restart (have: ${describeDiagnostics(document.uri)})`,
      () => (ours(document.uri).some((d) => d.message.includes('missing required field "url"')) ? true : undefined));
    // An edit after the restart is answered by the new server: the missing url is reported no more.
    const edit = new vscode.WorkspaceEdit();
    edit.insert(document.uri, new vscode.Position(document.lineCount - 1, 0), '  url: oci://ghcr.io/example/app\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    await eventually(`the missing url diagnostic to go (have: ${describeDiagnostics(document.uri)})`,
      () => (ours(document.uri).some((d) => d.message.includes('missing required field "url"')) ? undefined : true));
    await document.save();
  });
});
