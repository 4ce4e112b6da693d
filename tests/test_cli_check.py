"""``neural-hpo check`` and ``neural-hpo fmt``: output formats and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from neural_hpo.cli import main

ROOT = Path(__file__).parent.parent
BROKEN = """\
network N {
    input: (64,)
    Dense(units: 0) -> relu
    Dropout(rate: 1.5)
}
"""
CLEAN = "network N {\n    input: (64,)\n    Dense(units: 10) -> softmax\n}\n"


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    p = tmp_path / "broken.neural"
    p.write_text(BROKEN)
    return p


@pytest.fixture
def clean(tmp_path: Path) -> Path:
    p = tmp_path / "clean.neural"
    p.write_text(CLEAN)
    return p


def test_check_text_output_is_compiler_style(broken: Path, capsys, monkeypatch):
    monkeypatch.chdir(broken.parent)
    assert main(["check", "broken.neural"]) == 1
    assert capsys.readouterr().out == (
        "broken.neural:3:18: error[E304]: Dense: units must be an int ≥ 1; 0 is outside\n"
        "      Dense(units: 0) -> relu\n"
        "                   ^\n"
        "broken.neural:4:19: error[E304]: Dropout: rate must be a number in [0, 1); 1.5 is outside\n"
        "      Dropout(rate: 1.5)\n"
        "                    ^~~\n"
        "2 errors, 0 warnings in 1 file\n"
    )


def test_check_clean_file_exits_0(clean: Path, capsys):
    assert main(["check", str(clean)]) == 0
    assert capsys.readouterr().out == "0 errors, 0 warnings in 1 file\n"


def test_check_warnings_do_not_fail(tmp_path: Path, capsys):
    p = tmp_path / "w.neural"
    p.write_text("network N {\n    input: (64,)\n    Dense(units: hpo(categorical: [8]))\n}\n")
    assert main(["check", str(p)]) == 0
    out = capsys.readouterr().out
    assert "warning[W501]" in out and out.endswith("0 errors, 1 warning in 1 file\n")


def test_check_json(broken: Path, clean: Path, capsys):
    assert main(["check", "--format", "json", str(clean), str(broken)]) == 1
    records = json.loads(capsys.readouterr().out)
    assert [r["line"] for r in records] == [3, 4]
    r = records[0]
    assert set(r) == {
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "severity",
        "code",
        "message",
        "hint",
    }
    assert (r["path"], r["column"], r["end_line"], r["end_column"]) == (str(broken), 18, 3, 19)
    assert (r["severity"], r["code"]) == ("error", "E304")


def test_check_trials_and_sampler_reach_the_warnings(tmp_path: Path, capsys):
    p = tmp_path / "s.neural"
    p.write_text(
        "network N {\n    input: (64,)\n"
        "    Dense(units: hpo(categorical: [8, 16]))\n"
        "    Dropout(rate: hpo(range: [0.1, 0.5]))\n}\n"
    )
    assert main(["check", "--format", "json", str(p)]) == 0
    assert json.loads(capsys.readouterr().out) == []
    main(["check", "--format", "json", "--trials", "2", "--sampler", "cmaes", str(p)])
    codes = {r["code"] for r in json.loads(capsys.readouterr().out)}
    assert {"W503", "W504"} <= codes


def test_check_missing_file_names_it(tmp_path: Path, capsys):
    missing = tmp_path / "nope.neural"
    assert main(["check", str(missing)]) == 2
    err = capsys.readouterr().err
    assert str(missing) in err and "cannot read" in err


def test_check_syntax_error_exact_text(tmp_path: Path, capsys):
    p = tmp_path / "syntax.neural"
    p.write_text("network N {\n    input: (64,)\n    Dense(8 16)\n}\n")
    assert main(["check", str(p)]) == 1
    out = capsys.readouterr().out
    lines = out.split("\n")
    assert lines[0].startswith(f"{p}:3:13: error[E102]: unexpected '16': expected ")
    assert lines[1:3] == ["      Dense(8 16)", "              ^~"]


def test_check_escapes_control_characters_of_quoted_lines(tmp_path: Path, capsys):
    p = tmp_path / "nul.neural"
    hostile = '"\x00\x1b]0;pwned\x07\x0cx"'
    p.write_text(f"network N {{\n    input: (8,)\n    Dense(units: {hostile})\n}}\n")
    assert main(["check", str(p)]) == 1
    out = capsys.readouterr().out
    assert not any(c in out for c in "\x00\x1b\x07\x0c"), repr(out)
    shown = '    Dense(units: "' + r"\x00\x1b]0;pwned\x07\x0cx" + '")'
    assert f"{shown}\n" in out  # escaped in place; the caret's line comes next
    caret = out.split(shown + "\n  ")[1].split("\n")[0]
    assert caret == " " * 17 + "^" + "~" * 26


def test_check_runs_as_a_module(broken: Path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "neural_hpo.cli", "check", str(broken)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode == 1
    assert "error[E304]" in proc.stdout


# ---- fmt --------------------------------------------------------------------------------------


def test_fmt_check_reports_and_changes_nothing(tmp_path: Path, capsys):
    p = tmp_path / "legacy.neural"
    legacy = 'network N {\n  input: (64,)\n  layers:\n  Dense(10, "softmax")\n}\n'
    p.write_text(legacy)
    assert main(["fmt", "--check", str(p)]) == 1
    assert capsys.readouterr().out == f"would reformat {p}\n"
    assert p.read_text() == legacy


def test_fmt_rewrites_then_check_passes(tmp_path: Path, capsys):
    p = tmp_path / "legacy.neural"
    p.write_text('network N {\n  input: (64,)\n  layers:\n  Dense(10, "softmax")\n}\n')
    assert main(["fmt", str(p)]) == 0
    assert p.read_text() == "network N {\n    input: (64,)\n    Dense(units: 10) -> softmax\n}\n"
    assert main(["fmt", "--check", str(p)]) == 0


def test_fmt_check_clean_file_exits_0(clean: Path, capsys):
    assert main(["fmt", "--check", str(clean)]) == 0
    assert capsys.readouterr().out == ""


def test_fmt_syntax_error_names_the_file_and_leaves_it(tmp_path: Path, capsys):
    p = tmp_path / "bad.neural"
    p.write_text("network N {\n    Dense(8 16)\n}\n")
    assert main(["fmt", str(p)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{p}:2:13: error[E102]")
    assert p.read_text() == "network N {\n    Dense(8 16)\n}\n"


def test_fmt_missing_file(tmp_path: Path, capsys):
    assert main(["fmt", str(tmp_path / "nope.neural")]) == 2
    assert "nope.neural: cannot read" in capsys.readouterr().err
