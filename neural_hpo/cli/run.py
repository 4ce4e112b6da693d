"""``neural-hpo run FILE``: optimize a network, with a progress bar or JSON events."""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import warnings
from typing import Any

from neural_hpo.dsl.catalog import METRIC_ALIASES, METRIC_DIRECTIONS, SAMPLERS
from neural_hpo.storage import STORAGE_HELP


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="optimize the hyperparameters of a network")
    p.add_argument("file", help="the .neural file")
    for flags, kwargs in OPTIONS:
        p.add_argument(*flags, **kwargs)
    ray = p.add_argument_group('Ray Tune (pip install "neural-hpo[ray]")')
    for flags, kwargs in RAY_OPTIONS:
        ray.add_argument(*flags, **kwargs)
    p.set_defaults(handler=run)


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _constraint(text: str) -> tuple[str, str]:
    """``latency_ms<100`` -> ``("latency_ms", "< 100")``; the bound is checked by the engine."""
    m = re.fullmatch(r"\s*(\w+)\s*(<=|>=|<|>)\s*(\S.*)", text)
    if m is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not METRIC<BOUND, e.g. latency_ms<100")
    return m.group(1), f"{m.group(2)} {m.group(3).strip()}"


def _option(*flags: str, **kwargs: Any) -> tuple[tuple[str, ...], dict[str, Any]]:
    return flags, kwargs


#: the options of ``neural-hpo run``, as ``add_argument`` takes them: the parser is built from
#: this table, and the language server checks the options a client passes against it
OPTIONS = (
    _option("--network", help="network to optimize (default: the first in the file)"),
    _option("--trials", type=int, help="trials to run now (default: the DSL's n_trials)"),
    _option("--sampler", choices=sorted(SAMPLERS), help="default: the DSL's, else auto"),
    _option("--pruning", action="store_true", help="stop unpromising trials early"),
    _option("--pruner", choices=("median", "hyperband", "halving"), help="implies --pruning"),
    _option(
        "--jobs", type=int, default=1, help="parallel worker processes (more than GPUs share them)"
    ),
    _option(
        "--trials-per-gpu", type=int, metavar="K", help="K workers on each GPU (instead of --jobs)"
    ),
    _option("--study", help="study name (default: network name + source hash)"),
    _option("--storage", help=STORAGE_HELP),
    _option("--dataset", default="digits", help="digits, MNIST, FashionMNIST, CIFAR10, .npz/.csv"),
    _option("--data-dir", help="where MNIST/FashionMNIST/CIFAR10 files are"),
    _option("--device", default="auto", help="auto, cpu, cuda or cuda:N"),
    _option("--epochs", type=int, help="override the DSL's epochs"),
    _option("--limit", type=int, help="train on this many samples only (quick runs)"),
    _option(
        "--metric",
        default="accuracy",
        choices=sorted([*METRIC_DIRECTIONS, *METRIC_ALIASES]),
        help="metric to optimize (default: accuracy)",
    ),
    _option("--objectives", type=_names, help="several metrics at once, e.g. accuracy,latency_ms"),
    _option("--directions", type=_names, help="one per objective: maximize or minimize"),
    _option(
        "--constraint",
        action="append",
        type=_constraint,
        dest="constraints",
        metavar="METRIC<BOUND",
        help='bound a recorded metric, e.g. "latency_ms<100" (repeatable)',
    ),
    _option("--seed", type=int, help="sampler and training seed (default: the DSL's)"),
    _option("--timeout", type=float, help="stop starting trials after this many seconds"),
    _option("--allow-space-change", action="store_true", help="resume a study anyway"),
    _option(
        "--fresh", action="store_true", help="reuse no trials of the study of an earlier version"
    ),
    _option("--json-events", action="store_true", help="one JSON event per line on stdout"),
)
#: the options of the Ray Tune group
RAY_OPTIONS = (
    _option("--ray", action="store_true", help="run the trials on Ray Tune"),
    _option("--address", help="a running Ray cluster (default: a local Ray)"),
    _option(
        "--ray-scheduler",
        default="asha",
        choices=("asha", "pbt", "fifo", "hyperband"),
        help="trial scheduler (default: asha)",
    ),
    _option(
        "--ray-search", choices=("optuna", "random"), help="search algorithm (default: optuna)"
    ),
    _option("--ray-cpus", type=float, default=1, help="CPUs per trial"),
    _option(
        "--ray-gpus", type=float, default=0, help="GPUs per trial (0.25: four trials share one)"
    ),
    _option("--ray-dir", help="where experiments live (default: .neural-hpo/ray)"),
    _option("--ray-resume", action="store_true", help="continue the interrupted run"),
    _option(
        "--ray-retries", type=int, default=2, help="retries of a trial whose node died (default 2)"
    ),
)


