#!/usr/bin/env bash
# The main job: set up, then check and optimize the bundled example on the bundled digits data.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
neural-hpo check examples/*.neural
