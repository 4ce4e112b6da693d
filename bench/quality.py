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

The run can be made in pieces: ``--contenders`` and ``--seeds`` pick what this process runs,
each run is saved to ``--results`` (a JSON file) as it ends, so a rerun only computes what is
missing, and ``--merge OTHER.json ...`` adds the runs of other pieces before the summary
(``--report`` prints it without running anything). ``--variant`` runs candidate auto rules
(``VARIANTS``) as extra contenders: how the rule was chosen.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tabular import Problem, problems, space_file

CONTENDERS = ("neural-hpo auto", "optuna default", "optuna gp", "random", "ray+optunasearch")
SAMPLERS = {"neural-hpo auto": None, "optuna default": "tpe", "optuna gp": "gp", "random": "random"}
RAY = CONTENDERS[-1]
BUDGETS = (25, 50, 100, 200)
#: candidate rules for the auto sampler: module constants of neural_hpo.engine.auto_sampler
VARIANTS: dict[str, dict[str, object]] = {
    "gp25+tpe": {"GP_TRIALS": 25},
    "gp50+tpe": {"GP_TRIALS": 50},
    "gp100+tpe": {"GP_TRIALS": 100},
}


@contextmanager
def rule_of(contender: str) -> Iterator[None]:
    """The auto sampler's constants set as the variant ``contender`` says, then restored."""
    from neural_hpo.engine import auto_sampler

    changes = VARIANTS.get(contender, {})
    saved = {name: getattr(auto_sampler, name) for name in changes}
    for name, value in changes.items():
        setattr(auto_sampler, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(auto_sampler, name, value)


def run_engine(contender: str, problem: Problem, seed: int, n_trials: int) -> dict[str, Any]:
    """One optimize_and_return run: the objective value of each trial in trial order, and for the
    auto sampler the trials whose proposal it replaced (a repeat)."""
    import optuna
    import torch

    from neural_hpo import optimize_and_return

    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with rule_of(contender):
        result = optimize_and_return(
            config=space_file(problem.family),
            n_trials=n_trials,
            sampler=SAMPLERS.get(contender, "auto"),
            seed=seed,
            metric=problem.metric,
            storage=":memory:",
            objective_fn=problem,
        )
    trials = sorted(result.study.get_trials(deepcopy=False), key=lambda t: t.number)
    return {
        "values": [t.value for t in trials],
        "replaced": getattr(result.study.sampler, "replaced", []),
        "gp_until": getattr(result.study.sampler, "gp_until", 0),
    }


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
                search_alg=search,
                num_samples=n_trials,
                max_concurrent_trials=1,
                reuse_actors=True,  # one actor for every trial: Ray's own cure for start-up
            ),
            run_config=tune.RunConfig(verbose=0, storage_path=os.path.abspath(".neural-hpo/ray")),
        )
        out[seed] = [value for _, value in sorted(map(_numbered, tuner.fit()))]
    return out


def _numbered(result: Any) -> tuple[int, float]:
    """A Ray result's place in the order its trial was proposed, and its value. Trial ids are
    random; the place is the counter Ray writes after the id in the trial's directory name."""
    trial_id = result.metrics["trial_id"]
    match = re.search(rf"_{re.escape(trial_id)}_(\d+)", Path(result.path).name)
    if match is None:
        raise RuntimeError(f"no trial counter in Ray's trial directory {result.path!r}")
    return int(match.group(1)), float(result.metrics["value"])


def run_ray_all(cache: dict, seeds: list[int], n_trials: int, path: Path) -> None:
    """The Ray contender on every problem, in one local Ray (127.0.0.1; never another's)."""
    from neural_hpo.distributed.runtime import connected

    # Ray's workers unpickle trainables that refer to tabular.py: they need bench/ on their path
    bench = str(Path(__file__).resolve().parent)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [bench, os.environ.get("PYTHONPATH")]))
    with connected(num_cpus=1):
        for i, p in enumerate(problems()):
            missing = [s for s in seeds if len(runs_of(cache, RAY, i, s)) < n_trials]
            if not missing:
                continue
            start = time.perf_counter()
            for s, values in run_ray(p, missing, n_trials).items():
                wall = (time.perf_counter() - start) / len(missing)
                cache[key(RAY, i, s)] = {"values": values, "wall_s": wall}
            path.write_text(json.dumps(cache))
            print(f"  ray: {p.name} done", flush=True)


def _job(args: tuple[str, int, int, int]) -> tuple[str, int, int, dict[str, Any]]:
    contender, index, seed, n_trials = args
    start = time.perf_counter()
    run = run_engine(contender, problems()[index], seed, n_trials)
    return contender, index, seed, {**run, "wall_s": time.perf_counter() - start}


