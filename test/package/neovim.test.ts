// The Neovim recipe of docs/editors.md, run as written in Debian's headless Neovim (0.7,
// vim.lsp.start_client) beside a second YAML server (yaml-language-server): nvim opens a Flux file
// with an error, waits until flux-oci's diagnostics have arrived (polling their state), and
// prints them. The server is this checkout's built flux-oci-ls, found on PATH as the recipe says.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { REPO_ROOT, requireTool, runAsync } from './stage';
import { BROKEN_CODE, KUSTOMIZATION_FILE, writeFleet } from './fleet';

const cleanups: string[] = [];
after(() => { for (const dir of cleanups) rmSync(dir, { recursive: true, force: true }); });

/** The Lua block that follows `<!-- recipe: neovim-0.7 … -->` in docs/editors.md. */
function recipe(): string {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'editors.md'), 'utf8');
  const m = /<!-- recipe: neovim-0\.7[^>]*-->\s*```lua\n([\s\S]*?)```/.exec(doc);
  assert.ok(m, 'docs/editors.md has the neovim-0.7 recipe block');
  return m[1];
}

// Runs after the recipe: a second YAML server as a user has one, then the file, then a wait for
// the state "flux-oci's diagnostics are there" (vim.wait polls it), then the result as JSON.
const DRIVER = String.raw`
local out, yamlls, file = os.getenv('FLUX_OCI_TEST_OUT'), os.getenv('FLUX_OCI_TEST_YAMLLS'), os.getenv('FLUX_OCI_TEST_FILE')
local yaml_id = vim.lsp.start_client({ name = 'yamlls', cmd = { yamlls, '--stdio' }, root_dir = vim.fn.getcwd() })
vim.api.nvim_create_autocmd('FileType', { pattern = 'yaml', callback = function(args) vim.lsp.buf_attach_client(args.buf, yaml_id) end })
vim.cmd('edit ' .. vim.fn.fnameescape(file))
local buf = vim.api.nvim_get_current_buf()
local function flux() return vim.tbl_filter(function(d) return d.source == 'flux-oci' end, vim.diagnostic.get(buf)) end
local function names()
  local found = {}
  for _, c in pairs(vim.lsp.buf_get_clients(buf)) do table.insert(found, c.name) end
  table.sort(found)
  return found
end
-- The state waited for: both servers running on the buffer, flux-oci's diagnostics published
-- with the workspace indexed (before that, the OCIRepository of the other file is not known yet).
local function indexed()
  for _, d in ipairs(flux()) do
    local code = d.code or ((d.user_data or {}).lsp or {}).code
    if code == 'flux/ref-not-found' then return false end
  end
  return true
end
local arrived = vim.wait(60000, function() return #flux() > 0 and #names() == 2 and indexed() end, 50)
local clients = names()
local diagnostics = {}
for _, d in ipairs(flux()) do
  local lsp = (d.user_data or {}).lsp or {}
  table.insert(diagnostics, { line = d.lnum + 1, col = d.col + 1, severity = d.severity, message = d.message, code = d.code or lsp.code })
end
local f = io.open(out, 'w')
f:write(vim.fn.json_encode({ arrived = arrived, version = vim.version(), filetype = vim.bo[buf].filetype, clients = clients, diagnostics = diagnostics }))
f:close()
for _, d in ipairs(diagnostics) do print(string.format('%s:%d:%d %s %s', file, d.line, d.col, d.code, d.message)) end
vim.cmd('qa!')
`;

test('the Neovim 0.7 recipe starts flux-oci-ls beside yaml-language-server and shows its diagnostics', async () => {
  requireTool('nvim', 'install the Debian package neovim (scripts/setup.sh does)');
  const server = join(REPO_ROOT, 'dist', 'server.js');
  assert.ok(existsSync(server), 'dist/server.js is built (npm test builds it first)');
  const yamlls = join(REPO_ROOT, 'node_modules', '.bin', 'yaml-language-server');
  assert.ok(existsSync(yamlls), 'yaml-language-server is installed (a devDependency)');

  const dir = mkdtempSync(join(tmpdir(), 'flux-oci-nvim-'));
  cleanups.push(dir);
  const bin = join(dir, 'bin');
  const home = join(dir, 'home');
  for (const d of [bin, home]) mkdirSync(d);
  // flux-oci-ls on PATH, as `npm install -g flux-oci` would put it.
  writeFileSync(join(bin, 'flux-oci-ls'), `#!/bin/sh\nexec "${process.execPath}" "${server}" "$@"\n`);
  chmodSync(join(bin, 'flux-oci-ls'), 0o755);
  writeFileSync(join(dir, 'init.lua'), recipe());
  writeFileSync(join(dir, 'driver.lua'), DRIVER);
  const fleet = writeFleet({ broken: true });
  cleanups.push(fleet);
  mkdirSync(join(fleet, '.git'));

  const out = join(dir, 'result.json');
  const r = await runAsync('nvim', ['--headless', '-u', join(dir, 'init.lua'), '-i', 'NONE', '-n', '-c', `luafile ${join(dir, 'driver.lua')}`], {
    cwd: fleet,
    env: {
      ...process.env,
      PATH: [bin, process.env.PATH ?? ''].join(delimiter),
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      XDG_DATA_HOME: join(home, '.local', 'share'),
      XDG_STATE_HOME: join(home, '.local', 'state'),
      FLUX_OCI_TEST_OUT: out,
      FLUX_OCI_TEST_YAMLLS: yamlls,
      FLUX_OCI_TEST_FILE: join(fleet, KUSTOMIZATION_FILE),
    },
  });
  assert.ok(existsSync(out), `nvim wrote its result:\n${r.stdout}${r.stderr}`);
  const result = JSON.parse(readFileSync(out, 'utf8')) as { arrived: boolean; version: { major: number; minor: number }; filetype: string; clients: string[]; diagnostics: { line: number; col: number; message: string; code: string }[] };
  // What nvim printed, for the test log.
  process.stdout.write(`# nvim ${result.version.major}.${result.version.minor}: ${r.stderr.trim()}\n`);
  assert.equal(result.filetype, 'yaml');
  assert.deepEqual(result.clients, ['flux-oci', 'yamlls'], 'both servers attached to the buffer');
  assert.equal(result.arrived, true, 'flux-oci diagnostics arrived');
  assert.deepEqual(result.diagnostics.map((d) => [d.line, d.col, d.code]), [[7, 13, BROKEN_CODE]]);
  assert.match(result.diagnostics[0].message, /^interval "10 minutes" is not a duration/);
});
