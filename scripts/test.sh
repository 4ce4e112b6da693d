#!/usr/bin/env bash
# The test command: set up, lint, run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
PY=${PYTHON:-python3}
"$PY" -m ruff check .
"$PY" -m ruff format --check .
# the examples are in canonical format (legacy_*.neural shows the legacy dialect on purpose)
"$PY" -m neural_hpo.cli fmt --check $(ls examples/*.neural | grep -v '/legacy_')
"$PY" -m pytest -q "$@"
