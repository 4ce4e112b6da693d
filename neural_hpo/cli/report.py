"""``neural-hpo report STUDY -o FILE``: write the HTML report of a stored study."""

from __future__ import annotations

import argparse
import sys

from neural_hpo.storage import STORAGE_HELP


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="write a self-contained HTML report of a study")
    p.add_argument("study", help="name of the study in the storage")
    p.add_argument("-o", "--output", default="hpo_report.html", help="HTML file to write")
    p.add_argument("--metric", help="metric to report on (default: the first objective)")
    p.add_argument("--storage", help=STORAGE_HELP)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from neural_hpo.engine.study import open_storage
    from neural_hpo.storage import load_study
    from neural_hpo.visualization import create_optimization_report

    try:
        study = load_study(args.study, open_storage(args.storage, create=False))
        path = create_optimization_report(study, args.metric, args.output)
    except (KeyError, ValueError) as exc:
        print(f"neural-hpo report: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 2
    print(path)
    return 0
