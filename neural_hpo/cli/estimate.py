"""``neural-hpo estimate FILE``: how long the study will take, from a few timed batches."""

from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "estimate", help="time a few batches at the smallest and largest corner of the space"
    )
    p.add_argument("file", help="the .neural file")
    p.add_argument("--network", help="network to estimate (default: the first in the file)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    p.add_argument("--dataset", default="digits", help="as for neural-hpo run")
    p.add_argument("--data-dir", help="where MNIST/FashionMNIST/CIFAR10 files are")
    p.add_argument("--trials", type=int, help="the budget (default: the DSL's n_trials)")
    p.add_argument("--epochs", type=int, help="override the DSL's epochs")
    p.add_argument("--limit", type=int, help="as for neural-hpo run: this many samples")
    p.add_argument("--jobs", type=int, default=1, help="parallel workers the run will use")
    p.add_argument("--batches", type=int, default=20, help="batches timed per corner")
    p.add_argument("--json", action="store_true", help="the estimate as one JSON object")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from neural_hpo.engine.config import DSLError
    from neural_hpo.engine.estimate import estimate

    try:
        result = estimate(
            args.file,
            network=args.network,
            dataset_name=args.dataset,
            device=args.device,
            n_trials=args.trials,
            epochs=args.epochs,
            batches=args.batches,
            data_dir=args.data_dir,
            limit=args.limit,
            jobs=args.jobs,
        )
    except (DSLError, FileNotFoundError, KeyError, ValueError) as exc:
        print(f"neural-hpo estimate: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result.to_json()))
    else:
        print("\n".join(result.lines()))
    return 0
