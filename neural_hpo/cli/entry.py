"""The ``neural-hpo`` console script: the parser with every subcommand, and ``main``."""

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
    "data",
    "lsp",
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    from neural_hpo import __version__

    parser = argparse.ArgumentParser(
        prog="neural-hpo", description="Hyperparameter optimization for the Neural DSL."
    )
    parser.add_argument(
        "--version", action="version", version=f"neural-hpo {__version__}", help="print the version"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"neural_hpo.cli.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code (130 after Ctrl-C,
    with one line on stderr, e.g. "interrupted: 3 trials saved; rerun to resume"; 1 with one
    line naming the storage or study that cannot be read)."""
    from neural_hpo.storage import StorageError, StudyNotFoundError

    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except KeyboardInterrupt as exc:
        print(str(exc) or "interrupted", file=sys.stderr)
        return INTERRUPTED
    except (StorageError, StudyNotFoundError) as exc:  # one line naming the storage or study
        print(f"neural-hpo {args.command}: {exc}", file=sys.stderr)
        return 1


#: the exit status of a command stopped by Ctrl-C (128 + SIGINT), as shells report it
INTERRUPTED = 130
