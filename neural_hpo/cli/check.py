"""``neural-hpo check``: the checker's diagnostics for files, as compiler-style text or JSON (for
CI and editors without the language server)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

#: JSON severity words, LSP's names
_SEVERITY = {1: "error", 2: "warning", 3: "information", 4: "hint"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="check .neural files and print diagnostics")
    p.add_argument("files", nargs="+", metavar="FILE", type=Path, help="the .neural files")
    p.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        dest="output_format",
        help="text: file:line:col lines (default); json: one object per file",
    )
    p.add_argument(
        "--trials", type=int, metavar="N", help="trial budget for the search-space size warning"
    )
    from neural_hpo.dsl.catalog import SAMPLERS

    p.add_argument(
        "--sampler",
        choices=sorted(SAMPLERS),
        metavar="S",
        help=f"sampler whose limits the warnings consider ({', '.join(sorted(SAMPLERS))})",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Exit code: 0 no errors (warnings allowed), 1 some error, 2 a file cannot be read."""
    from neural_hpo.dsl.analysis import analyze, format_diagnostic

    sources: dict[Path, str] = {}
    for path in args.files:
        try:
            sources[path] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            reason = getattr(e, "strerror", None) or str(e)
            print(f"neural-hpo check: cannot read {path}: {reason}", file=sys.stderr)
            return 2
    records, texts = [], []
    errors = warnings = 0
    for path, source in sources.items():
        analysis = analyze(source, str(path), n_trials=args.trials, sampler=args.sampler)
        for d in analysis.diagnostics:
            errors += d.is_error
            warnings += d.severity == 2
            texts.append(format_diagnostic(d, source, str(path)))
            records.append(_record(d, path))
    if args.output_format == "json":
        print(json.dumps(records, indent=2, ensure_ascii=False))
    else:
        for text in texts:
            print(text)
        print(
            f"{_count(errors, 'error')}, {_count(warnings, 'warning')} in {_count(len(sources), 'file')}"
        )
    return 1 if errors else 0


def _record(d, path: Path) -> dict:
    s = d.span
    return {
        "path": str(path),
        "line": s.line + 1,
        "column": s.col + 1,
        "end_line": s.end_line + 1,
        "end_column": s.end_col + 1,
        "severity": _SEVERITY[int(d.severity)],
        "code": d.code,
        "message": d.message,
        "hint": d.hint,
    }


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
