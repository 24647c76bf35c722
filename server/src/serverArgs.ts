// The language server's own command line: `--version` and `--help` answer and exit; without a
// transport flag the server would fail deep inside vscode-languageserver, so that is a usage error.
export const SERVER_USAGE = `usage: flux-oci-ls --stdio | --node-ipc | --socket=<port> | --pipe=<name>

The Flux OCI language server: diagnostics, completion, hover, navigation and quick fixes for
Flux YAML, plus registry requests (fluxOci/*). Editors start it with --stdio; see docs/editors.md.

options:
  --stdio             talk LSP over standard input and output
  --node-ipc          talk LSP over Node IPC (the VS Code extension uses this)
  --socket=<port>     talk LSP over a TCP socket
  --pipe=<name>       talk LSP over a named pipe
  --version           print the version
  -h, --help          show this text
`;

export type ServerArgsOutcome =
  | { kind: 'serve' }
  | { kind: 'exit'; code: number; stdout?: string; stderr?: string };

const TRANSPORT = /^--(stdio|node-ipc|socket(=.+)?|pipe(=.+)?)$/;

export function serverArgs(args: readonly string[], version: string): ServerArgsOutcome {
  if (args.includes('--version')) return { kind: 'exit', code: 0, stdout: `${version}\n` };
  if (args.includes('--help') || args.includes('-h')) return { kind: 'exit', code: 0, stdout: SERVER_USAGE };
  if (!args.some((a) => TRANSPORT.test(a))) {
    return { kind: 'exit', code: 2, stderr: `flux-oci-ls: no transport given (an editor starts it with --stdio)\n${SERVER_USAGE}` };
  }
  return { kind: 'serve' };
}
