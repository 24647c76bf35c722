#!/usr/bin/env bash
# `npm run demo`: the product end to end on this machine, from a fresh clone.
#  1. installs what is needed (scripts/setup.sh: Debian packages when root, npm deps, code-server)
#  2. builds and packages flux-oci.vsix
#  3. starts a local OCI registry on a free loopback port (data in a temporary folder)
#  4. pushes examples/artifact to it as a Flux artifact with the project's own CLI
#  5. installs the VSIX into a private code-server profile and opens a copy of examples/
# It prints the URL to open and keeps running; Ctrl-C stops everything it started.
#
#   FLUX_OCI_DEMO_PORT   port for code-server (default: a free one)
#   FLUX_OCI_CACHE       where code-server is installed (see scripts/install-code-server.sh)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"

say() { printf 'demo: %s\n' "$*" >&2; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/flux-oci-demo.XXXXXX")"
registry_pid=""
code_server_pid=""
cleanup() {
  # Ignore further INT/TERM while cleaning up: a second Ctrl-C (or a wrapper such as `timeout`
  # passing the signal on to the whole process group) would otherwise end the script half-way
  # and leave the registry running. The cleanup itself is bounded (a few seconds).
  trap - EXIT
  trap '' INT TERM
  # Each service runs in its own process group (setsid), so its children stop with it.
  for pid in "$code_server_pid" "$registry_pid"; do
    [ -n "$pid" ] || continue
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "$code_server_pid" "$registry_pid"; do
    [ -n "$pid" ] || continue
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.3; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  rm -rf "$tmp"
  say "stopped; removed $tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

wait_for_http() { # url, seconds (node rather than curl: curl is not on every fresh machine)
  node -e '
    const [url, seconds] = process.argv.slice(1);
    const deadline = Date.now() + Number(seconds) * 1000;
    (async () => {
      while (Date.now() < deadline) {
        try { if ((await fetch(url, { signal: AbortSignal.timeout(2000) })).ok) return; } catch {}
        await new Promise((r) => setTimeout(r, 200));
      }
      process.exit(1);
    })();' "$1" "$2"
}

# 1. dependencies
say "installing dependencies (scripts/setup.sh)"
bash scripts/setup.sh
eval "$(bash scripts/install-code-server.sh)" # sets NODE24 and CODE_SERVER_ENTRY (no-op when installed)

# 2. the extension package (also builds dist/cli.js)
say "packaging the extension"
node scripts/package-vsix.mjs >/dev/null
vsix="$repo/flux-oci.vsix"

# 3. a local registry
registry_port="$(free_port)"
registry_host="127.0.0.1:$registry_port"
mkdir -p "$tmp/registry/data"
cat >"$tmp/registry/config.yml" <<EOF
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $tmp/registry/data}, delete: {enabled: true}}
http: {addr: $registry_host}
EOF
registry_bin="$(command -v docker-registry || true)"
if [ -n "$registry_bin" ]; then
  setsid "$registry_bin" serve "$tmp/registry/config.yml" >"$tmp/registry/log" 2>&1 &
  registry_pid=$!
  if wait_for_http "http://$registry_host/v2/" 15; then
    say "registry at http://$registry_host (data in $tmp/registry/data)"
  else
    say "warning: the registry did not start; see $tmp/registry/log"
    registry_host=""
  fi
else
  say "warning: docker-registry is not installed (apt-get install docker-registry); skipping the registry"
  registry_host=""
fi

# 4. seed it with the example artifact
artifact_ref=""
if [ -n "$registry_host" ]; then
  artifact_ref="oci://$registry_host/demo/hello:v1"
  push_args=(push "$artifact_ref" --path examples/artifact)
  # Record where the artifact came from, the way `flux push artifact --source --revision` does.
  if commit="$(git rev-parse HEAD 2>/dev/null)"; then
    branch="$(git rev-parse --abbrev-ref HEAD 2>/dev/null || echo HEAD)"
    push_args+=(--revision "$branch@sha1:$commit")
    if remote="$(git remote get-url origin 2>/dev/null)"; then push_args+=(--source "$remote"); fi
  fi
  if node dist/cli.js "${push_args[@]}" >"$tmp/push.log" 2>&1; then
    say "pushed examples/artifact as $artifact_ref"
  else
    say "warning: could not push the example artifact (is \`flux-oci push\` implemented yet?):"
    sed 's/^/demo:   /' "$tmp/push.log" >&2
    artifact_ref=""
  fi
fi

