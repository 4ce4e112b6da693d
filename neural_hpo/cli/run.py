"""``neural-hpo run FILE``: optimize a network, with a progress bar or JSON events."""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from typing import Any

from neural_hpo.dsl.catalog import METRIC_DIRECTIONS, SAMPLERS


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="optimize the hyperparameters of a network")
    p.add_argument("file", help="the .neural file")
    p.add_argument("--network", help="network to optimize (default: the first in the file)")
    p.add_argument("--trials", type=int, help="trials to run now (default: the DSL's n_trials)")
    p.add_argument("--sampler", choices=sorted(SAMPLERS), help="default: the DSL's, else tpe")
    p.add_argument("--pruning", action="store_true", help="stop unpromising trials early")
    p.add_argument("--pruner", choices=("median", "hyperband"), help="implies --pruning")
    p.add_argument("--jobs", type=int, default=1, help="parallel worker processes")
    p.add_argument("--study", help="study name (default: network name + source hash)")
    p.add_argument("--storage", help="Optuna storage URL (default: .neural-hpo/studies.db)")
    p.add_argument(
        "--dataset", default="digits", help="digits, MNIST, FashionMNIST, CIFAR10, .npz/.csv"
    )
    p.add_argument("--data-dir", help="where MNIST/FashionMNIST/CIFAR10 files are")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    p.add_argument("--epochs", type=int, help="override the DSL's epochs")
    p.add_argument("--limit", type=int, help="train on this many samples only (quick runs)")
    p.add_argument("--metric", default="accuracy", choices=sorted(METRIC_DIRECTIONS))
    p.add_argument(
        "--objectives", type=_names, help="several metrics at once, e.g. accuracy,latency_ms"
    )
    p.add_argument("--directions", type=_names, help="one per objective: maximize or minimize")
    p.add_argument(
        "--constraint",
        action="append",
        type=_constraint,
        dest="constraints",
        metavar="METRIC<BOUND",
        help='bound a recorded metric, e.g. "latency_ms<100" (repeatable)',
    )
    p.add_argument("--seed", type=int)
    p.add_argument("--timeout", type=float, help="stop starting trials after this many seconds")
    p.add_argument("--allow-space-change", action="store_true", help="resume a study anyway")
    p.add_argument("--json-events", action="store_true", help="one JSON event per line on stdout")
    ray = p.add_argument_group('Ray Tune (pip install "neural-hpo[ray]")')
    ray.add_argument("--ray", action="store_true", help="run the trials on Ray Tune")
    ray.add_argument("--address", help="a running Ray cluster (default: a local Ray)")
    ray.add_argument(
        "--ray-scheduler", default="asha", choices=("asha", "pbt", "fifo", "hyperband")
    )
    ray.add_argument("--ray-search", choices=("optuna", "random"), help="default: optuna")
    ray.add_argument("--ray-cpus", type=float, default=1, help="CPUs per trial")
    ray.add_argument("--ray-gpus", type=float, default=0, help="GPUs per trial")
    ray.add_argument("--ray-dir", help="where experiments live (default: .neural-hpo/ray)")
    ray.add_argument("--ray-resume", action="store_true", help="continue the interrupted run")
    p.set_defaults(handler=run)


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _constraint(text: str) -> tuple[str, str]:
    """``latency_ms<100`` -> ``("latency_ms", "< 100")``; the bound is checked by the engine."""
    m = re.fullmatch(r"\s*(\w+)\s*(<=|>=|<|>)\s*(\S.*)", text)
    if m is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not METRIC<BOUND, e.g. latency_ms<100")
    return m.group(1), f"{m.group(2)} {m.group(3).strip()}"


class Progress:
    """``trial k/N  best ...  ETA m:ss`` on one stderr line, rewritten per event; where stderr
    is no terminal (a log, CI), one line per finished trial instead."""

    def __init__(self, stream: Any = None):
        self.stream, self.start = stream or sys.stderr, time.monotonic()
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.shown = -1

    def __call__(self, event: dict[str, Any]) -> None:
        if event["event"] == "done":
            if self.tty:
                self.stream.write("\n")
            return
        k, n = event["finished"], event["n_trials"]
        if not self.tty and k == self.shown:
            return
        self.shown = k
        best = "-" if event["best_value"] is None else f"{event['best_value']:.4f}"
        eta = "?"
        if k:
            left = (time.monotonic() - self.start) / k * (n - k)
            eta = f"{int(left // 60)}:{int(left % 60):02d}"
        line = f"trial {k}/{n}  best {best}  ETA {eta}"
        self.stream.write(f"\r{line}   " if self.tty else f"{line}\n")
        self.stream.flush()


