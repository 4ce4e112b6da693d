"""``neural-hpo fmt``: rewrite ``.neural`` files in canonical form (or, with --check, say which
files are not, for CI)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("fmt", help="format .neural files in canonical syntax")
    p.add_argument("files", nargs="+", metavar="FILE", type=Path, help="the .neural files")
    p.add_argument(
        "--check",
        action="store_true",
        help="change nothing; list the files that would change and exit 1 if any",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Exit code: 0 all formatted, 1 some file would change (--check), 2 a file is unreadable or
    does not parse."""
    from neural_hpo.dsl.formatter import format_source

    failed = changed = False
    for path in args.files:
        try:
            source = path.read_text(encoding="utf-8")
            formatted = format_source(source)
        except (OSError, UnicodeDecodeError) as e:
            print(f"{path}: cannot read: {getattr(e, 'strerror', None) or e}", file=sys.stderr)
            failed = True
            continue
        except ValueError as e:
            print(f"{path}:{e}", file=sys.stderr)
            failed = True
            continue
        if formatted == source:
            continue
        changed = True
        if args.check:
            print(f"would reformat {path}")
        else:
            path.write_text(formatted, encoding="utf-8")
            print(f"reformatted {path}")
    if failed:
        return 2
    return 1 if changed and args.check else 0
