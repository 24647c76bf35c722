#!/usr/bin/env bash
# Installs everything the product and its tests need on a fresh Debian 12 machine:
# Debian packages (when root), npm dependencies, and code-server in a cache folder.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(docker-registry skopeo apache2-utils openssl chromium libkrb5-dev git pre-commit neovim unzip)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: please install these Debian packages: ${missing[*]}" >&2
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

if [ "${FLUX_OCI_SKIP_CODE_SERVER:-}" != 1 ]; then
  bash scripts/install-code-server.sh
fi

# Rendering (flux-oci build kustomization, Show What Flux Applies) runs the real kustomize engine:
# kustomize or kubectl from PATH. Debian's package sources do not offer kubectl; the machines this
# project runs on come with it. Its tests need it, so say so here rather than fail later.
if ! command -v kustomize >/dev/null 2>&1 && ! command -v kubectl >/dev/null 2>&1; then
  echo "setup: neither kubectl nor kustomize is on PATH; the render tests need one (install kubectl: https://kubernetes.io/docs/tasks/tools/)" >&2
  exit 1
fi