#: the bar's layout: this run's k/N, the study's total and best value, elapsed and ETA
BAR_FORMAT = "{desc} {n_fmt}/{total_fmt} |{bar}| [{elapsed}<{remaining}{postfix}]"


class Progress:
    """A tqdm bar on stderr: this run's finished trials ``k/N`` (never past N, whoever else
    writes to the study), the study's total and the best value beside it, tqdm's elapsed time
    and ETA, drawn to the terminal's width. Where stderr is no terminal (a log, CI), the same
    line once per finished trial instead."""

    def __init__(self, stream: Any = None):
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.start = time.monotonic()
        self.bar: Any = None
        self.shown = -1

    def __call__(self, event: dict[str, Any]) -> None:
        from tqdm import tqdm

        if event["event"] == "done":
            if self.bar is not None:
                self.bar.close()
            return
        n = event["n_trials"]
        k = min(event["finished"], n)
        best = "-" if event["best_value"] is None else f"{event['best_value']:.4g}"
        postfix = f"study {event['study_finished']} · best {best}"
        if not self.tty:
            if k != self.shown:
                self.shown = k
                elapsed = time.monotonic() - self.start
                line = tqdm.format_meter(
                    k,
                    n,
                    elapsed,
                    ncols=80,
                    prefix="trials",
                    postfix=postfix,
                    bar_format=BAR_FORMAT,
                    ascii=True,
                )
                self.stream.write(line + "\n")
                self.stream.flush()
            return
        if self.bar is None:
            self.bar = tqdm(
                total=n,
                desc="trials",
                file=self.stream,
                dynamic_ncols=True,
                bar_format=BAR_FORMAT,
            )
        self.bar.n = k
        self.bar.set_postfix_str(postfix)


class JsonEvents:
    """Each event as a JSON line on ``stream`` (stdout when made), flushed at once for the
    language server. The stream is bound when made: a Ray run sends what else it prints on
    stdout to stderr meanwhile."""

    def __init__(self, stream: Any = None):
        self.stream = stream or sys.stdout

    def __call__(self, event: dict[str, Any]) -> None:
        self.stream.write(json.dumps(event) + "\n")
        self.stream.flush()


def announce_reuse(handler: Any, args: argparse.Namespace) -> Any:
    """``handler``, after printing ``reused 34 of 50 trials from X`` on stderr for the
    ``trials_reused`` event (which reaches only a JSON consumer)."""

    def on_event(event: dict[str, Any]) -> None:
        if event["event"] == "trials_reused":
            print(event["message"], file=sys.stderr, flush=True)
            if not args.json_events:
                return
        handler(event)

    return on_event


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
        max_failures=args.ray_retries,
    )


def run(args: argparse.Namespace) -> int:
    """``_run`` with the run's warnings (precision ignored on a CPU, pruning switched off) as one
    line each on stderr, not Python's two lines with a source path."""
    with warnings.catch_warnings():
        warnings.showwarning = _one_line_warning
        return _run(args)


def _one_line_warning(message: Any, category: Any, *_: Any, **__: Any) -> None:
    print(f"neural-hpo run: warning: {message}", file=sys.stderr, flush=True)


def _run(args: argparse.Namespace) -> int:
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
            trials_per_gpu=args.trials_per_gpu,
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
            fresh=args.fresh,
            on_event=announce_reuse(JsonEvents() if args.json_events else Progress(), args),
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