class JsonEvents:
    """Each event as a JSON line on ``stream`` (stdout when made), flushed at once for the
    language server. The stream is bound when made: a Ray run sends what else it prints on
    stdout to stderr meanwhile."""

    def __init__(self, stream: Any = None):
        self.stream = stream or sys.stdout

    def __call__(self, event: dict[str, Any]) -> None:
        self.stream.write(json.dumps(event) + "\n")
        self.stream.flush()


def ray_options(args: argparse.Namespace) -> Any:
    """The RayOptions of ``--ray``'s flags (None without ``--ray``; Ray flags alone are an
    error rather than ignored)."""
    from neural_hpo.distributed.options import RayOptions

    given = args.address or args.ray_search or args.ray_dir or args.ray_resume
    if not args.ray:
        if given:
            raise ValueError("--address, --ray-search, --ray-dir and --ray-resume need --ray")
        return None
    return RayOptions(
        address=args.address,
        scheduler=args.ray_scheduler,
        search_alg=args.ray_search,
        cpus_per_trial=args.ray_cpus,
        gpus_per_trial=args.ray_gpus,
        storage_path=args.ray_dir,
        resume=args.ray_resume,
    )


def run(args: argparse.Namespace) -> int:
    import optuna

    from neural_hpo.engine.api import NoCompletedTrialError, best_trial_summary, optimize_and_return
    from neural_hpo.engine.config import DSLError
    from neural_hpo.labels import printable

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        result = optimize_and_return(
            args.file,
            args.trials,
            dataset_name=args.dataset,
            device=args.device,
            sampler=args.sampler,
            enable_pruning=args.pruning,
            study_name=args.study,
            storage=args.storage,
            timeout=args.timeout,
            n_jobs=args.jobs,
            seed=args.seed,
            metric=args.metric,
            objectives=args.objectives,
            directions=args.directions,
            constraints=dict(args.constraints) if args.constraints else None,
            network=args.network,
            pruner=args.pruner,
            data_dir=args.data_dir,
            epochs=args.epochs,
            limit=args.limit,
            allow_space_change=args.allow_space_change,
            on_event=JsonEvents() if args.json_events else Progress(),
            use_ray=args.ray,
            ray_options=ray_options(args),
        )
    except (
        DSLError,
        FileNotFoundError,
        ImportError,
        KeyError,
        ValueError,
        NoCompletedTrialError,
    ) as exc:
        text = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc  # no repr quotes
        print(f"neural-hpo run: {text}", file=sys.stderr)
        return 1
    study = result.study
    counts: dict[str, int] = {}
    for t in study.get_trials(deepcopy=False):
        counts[t.state.name.lower()] = counts.get(t.state.name.lower(), 0) + 1
    out = sys.stderr if args.json_events else sys.stdout
    shown = ", ".join(f"{v} {k}" for k, v in counts.items())
    print(f"study {printable(study.study_name)}: {shown}", file=out)
    print(
        f"best trial #{result.best_trial.number}: {best_trial_summary(result.best_trial)}", file=out
    )
    if len(study.directions) > 1:
        front = ", ".join(f"#{t['number']}" for t in result.pareto_front)
        print(f"pareto front: {len(result.pareto_front)} trial(s): {front}", file=out)
    print("best parameters:", file=out)
    for name, value in result.params.items():
        print(f"  {printable(name)} = {printable(value)}", file=out)
    return _worker_summary(result.workers)


def _worker_summary(report: Any) -> int:
    """One stderr line per dead worker and one for trials not run; 1 when some are missing."""
    for death in report.deaths:
        print(f"neural-hpo run: {death}", file=sys.stderr)
    if report.missing:
        print(
            f"neural-hpo run: {report.missing} trial(s) of the budget were not run: their "
            "workers kept dying; run again to add them",
            file=sys.stderr,
        )
        return 1
    return 0
