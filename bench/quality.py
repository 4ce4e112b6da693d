"""Search quality: exact normalized regret of the neural-hpo default against Optuna 5's default,
Optuna's GPSampler, random search and Ray Tune with OptunaSearch, on 12 tabular problems.

Every contender but Ray runs through ``optimize_and_return(config=<bench/spaces/*.neural>,
objective_fn=<table lookup>)`` with an in-memory storage, so DSL -> space -> sampler is what is
measured; "optuna default" is ``sampler="tpe"``, i.e. ``TPESampler(seed=seed)``, the sampler
``optuna.create_study()`` makes. Ray Tune searches the DSL's space (``distributions(space)``) with
``OptunaSearch`` (its default sampler), one trial at a time. One run of the largest budget gives
every smaller budget (the best value after k trials). Regret 0 is the table's optimum, 1 its
median configuration (see tabular.py). Ranks: per problem, the contenders ordered by mean
regret over seeds (ties share the average rank); the mean over problems is printed.

    PYTHONPATH=. python bench/quality.py --jobs 2            # the full run (hours; GP is slow)
    PYTHONPATH=. python bench/quality.py --quick --jobs 2    # 3 seeds, budgets 25/50

Results are cached per run in --cache (a JSON file), so a rerun only computes what is missing.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tabular import Problem, problems, space_file

CONTENDERS = ("neural-hpo auto", "optuna default", "optuna gp", "random", "ray+optunasearch")
SAMPLERS = {"neural-hpo auto": None, "optuna default": "tpe", "optuna gp": "gp", "random": "random"}
BUDGETS = (25, 50, 100, 200)


def run_engine(contender: str, problem: Problem, seed: int, n_trials: int) -> list[float]:
    """The objective value of each trial, in trial order, of one optimize_and_return run."""
    import optuna
    import torch

    from neural_hpo import optimize_and_return

    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    result = optimize_and_return(
        config=space_file(problem.family),
        n_trials=n_trials,
        sampler=SAMPLERS[contender],
        seed=seed,
        metric=problem.metric,
        storage=":memory:",
        objective_fn=problem,
    )
    trials = sorted(result.study.get_trials(deepcopy=False), key=lambda t: t.number)
    return [t.value for t in trials]


def run_ray(problem: Problem, seeds: list[int], n_trials: int) -> dict[int, list[float]]:
    """Ray Tune with OptunaSearch over the DSL's space, one trial at a time, per seed."""
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    from ray import tune
    from ray.tune.search.optuna import OptunaSearch
    from tabular import log_scales

    from neural_hpo.engine.config import load_network
    from neural_hpo.engine.objective import loaded_network
    from neural_hpo.engine.optuna_space import distributions

    source = space_file(problem.family).read_text()
    space = loaded_network(source, None).space
    logs = log_scales(source)
    mode = "min" if problem.minimize else "max"
    load_network(source)  # a bad file fails here, not inside Ray

    def trainable(config: dict, means: dict) -> dict:
        return {"value": means[problem.config_id(config, logs)]}

    # the table goes to Ray's object store once, not loaded again by every trial's process
    trainable_with_table = tune.with_parameters(trainable, means=problem.means())

    out = {}
    for seed in seeds:
        search = OptunaSearch(space=distributions(space), metric="value", mode=mode, seed=seed)
        tuner = tune.Tuner(
            trainable_with_table,
            tune_config=tune.TuneConfig(
                search_alg=search, num_samples=n_trials, max_concurrent_trials=1
            ),
            run_config=tune.RunConfig(verbose=0, storage_path=os.path.abspath(".neural-hpo/ray")),
        )
        frame = tuner.fit().get_dataframe()
        order = np.argsort(frame["trial_id"].map(str).values, kind="stable")
        out[seed] = [float(v) for v in frame["value"].values[order]]
    return out


def run_ray_all(cache: dict, seeds: list[int], n_trials: int, path: Path) -> None:
    """The Ray contender on every problem, in one local Ray (127.0.0.1; never another's)."""
    from neural_hpo.distributed.runtime import connected

    with connected(num_cpus=1):
        for i, p in enumerate(problems()):
            missing = [s for s in seeds if key(CONTENDERS[-1], i, s) not in cache]
            if not missing:
                continue
            start = time.perf_counter()
            for s, values in run_ray(p, missing, n_trials).items():
                wall = (time.perf_counter() - start) / len(missing)
                cache[key(CONTENDERS[-1], i, s)] = {"values": values, "wall_s": wall}
            path.write_text(json.dumps(cache))
            print(f"  ray: {p.name} done", flush=True)


def _job(args: tuple[str, int, int, int]) -> tuple[str, int, int, list[float], float]:
    contender, index, seed, n_trials = args
    start = time.perf_counter()
    values = run_engine(contender, problems()[index], seed, n_trials)
    return contender, index, seed, values, time.perf_counter() - start


def key(contender: str, index: int, seed: int) -> str:
    return f"{contender}|{problems()[index].name}|{seed}"


def compute(cache: dict, plan: list[tuple[str, int, int, int]], jobs: int, path: Path) -> None:
    """Run the missing jobs of ``plan`` over ``jobs`` processes, saving after each."""
    todo = [job for job in plan if len(cache.get(key(*job[:3]), {}).get("values", [])) < job[3]]
    print(f"{len(plan) - len(todo)} runs cached, {len(todo)} to run", flush=True)
    if not todo:
        return
    with mp.get_context("fork").Pool(jobs, maxtasksperchild=20) as pool:
        for contender, index, seed, values, wall in pool.imap_unordered(_job, todo):
            cache[key(contender, index, seed)] = {"values": values, "wall_s": wall}
            path.write_text(json.dumps(cache))
            print(f"  {key(contender, index, seed)}: {wall:.1f} s", flush=True)