# 5. code-server with the extension, on a copy of examples/
workspace="$tmp/workspace"
cp -r examples "$workspace"
if [ -n "$registry_host" ]; then
  cat >"$workspace/demo-registry.yaml" <<EOF
# The artifact \`npm run demo\` pushed to its local registry (plain HTTP on loopback).
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: demo-hello
  namespace: flux-system
spec:
  interval: 1m
  url: oci://$registry_host/demo/hello
  insecure: true
  ref:
    tag: v1
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: demo-hello
  namespace: flux-system
spec:
  interval: 10m
  prune: true
  path: ./
  sourceRef:
    kind: OCIRepository
    name: demo-hello
EOF
fi

user_data="$tmp/code-server/user-data"
extensions="$tmp/code-server/extensions"
mkdir -p "$user_data/User" "$extensions"
printf 'auth: none\ncert: false\n' >"$tmp/code-server/config.yaml"
# User settings: trust the workspace (otherwise extensions stay disabled), keep the window quiet,
# and tell the extension about the demo registry when it has a setting for that.
REGISTRY_HOST="$registry_host" node - "$user_data/User/settings.json" <<'EOF'
const fs = require('node:fs');
const pkg = require('./package.json');
const known = pkg.contributes?.configuration?.properties ?? {};
const settings = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'telemetry.telemetryLevel': 'off',
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
};
const host = process.env.REGISTRY_HOST;
if (host) {
  // Only settings the extension declares; their shapes are read from package.json.
  const registries = known['fluxOci.registries'];
  if (registries?.type === 'array') {
    settings['fluxOci.registries'] = registries.items?.type === 'string' ? [host] : [{ host, insecure: true }];
  }
  const insecure = known['fluxOci.insecureRegistries'];
  if (insecure?.type === 'array') settings['fluxOci.insecureRegistries'] = [host];
}
fs.writeFileSync(process.argv[2], JSON.stringify(settings, null, 2));
EOF

PATH="$(dirname "$NODE24"):$PATH" "$NODE24" "$CODE_SERVER_ENTRY" --config "$tmp/code-server/config.yaml" \
  --user-data-dir "$user_data" --extensions-dir "$extensions" --install-extension "$vsix" >/dev/null

port="${FLUX_OCI_DEMO_PORT:-$(free_port)}"
# FLUX_OCI_OPEN_WALKTHROUGH: the extension opens its Get Started walkthrough on this first start.
FLUX_OCI_OPEN_WALKTHROUGH=1 PATH="$(dirname "$NODE24"):$PATH" setsid "$NODE24" "$CODE_SERVER_ENTRY" --config "$tmp/code-server/config.yaml" \
  --auth none --bind-addr "127.0.0.1:$port" --user-data-dir "$user_data" --extensions-dir "$extensions" \
  --disable-telemetry --disable-update-check --disable-workspace-trust "$workspace" >"$tmp/code-server.log" 2>&1 &
code_server_pid=$!
if ! wait_for_http "http://127.0.0.1:$port/healthz" 60; then
  say "code-server did not start; its log:"
  cat "$tmp/code-server.log" >&2
  exit 1
fi

url="http://127.0.0.1:$port/?folder=$workspace"
cat <<EOF

  Flux OCI demo is running.

  Open:      $url
  Workspace: $workspace  (a copy of examples/; see examples/README.md)
  Registry:  ${registry_host:-not running}${artifact_ref:+  (pushed $artifact_ref)}
  Logs:      $tmp/code-server.log, $user_data/logs

  Start with what only Flux OCI does (the Get Started walkthrough opens on the first start):
    1. The Flux OCI view (activity bar): ${registry_host:-the registry} > demo/hello > v1, the demo
       artifact; expand it to read its files without pulling, or Compare with Local Folder.
    2. Live tags: in demo-registry.yaml put the cursor after "tag: " and press Ctrl+Space (the tags
       come from the registry; podinfo-oci.yaml does the same against ghcr.io when online).
    3. Right-click artifact/ in the Explorer > Push Folder as Artifact... (say v2): linted, scanned
       for secrets, pushed, and there in the view.
  Then: mistakes/*.yaml and the Problems panel (Ctrl+Shift+M); hover a field; F12 on sourceRef.name
       in podinfo-staging.yaml.${artifact_ref:+
  CLI:  node $repo/dist/cli.js tags oci://$registry_host/demo/hello}
  Press Ctrl-C to stop everything.

EOF
echo "$url" >"$tmp/url"
[ -z "${FLUX_OCI_DEMO_URL_FILE:-}" ] || echo "$url" >"$FLUX_OCI_DEMO_URL_FILE"
wait "$code_server_pid"
