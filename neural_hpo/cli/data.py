"""``neural-hpo data``: the downloadable datasets, and fetching one ahead of a run."""

from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("data", help="list or fetch MNIST, FashionMNIST and CIFAR10")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="the datasets and whether they are here")
    listing.add_argument("--json", action="store_true", help="one JSON object per dataset")
    fetching = actions.add_parser("fetch", help="download a dataset into the data directory")
    fetching.add_argument("name", metavar="NAME", help="MNIST, FashionMNIST or CIFAR10")
    for q in (listing, fetching):
        q.add_argument(
            "--data-dir", help="the data directory (default: $NEURAL_HPO_DATA, ~/.neural-hpo/data)"
        )
        q.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from neural_hpo.engine.datasets import data_root
    from neural_hpo.engine.downloads import DownloadError, describe, fetch

    root = data_root(args.data_dir)
    if args.action == "list":
        rows = describe(root)
        for r in rows:
            if args.json:
                print(json.dumps(r))
            else:
                state = "here" if r["fetched"] else "not fetched"
                print(f"{r['name']:<13} {state:<12} {r['path']}\n{'':<13} {r['about']}")
        return 0
    try:
        where = fetch(args.name, root)
    except (KeyError, DownloadError) as exc:
        print(f"neural-hpo data fetch: {exc.args[0]}", file=sys.stderr)
        return 1
    print(f"{args.name}: {where}")
    return 0
