"""``neural-hpo studies``: the studies of a storage with their best values."""

from __future__ import annotations

import argparse
import json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("studies", help="list stored studies and their best values")
    p.add_argument("--storage", help="Optuna storage URL (default: .neural-hpo/studies.db)")
    p.add_argument("--json", action="store_true", help="one JSON object per study")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import optuna

    from neural_hpo.engine.study import open_storage

    rows = []
    for s in optuna.get_all_study_summaries(open_storage(args.storage)):
        best = s.best_trial
        rows.append(
            {
                "study": s.study_name,
                "network": s.user_attrs.get("network"),
                "metric": s.user_attrs.get("metric"),
                "trials": s.n_trials,
                "best_value": best.values[0] if best is not None and best.values else None,
                "best_params": best.params if best is not None else None,
            }
        )
    if args.json:
        for row in rows:
            print(json.dumps(row))
        return 0
    if not rows:
        print("no studies")
        return 0
    print(f"{'study':<32} {'network':<16} {'metric':<10} {'trials':>6}  best")
    for r in rows:
        best = "-" if r["best_value"] is None else f"{r['best_value']:.4g}"
        network = r["network"] or "-"
        print(f"{r['study']:<32} {network:<16} {r['metric']!s:<10} {r['trials']:>6}  {best}")
    return 0