def key(contender: str, index: int, seed: int) -> str:
    return f"{contender}|{problems()[index].name}|{seed}"


def compute(cache: dict, plan: list[tuple[str, int, int, int]], jobs: int, path: Path) -> None:
    """Run the missing jobs of ``plan`` over ``jobs`` processes, saving after each."""
    todo = [job for job in plan if len(cache.get(key(*job[:3]), {}).get("values", [])) < job[3]]
    print(f"{len(plan) - len(todo)} runs cached, {len(todo)} to run", flush=True)
    if not todo:
        return
    with mp.get_context("fork").Pool(jobs, maxtasksperchild=20) as pool:
        for contender, index, seed, run in pool.imap_unordered(_job, todo):
            cache[key(contender, index, seed)] = run
            path.write_text(json.dumps(cache))
            print(f"  {key(contender, index, seed)}: {run['wall_s']:.1f} s", flush=True)


def best_so_far(values: list[float], minimize: bool) -> np.ndarray:
    arr = np.array(values, dtype=float)
    return np.minimum.accumulate(arr) if minimize else np.maximum.accumulate(arr)


def runs_of(cache: dict, contender: str, index: int, seed: int) -> list[float]:
    return cache.get(key(contender, index, seed), {}).get("values", [])


def complete_seeds(cache: dict, contender: str, seeds: list[int], budget: int) -> list[int]:
    """The seeds for which ``contender`` reached ``budget`` on every problem."""
    n = len(problems())
    return [
        s for s in seeds if all(len(runs_of(cache, contender, i, s)) >= budget for i in range(n))
    ]


def regrets(cache: dict, contender: str, seeds: list[int], budget: int) -> np.ndarray:
    """Per problem, the mean regret over ``seeds`` after ``budget`` trials."""
    out = []
    for i, p in enumerate(problems()):
        runs = [runs_of(cache, contender, i, s) for s in seeds]
        out.append(np.mean([p.regret(best_so_far(r, p.minimize)[budget - 1]) for r in runs]))
    return np.array(out)


def gp_prefixes(cache: dict) -> dict:
    """GPSampler's runs read off auto runs where GPSampler has no run of its own: until trial
    ``gp_until`` the auto sampler proposes exactly what ``sampler="gp"`` does with the same seed
    (tests/test_engine_sampling.py), up to the first proposal it replaced (a repeat)."""
    out = {}
    for k, run in cache.items():
        contender, problem, seed = k.split("|")
        if contender != CONTENDERS[0] or "gp_until" not in run:
            continue
        n = min([run["gp_until"], *run["replaced"]])
        gp = f"optuna gp|{problem}|{seed}"
        if n > len(cache.get(gp, {}).get("values", [])):
            out[gp] = {"values": run["values"][:n], "from_auto": True}
    return out


def contenders_in(cache: dict) -> list[str]:
    """The contenders with runs in ``cache``: CONTENDERS first, then variants, in order."""
    names = {k.split("|")[0] for k in cache}
    return [c for c in (*CONTENDERS, *VARIANTS) if c in names]


def wall_of(cache: dict, contender: str) -> float:
    walls = [v.get("wall_s", 0) for k, v in cache.items() if k.startswith(contender + "|")]
    return float(np.mean(walls)) if walls else 0.0


def summary(cache: dict, seeds: list[int], budgets: list[int]) -> None:
    """Per budget: each contender's mean rank over the problems (ranked by each contender's mean
    regret over the seeds it completed at that budget) and mean regret, and how auto fares
    against Optuna's default seed by seed (paired: same seeds)."""
    from scipy.stats import rankdata

    for budget in budgets:
        done = {c: complete_seeds(cache, c, seeds, budget) for c in contenders_in(cache)}
        table = {c: regrets(cache, c, s, budget) for c, s in done.items() if s}
        if not table:
            continue
        names = list(table)
        ranks = np.array([rankdata([table[c][i] for c in names]) for i in range(len(problems()))])
        print(f"\n{budget} trials:")
        print(f"  {'contender':<20} {'seeds':>5} {'mean rank':>9} {'mean regret':>12} {'s/run':>7}")
        for j, c in enumerate(names):
            print(
                f"  {c:<20} {len(done[c]):5d} {ranks[:, j].mean():9.2f} {table[c].mean():12.4f} "
                f"{wall_of(cache, c):7.1f}"
            )
        paired(cache, done, budget)


