"""Hostile input to every CLI subcommand: exit 1 or 2, one message naming the input, no
traceback, and no file made by a command that only reads. Runs in-process (fast)."""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

import pytest
import torch

from neural_hpo.cli import main
from neural_hpo.dsl.parser import MAX_NESTING

DEEP_PARENS = "network N {\n  input: (8, 8, 1)\n  Dense(units: " + "(" * 500 + "4" + ")" * 500
DEEP_PARENS += ")\n  Output(units: 10)\n}\n"
DEEP_HPO = DEEP_PARENS.replace(
    "(" * 500 + "4" + ")" * 500, "hpo(categorical: [" * 150 + "4" + "])" * 150
)

FILES = {
    "deep.neural": DEEP_PARENS,
    "deephpo.neural": DEEP_HPO,
    "garbage.neural": "\x00\x1b[2J%%%{{{",
    "empty.neural": "",
    "big.neural": "network N {\n  input: (8, 8, 1)\n  Dense(units: " + "9" * 5000 + ")\n}\n",
    "bad.db": "garbage",
}


@pytest.fixture
def work(tmp_path, monkeypatch):
    for name, text in FILES.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "random.db").write_bytes(os.urandom(4096))
    (tmp_path / "truncated.db").write_bytes(b"SQLite format 3\x00" + b"\x00" * 50)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def storages(root: Path) -> list[tuple[str, str]]:
    """(--storage value, what the message must name)."""
    return [
        ("nonsense://x", "nonsense://x"),
        ("sqlite:////nonexistent/dir/x.db", "/nonexistent/dir/x.db"),
        (f"sqlite:///{root / 'bad.db'}", "bad.db"),
        (f"sqlite:///{root / 'random.db'}", "random.db"),
        (f"sqlite:///{root / 'truncated.db'}", "truncated.db"),
        ("garbage", "garbage"),
    ]


def cases(root: Path) -> list[tuple[list[str], str]]:
    out: list[tuple[list[str], str]] = []
    for url, named in storages(root):
        out += [(["studies", "--storage", url], named)]
        out += [(["importance", "s", "--storage", url], named)]
        out += [(["report", "s", "--storage", url], named)]
        out += [(["run", "deep.neural", "--storage", url], "deep.neural")]
    out += [(["studies"], ".neural-hpo"), (["importance", "missing"], ".neural-hpo")]
    out += [(["report", "missing"], ".neural-hpo")]
    for name in (
        "deep.neural",
        "deephpo.neural",
        "garbage.neural",
        "/nonexistent.neural",
        "big.neural",
    ):
        out += [([cmd, name], name) for cmd in ("check", "fmt", "run")]
    out += [(["run", "empty.neural"], "empty.neural"), (["check", "--format", "nope"], "nope")]
    out += [(["run", "deep.neural", "--jobs", "x"], "--jobs"), (["bogus"], "bogus")]
    seed = str(Path(__file__).parent.parent / "examples" / "seed_mlp.neural")
    for flag, value in [
        ("--epochs", "0"),
        ("--epochs", "-1"),
        ("--limit", "-1"),
        ("--timeout", "-5"),
        ("--timeout", "nan"),
        ("--trials", "0"),
        ("--jobs", "0"),
    ]:
        out += [(["run", seed, flag, value, "--storage", "sqlite:///s.db"], flag.lstrip("-"))]
    if not torch.cuda.is_available():
        out += [(["run", seed, "--device", "cuda", "--storage", "sqlite:///s.db"], "cuda")]
    return out


def test_every_subcommand_refuses_hostile_input_in_one_line(work):
    before = sorted(p.name for p in work.iterdir())
    all_cases = cases(work)
    assert len(all_cases) >= 30
    bad = []
    for argv, named in all_cases:
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(err):  # check: stdout
            try:
                code = main(argv)
            except SystemExit as exc:  # argparse's own usage errors
                code = exc.code
        text = err.getvalue()
        first = [line for line in text.splitlines() if named in line]
        if code not in (1, 2) or "Traceback" in text or not first:
            bad.append((argv[:2], code, text[-300:]))
    assert not bad, bad
    assert sorted(p.name for p in work.iterdir()) == before  # nothing made, no .neural-hpo


def test_a_5000_digit_number_is_a_located_error(work, capsys):
    assert main(["check", "big.neural"]) == 1
    out = capsys.readouterr().out
    assert "big.neural:3:16: error[E105]: number of 5000 digits" in out


def test_deep_nesting_is_a_located_error(work, capsys):
    assert main(["check", "deephpo.neural"]) == 1
    out = capsys.readouterr()
    assert "deephpo.neural:3:" in out.out + out.err and "E104" in out.out + out.err
    assert f"more than {MAX_NESTING} levels" in out.out + out.err
    assert (work / "deephpo.neural").read_text() == DEEP_HPO  # fmt never rewrites it
    main(["fmt", "deephpo.neural"])
    assert (work / "deephpo.neural").read_text() == DEEP_HPO