def best_so_far(values: list[float], minimize: bool) -> np.ndarray:
    arr = np.array(values, dtype=float)
    return np.minimum.accumulate(arr) if minimize else np.maximum.accumulate(arr)


def runs_of(cache: dict, contender: str, index: int, seed: int) -> list[float]:
    return cache.get(key(contender, index, seed), {}).get("values", [])


def complete_seeds(cache: dict, contenders: list[str], seeds: list[int], budget: int) -> list[int]:
    """The seeds for which every contender reached ``budget`` on every problem."""
    n = len(problems())
    return [
        s
        for s in seeds
        if all(len(runs_of(cache, c, i, s)) >= budget for c in contenders for i in range(n))
    ]


def regrets(cache: dict, contender: str, seeds: list[int], budget: int) -> np.ndarray:
    """Per problem, the mean regret over ``seeds`` after ``budget`` trials."""
    out = []
    for i, p in enumerate(problems()):
        runs = [runs_of(cache, contender, i, s) for s in seeds]
        out.append(np.mean([p.regret(best_so_far(r, p.minimize)[budget - 1]) for r in runs]))
    return np.array(out)


def summary(cache: dict, seeds: list[int], budgets: list[int], ray_seeds: list[int]) -> None:
    from scipy.stats import rankdata

    for budget in budgets:
        engine = [c for c in SAMPLERS if complete_seeds(cache, [c], seeds, budget)]
        done = complete_seeds(cache, engine, seeds, budget)
        ray = complete_seeds(cache, [CONTENDERS[-1]], ray_seeds, budget)
        if not done:
            continue
        table = {c: regrets(cache, c, done, budget) for c in engine}
        if ray:
            table[CONTENDERS[-1]] = regrets(cache, CONTENDERS[-1], ray, budget)
        names = list(table)
        ranks = np.array([rankdata([table[c][i] for c in names]) for i in range(len(problems()))])
        print(f"\n{budget} trials (seeds {done}; Ray: {ray or 'not run'}):")
        print(f"  {'contender':<20} {'mean rank':>9} {'mean regret':>12} {'s/run':>7}")
        for j, c in enumerate(names):
            walls = [v.get("wall_s", 0) for k, v in cache.items() if k.startswith(c + "|")]
            print(
                f"  {c:<20} {ranks[:, j].mean():9.2f} {table[c].mean():12.4f} "
                f"{np.mean(walls) if walls else 0:7.1f}"
            )


def plot(cache: dict, seeds: list[int], top: int, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for c in CONTENDERS:
        curves = []
        for i, p in enumerate(problems()):
            for s in seeds:
                v = cache.get(key(c, i, s), {}).get("values", [])
                if len(v) >= 2:
                    curves.append([p.regret(x) for x in best_so_far(v, p.minimize)][:top])
        if curves:
            n = min(len(x) for x in curves)
            ax.plot(range(1, n + 1), np.mean([x[:n] for x in curves], axis=0), label=c)
    ax.set(xscale="log", yscale="log", xlabel="trials", ylabel="mean normalized regret")
    ax.set_title("12 tabular problems (HPOLib, HPOBench)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    print(f"\nwrote {path}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--budgets", type=int, nargs="+", default=list(BUDGETS))
    ap.add_argument("--gp-trials", type=int, default=100, help="GPSampler's budget (it is slow)")
    ap.add_argument("--ray-trials", type=int, default=50, help="Ray's budget (its overhead)")
    ap.add_argument("--ray-seeds", type=int, default=3)
    ap.add_argument("--no-ray", action="store_true")
    ap.add_argument("--jobs", type=int, default=1, help="processes, over problems and seeds")
    ap.add_argument("--quick", action="store_true", help="3 seeds, budgets 25 and 50")
    ap.add_argument("--cache", type=Path, default=Path(".neural-hpo/bench/quality.json"))
    ap.add_argument("--png", type=Path, default=Path(".neural-hpo/bench/quality.png"))
    a = ap.parse_args(argv)
    if a.quick:
        a.seeds, a.budgets, a.ray_seeds = 3, [25, 50], 2
        a.gp_trials, a.ray_trials = min(a.gp_trials, 50), min(a.ray_trials, 25)
    top = max(a.budgets)
    seeds, ray_seeds = list(range(a.seeds)), list(range(a.ray_seeds))
    a.cache.parent.mkdir(parents=True, exist_ok=True)
    cache = json.loads(a.cache.read_text()) if a.cache.exists() else {}
    plan = [  # seed by seed, so that an interrupted run leaves whole seeds to compare
        (c, i, s, min(top, a.gp_trials) if c == "optuna gp" else top)
        for s in seeds
        for i in range(len(problems()))
        for c in SAMPLERS
    ]
    compute(cache, plan, a.jobs, a.cache)
    if not a.no_ray:
        run_ray_all(cache, ray_seeds, a.ray_trials, a.cache)
    print(
        f"\nbudgets: GPSampler runs {min(top, a.gp_trials)} trials, Ray Tune {a.ray_trials} "
        f"({a.ray_seeds} seeds); a contender appears at the budgets it reached. s/run: wall "
        "seconds of one run at its own budget, measured on a shared machine (noisy)."
    )
    summary(cache, seeds, a.budgets, ray_seeds)
    a.png.parent.mkdir(parents=True, exist_ok=True)
    plot(cache, seeds, top, a.png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