def paired(cache: dict, done: dict[str, list[int]], budget: int) -> None:
    """Auto against Optuna's default on their common seeds: in how many of the seeds auto's mean
    rank over the problems (between the two) is better, and the mean of those per-seed ranks."""
    a, b = CONTENDERS[0], CONTENDERS[1]
    common = sorted(set(done.get(a, [])) & set(done.get(b, [])))
    if not common:
        return
    per_seed = [
        np.mean(
            [
                np.sign(regrets(cache, b, [s], budget)[i] - regrets(cache, a, [s], budget)[i])
                for i in range(len(problems()))
            ]
        )
        for s in common
    ]
    wins = sum(x > 0 for x in per_seed)
    print(
        f"  auto vs optuna default, seed by seed ({len(common)} seeds): auto better on "
        f"{wins}, worse on {sum(x < 0 for x in per_seed)}; mean problem score "
        f"{np.mean(per_seed):+.2f} (+1: auto better on every problem)"
    )


def plot(cache: dict, seeds: list[int], top: int, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for c in contenders_in(cache):
        if c in VARIANTS:
            continue
        curves = []
        for i, p in enumerate(problems()):
            for s in seeds:
                v = runs_of(cache, c, i, s)
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


def seed_list(spec: str) -> list[int]:
    """``"0-9"``, ``"3"`` or ``"0,2,5"`` as a list of seeds."""
    out: list[int] = []
    for part in spec.split(","):
        low, _, high = part.partition("-")
        out.extend(range(int(low), int(high or low) + 1))
    return out


def load(paths: list[Path]) -> dict:
    """The runs of every results file, the longest run of a key winning."""
    cache: dict = {}
    for path in paths:
        if path.exists():
            for k, v in json.loads(path.read_text()).items():
                if len(v.get("values", [])) > len(cache.get(k, {}).get("values", [])):
                    cache[k] = v
    return cache


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=seed_list, default=seed_list("0-9"), help="e.g. 0-9 or 0,3")
    ap.add_argument("--budgets", type=int, nargs="+", default=list(BUDGETS))
    ap.add_argument("--contenders", nargs="*", default=list(CONTENDERS), choices=CONTENDERS)
    ap.add_argument("--variant", nargs="+", default=[], choices=list(VARIANTS))
    ap.add_argument("--gp-trials", type=int, default=50, help="GPSampler's budget (it is slow)")
    ap.add_argument("--ray-trials", type=int, default=100, help="Ray's budget (its overhead)")
    ap.add_argument("--ray-seeds", type=seed_list, default=seed_list("0-9"))
    ap.add_argument("--jobs", type=int, default=1, help="processes, over problems and seeds")
    ap.add_argument("--quick", action="store_true", help="3 seeds, budgets 25 and 50")
    ap.add_argument("--results", type=Path, default=Path(".neural-hpo/bench/quality.json"))
    ap.add_argument("--merge", type=Path, nargs="+", default=[], help="other pieces' results")
    ap.add_argument("--report", action="store_true", help="summarize; run nothing")
    ap.add_argument("--png", type=Path, default=Path(".neural-hpo/bench/quality.png"))
    a = ap.parse_args(argv)
    if a.quick:
        a.seeds, a.budgets, a.ray_seeds = [0, 1, 2], [25, 50], [0, 1]
        a.gp_trials, a.ray_trials = min(a.gp_trials, 50), min(a.ray_trials, 25)
    top = max(a.budgets)
    a.results.parent.mkdir(parents=True, exist_ok=True)
    cache = load([a.results])
    if not a.report:
        engine = [c for c in (*a.contenders, *a.variant) if c != RAY]
        plan = [  # seed by seed, so that an interrupted run leaves whole seeds to compare
            (c, i, s, min(top, a.gp_trials) if c == "optuna gp" else top)
            for s in a.seeds
            for i in range(len(problems()))
            for c in engine
        ]
        compute(cache, plan, a.jobs, a.results)
        if RAY in a.contenders:
            run_ray_all(cache, a.ray_seeds, a.ray_trials, a.results)
    cache = load([a.results, *a.merge])
    derived = gp_prefixes(cache)
    cache.update(derived)
    print(
        f"\nbudgets: GPSampler runs at most {a.gp_trials} trials and Ray Tune {a.ray_trials} "
        f"(seeds {a.ray_seeds}) unless the results say more; a contender appears at the "
        "budgets it reached, with the seeds it completed there. s/run: mean wall seconds of one "
        "run at its own budget on a shared machine (noisy)."
    )
    if derived:
        print(
            f"optuna gp: {len(derived)} runs read off the auto runs' GP phase (the same "
            "proposals as sampler='gp' with the same seed, up to the first repeat auto replaced)"
        )
    summary(cache, a.seeds, a.budgets)
    a.png.parent.mkdir(parents=True, exist_ok=True)
    plot(cache, a.seeds, top, a.png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
