#!/usr/bin/env bash
# Installs everything the project needs on a fresh machine (idempotent, quick when done before).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

# Debian packages the tests drive for real, installed once: the browser, Neovim, what
# code-server (the VS Code host of the editor tests, from npm) builds and runs with, tmux (the
# terminal of the Ctrl-C test), the PostgreSQL server the shared-storage tests start privately
# and iproute2 (ss: the test that a local Ray listens on loopback only).
APT_PACKAGES=(chromium neovim ripgrep libkrb5-dev build-essential tmux postgresql iproute2)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# torch first, pinned, so the resolver keeps the local CPU wheel.
"$PY" -m pip install --quiet "torch==2.13.0"
"$PY" -m pip install --quiet -e ".[dev,ray,lsp]"
# An editable install leaves the project's modules uncompiled, and with PYTHONDONTWRITEBYTECODE
# set every process would compile them again: the language server would start ~30 ms slower.
"$PY" -m compileall -q neural_hpo server >/dev/null
