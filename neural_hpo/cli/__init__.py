"""The ``neural-hpo`` command line: one module per subcommand, each with ``register(sub)``."""

from __future__ import annotations

import argparse
import importlib
import sys

#: subcommand modules under neural_hpo.cli, in the order ``--help`` lists them
COMMANDS: tuple[str, ...] = ("check", "fmt", "run", "studies", "report", "importance", "lsp")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="neural-hpo", description="Hyperparameter optimization for the Neural DSL."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"neural_hpo.cli.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    from neural_hpo.storage import StorageError, StudyNotFoundError

    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except (StorageError, StudyNotFoundError) as exc:  # one line naming the storage or study
        print(f"neural-hpo {args.command}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
