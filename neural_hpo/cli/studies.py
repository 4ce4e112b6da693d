"""``neural-hpo studies``: the studies of a storage with their best values and lineage (the
parent a study reused trials from)."""

from __future__ import annotations

import argparse
import json

from neural_hpo.storage import STORAGE_HELP


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("studies", help="list stored studies and their best values")
    p.add_argument("--storage", help=STORAGE_HELP)
    p.add_argument("--json", action="store_true", help="one JSON object per study")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import optuna

    from neural_hpo.engine.reuse import reuse_summary
    from neural_hpo.engine.study import open_storage
    from neural_hpo.labels import printable
    from neural_hpo.trials import load_trials

    storage = open_storage(args.storage, create=False)
    rows = []
    for name in optuna.get_all_study_names(storage):
        study = optuna.load_study(study_name=name, storage=storage)
        ts = load_trials(study)
        metric = ts.default_metric()
        # TrialSet.best skips trials that broke a constraint, which Optuna's summaries count
        best = ts.best(metric) if metric in ts.available_metrics() else None
        reuse = reuse_summary(study)
        rows.append(
            {
                "study": name,
                "network": study.user_attrs.get("network"),
                "metric": metric,
                "trials": len(ts.trials),
                "best_value": ts.metric_value(best, metric) if best is not None else None,
                "best_params": best.params if best is not None else None,
                "parent": reuse.parent if reuse else None,
                "reused": reuse.reused if reuse else 0,
                "reused_of": reuse.of if reuse else 0,
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
        study, network, metric = (printable(r[k] or "-") for k in ("study", "network", "metric"))
        line = f"{study:<32} {network:<16} {metric:<10} {r['trials']:>6}  {best}"
        if r["parent"]:
            parent = printable(r["parent"])
            line += f"  (reused {r['reused']} of {r['reused_of']} from {parent})"
        print(line)
    return 0
