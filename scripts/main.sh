#!/usr/bin/env bash
# The main job: set up, then check and optimize the bundled example on the bundled digits data.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
neural-hpo check examples/*.neural
# A real study of the seed README's network on scikit-learn's bundled digits; prints the best
# parameters. Rerunning resumes the same study (.neural-hpo/studies.db).
neural-hpo run examples/seed_mlp.neural --dataset digits --trials 10 --pruning --seed 0
neural-hpo studies
