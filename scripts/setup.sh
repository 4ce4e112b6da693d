#!/usr/bin/env bash
# Installs everything the project needs on a fresh machine (idempotent, quick when done before).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
# torch first, pinned, so the resolver keeps the local CPU wheel.
"$PY" -m pip install --quiet "torch==2.13.0"
"$PY" -m pip install --quiet -e ".[dev,ray,lsp]"
