"""A real run under a fixed wall budget: the seed example (examples/seed_mlp.neural) on digits.

Three ways to spend ``--budget`` seconds of wall clock on this machine, per seed:

- neural-hpo: ``optimize_and_return`` with its defaults (auto sampler), pruning on (the default
  pruner) and 2 workers;
- a plain Optuna loop: one process, ``optuna.create_study()``'s default sampler, the same pruner,
  the engine's ``objective`` (the same training code, so only the search differs);
- Ray Tune: ASHA with OptunaSearch, 2 concurrent trials (``use_ray=True``).

Each study's best validation accuracy is followed against wall time from the call's start
(start-up included). Printed per seed: each one's final best and the time it needed to reach the
plain loop's final best; then the medians over seeds and the ratio to the plain loop's budget.
Timing on a shared machine is noisy.

    PYTHONPATH=. python bench/realrun.py [--budget 120] [--seeds 3] [--no-ray]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import optuna
from optuna.trial import TrialState

from neural_hpo import RayOptions, objective, optimize_and_return
from neural_hpo.engine.api import NoCompletedTrialError

CONFIG = (Path(__file__).resolve().parents[1] / "examples" / "seed_mlp.neural").read_text()


def curve(study: optuna.Study, start: float) -> list[tuple[float, float]]:
    """(seconds from ``start``, best accuracy so far) at each completed trial; the
    plain loop's last point is its wall time (a trial started before the budget ends runs on)."""
    done = [t for t in study.get_trials(deepcopy=False) if t.state == TrialState.COMPLETE]
    done.sort(key=lambda t: t.datetime_complete)
    out, best = [], float("-inf")
    for t in done:
        best = max(best, t.value)
        out.append((t.datetime_complete.timestamp() - start, best))
    return out


def neural_hpo(url: str, seed: int, budget: float, ray: bool = False) -> list[tuple[float, float]]:
    start = time.time()
    kwargs = (
        {"use_ray": True, "ray_options": RayOptions(scheduler="asha", max_concurrent_trials=2)}
        if ray
        else {"n_jobs": 2}
    )
    try:
        result = optimize_and_return(
            CONFIG,
            10_000,
            seed=seed,
            timeout=budget,
            enable_pruning=True,
            storage=url,
            study_name=f"{'ray' if ray else 'neural-hpo'}-{seed}",
            **kwargs,
        )
    except NoCompletedTrialError as exc:  # Ray stops running trials at its timeout
        return curve(exc.study, start)
    return curve(result.study, start)


def plain_loop(url: str, seed: int, budget: float) -> list[tuple[float, float]]:
    from neural_hpo.engine.samplers import DEFAULT_PRUNER, SearchPlan

    start = time.time()
    study = optuna.create_study(
        storage=url,
        study_name=f"plain-{seed}",
        direction="maximize",
        sampler=optuna.samplers.TPESampler(seed=seed),
        pruner=SearchPlan(pruner=DEFAULT_PRUNER).make_pruner(),
    )
    study.optimize(lambda t: objective(t, CONFIG, seed=seed), timeout=budget, catch=(Exception,))
    return curve(study, start)


def time_to(points: list[tuple[float, float]], target: float) -> float:
    """Seconds until the best reached ``target`` (inf when it never did)."""
    return next((s for s, best in points if best >= target), float("inf"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--budget", type=float, default=120.0, help="wall seconds per study")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--no-ray", action="store_true")
    a = ap.parse_args(argv)
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    names = ["neural-hpo", "plain optuna"] + ([] if a.no_ray else ["ray tune"])
    reach: dict[str, list[float]] = {n: [] for n in names}
    walls: list[float] = []  # the plain loop's wall time to its last trial, per seed
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        for seed in range(a.seeds):
            curves = {
                "plain optuna": plain_loop(url, seed, a.budget),
                "neural-hpo": neural_hpo(url, seed, a.budget),
            }
            if not a.no_ray:
                curves["ray tune"] = neural_hpo(url, seed, a.budget, ray=True)
            target = curves["plain optuna"][-1][1]
            walls.append(curves["plain optuna"][-1][0])
            print(f"seed {seed}: plain loop's final best {target:.4f} after {walls[-1]:.0f} s")
            for n in names:
                reach[n].append(time_to(curves[n], target))
                final = curves[n][-1][1] if curves[n] else float("nan")
                print(
                    f"  {n:<13} {len(curves[n]):3d} trials, final best {final:.4f}, "
                    f"reached {target:.4f} after {reach[n][-1]:.0f} s",
                    flush=True,
                )
    print(f"\nmedian over {a.seeds} seeds, time to reach the plain loop's final best:")
    for n in names:
        ratios = [t / w for t, w in zip(reach[n], walls)]
        print(
            f"  {n:<13} {statistics.median(reach[n]):6.0f} s, "
            f"{statistics.median(ratios):.2f}x the plain loop's wall time"
        )
    print("target: neural-hpo <= 0.6x the plain loop's wall time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
