"""The command line's conventions: --version, help text for every option, Ctrl-C, the bar."""

from __future__ import annotations

import argparse

import pytest

import neural_hpo
from neural_hpo.cli import build_parser, main


def _parsers(
    prog: str = "neural-hpo", parser: argparse.ArgumentParser | None = None
) -> list[tuple[str, argparse.ArgumentParser]]:
    """Every parser and sub-parser (``neural-hpo data fetch`` too)."""
    parser = parser or build_parser()
    found = [(prog, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _parsers(f"{prog} {name}", sub)
    return found


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"neural-hpo {neural_hpo.__version__}"


@pytest.mark.parametrize(("prog", "parser"), _parsers(), ids=lambda v: str(v))
def test_every_option_has_help(prog: str, parser: argparse.ArgumentParser) -> None:
    bare = [
        a.dest
        for a in parser._actions
        if not isinstance(a, argparse._SubParsersAction) and not (a.help or "").strip()
    ]
    assert not bare, f"{prog}: no help text for {bare}"
