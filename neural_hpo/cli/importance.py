"""``neural-hpo importance STUDY``: which parameters matter, as a table with error bars."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from neural_hpo.storage import STORAGE_HELP

if TYPE_CHECKING:
    from neural_hpo.importance.result import ImportanceResult

#: the methods of ``neural_hpo.importance.core.METHODS``, listed here to keep --help light
METHOD_CHOICES = ("fanova", "gp", "random_forest", "gradient_boosting", "permutation")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``importance`` subcommand."""
    p = sub.add_parser("importance", help="parameter importance of a stored study")
    p.add_argument("study", metavar="STUDY", help="study name in the storage")
    p.add_argument(
        "--method", default="fanova", choices=METHOD_CHOICES, help="estimator (default: fanova)"
    )
    p.add_argument("--metric", default=None, help="metric name (default: the first objective)")
    p.add_argument("--storage", help=STORAGE_HELP)
    p.add_argument("--recompute", action="store_true", help="ignore a cached result")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Print the importance table; a cached result is reused while no trial has completed."""
    from neural_hpo.engine.study import open_storage
    from neural_hpo.importance.cache import cached_or_compute, compute_and_cache
    from neural_hpo.storage import load_study
    from neural_hpo.trials import load_trials

    study = load_study(args.study, open_storage(args.storage, create=False))
    metric = args.metric or load_trials(study).default_metric()
    if args.recompute:
        result = compute_and_cache(study, metric, args.method)
    else:
        result = cached_or_compute(study, metric, args.method)
    print(format_table(result))
    return 0


def format_table(result: ImportanceResult) -> str:
    """The result as aligned text: one row per parameter, then trials and confidence."""
    from neural_hpo.labels import printable

    shown = {name: printable(name) for name in result.importances}
    width = max([len("parameter"), *map(len, shown.values())])
    lines = [f"{'parameter':<{width}}  importance  ± std"]
    for name, value in result.importances.items():
        std = f"{result.std[name]:.3f}" if result.std is not None else "n/a"
        lines.append(f"{shown[name]:<{width}}  {value:10.3f}  {std}")
    excluded = ", ".join(f"{n} {s}" for s, n in result.excluded.items()) or "none"
    lines.append(
        printable(
            f"{result.method} on {result.metric}: {result.n_trials} trials (left out: {excluded})"
        )
        + (f", held-out R² {result.r2:.2f}" if result.r2 is not None else "")
    )
    verdict = f"confidence: {result.confidence}"
    lines.append(verdict + (f" ({'; '.join(result.reasons)})" if result.reasons else ""))
    return "\n".join(lines)
