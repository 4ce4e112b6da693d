"""The ``neural-hpo`` command line: one module per subcommand, each with ``register(sub)``."""

from __future__ import annotations

import argparse
import importlib
import sys

#: subcommand modules under neural_hpo.cli, in the order ``--help`` lists them
COMMANDS: tuple[str, ...] = (
    "check",
    "fmt",
    "run",
    "estimate",
    "studies",
    "report",
    "importance",
    "lsp",
)


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
    args = build_parser().parse_args(argv)
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
