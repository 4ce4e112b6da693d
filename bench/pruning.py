"""Which pruner by default: median, Hyperband and successive halving against no pruning on the
seed example's space (digits, the DSL's 10 epochs), the same sampler and seed for each, over
several seeds. Per seed and pruner: the share of epochs saved (compute; not timing-dependent),
wall time saved (noisy on a shared machine) and the best accuracy's difference from the
unpruned run's, in points. The default is the best saver that keeps the best accuracy within
1 point on every seed.

    PYTHONPATH=. python bench/pruning.py [--seeds 3] [--trials 30] [--epochs N] [--limit N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import optuna
from optuna.trial import TrialState

from neural_hpo import optimize_and_return

CONFIG = (Path(__file__).resolve().parents[1] / "examples" / "seed_mlp.neural").read_text()
PRUNERS = ("none", "median", "hyperband", "halving")


def run(url: str, pruner: str, seed: int, a: argparse.Namespace) -> tuple[float, float, int]:
    """Wall seconds, best accuracy and epochs trained of one study."""
    start = time.perf_counter()
    result = optimize_and_return(
        CONFIG,
        a.trials,
        sampler="tpe",
        seed=seed,
        pruner=None if pruner == "none" else pruner,
        storage=url,
        study_name=f"{pruner}-{seed}",
        epochs=a.epochs,
        limit=a.limit,
    )
    wall = time.perf_counter() - start
    epochs = 0
    for t in result.study.get_trials(deepcopy=False):
        if t.state in (TrialState.COMPLETE, TrialState.PRUNED):
            epochs += len(t.intermediate_values)
    return wall, result.best_value, epochs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--trials", type=int, default=30)
    ap.add_argument("--epochs", type=int, default=None, help="default: the DSL's (10)")
    ap.add_argument("--limit", type=int, default=None, help="train on a subset of digits")
    a = ap.parse_args(argv)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    rows: dict[str, list[tuple[float, float, float]]] = {p: [] for p in PRUNERS[1:]}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        for seed in range(a.seeds):
            base_wall, base_best, base_epochs = run(url, "none", seed, a)
            print(f"seed {seed}: no pruning {base_wall:.0f} s, best {base_best:.4f}", flush=True)
            for p in PRUNERS[1:]:
                wall, best, epochs = run(url, p, seed, a)
                row = (
                    100 * (1 - epochs / base_epochs),
                    100 * (1 - wall / base_wall),
                    100 * (best - base_best),
                )
                rows[p].append(row)
                print(
                    f"  {p:<9} epochs saved {row[0]:5.1f}%  wall saved {row[1]:5.1f}%  "
                    f"best {best:.4f} ({row[2]:+.2f} points)",
                    flush=True,
                )
    print(f"\nover {a.seeds} seeds (min / median / max):")
    keep = []
    for p, r in rows.items():
        arr = np.array(r)
        spread = "  ".join(
            f"{name} {arr[:, j].min():.1f} / {np.median(arr[:, j]):.1f} / {arr[:, j].max():.1f}"
            for j, name in enumerate(("epochs saved %", "wall saved %", "best diff points"))
        )
        print(f"  {p:<9} {spread}")
        if arr[:, 2].min() >= -1.0:
            keep.append((np.median(arr[:, 0]), p))
    best = max(keep)[1] if keep else "none"
    print(f"default by the rule (most epochs saved, best within 1 point on every seed): {best}")
    print("targets: >= 40% saved, best within 1 point, on all seeds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
