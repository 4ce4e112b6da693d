"""The command line's conventions: --version, help text for every option, Ctrl-C, the bar."""

from __future__ import annotations

import argparse

import pytest

import neural_hpo
from neural_hpo.cli import build_parser, main


def _parsers() -> list[tuple[str, argparse.ArgumentParser]]:
    top = build_parser()
    found = [("neural-hpo", top)]
    for action in top._actions:
        if isinstance(action, argparse._SubParsersAction):
            found += [(f"neural-hpo {n}", p) for n, p in action.choices.items()]
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
