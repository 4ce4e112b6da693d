"""The Neovim plugin in a real, headless Neovim (Debian's 0.7.2): what tests/nvim/driver.lua sees."""

from __future__ import annotations

import json
import shutil
import sys

import pytest
from editors_helpers import REPO, artifacts, child_env, run

pytestmark = pytest.mark.slow

VALID = """\
network First {
    input: (8, 8, 1)
    Flatten()
    Dense(units: 10) -> softmax
}

network Net {
    input: (8, 8, 1)
    Dense(units: hpo(categorical: [16, 32])) -> relu
    Dense(units: 10) -> softmax
    training: {
        epochs: 1
        batch_size: 64
    }
}
"""

BROKEN = """\
network Broken {
    input: (8, 8, 1)
    Dropot(rate: 0.5)
    Dense(units: hpo(categorical: []))
}
"""


def drive(tmp_path, name: str, steps: str) -> dict:
    """Runs the driver's ``steps`` in ``nvim --headless`` with the plugin on the runtimepath."""
    assert shutil.which("nvim"), "Neovim is missing: run scripts/setup.sh"
    out = artifacts(name)
    (tmp_path / "valid.neural").write_text(VALID)
    (tmp_path / "broken.neural").write_text(BROKEN)
    env = child_env(
        NEURAL_OUT=str(out / "result.json"),
        NEURAL_STEPS=steps,
        NEURAL_PYTHON=sys.executable,
        NEURAL_VALID=str(tmp_path / "valid.neural"),
        NEURAL_BROKEN=str(tmp_path / "broken.neural"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        XDG_STATE_HOME=str(tmp_path / "state"),
        XDG_DATA_HOME=str(tmp_path / "data"),
    )
    nvim = ["nvim", "--headless", "--clean", "--cmd", f"set rtp^={REPO / 'nvim'}"]
    driver = REPO / "tests" / "nvim" / "driver.lua"
    try:
        run([*nvim, "-c", f"luafile {driver}"], cwd=tmp_path, env=env, timeout=900)
    finally:
        for log in (tmp_path / "cache").rglob("lsp.log"):
            shutil.copy(log, out / "lsp.log")
    return json.loads((out / "result.json").read_text())


def test_nvim_detects_neural_files_and_defines_commands(tmp_path):
    result = drive(tmp_path, "nvim-plugin", "plugin")
    assert result["filetype"] == "neural"
    assert result["commands"] == {"NeuralRunHpo": True, "NeuralReport": True, "NeuralCancel": True}
    assert result["network"] == {"first": "First", "last": "Net"}


@pytest.mark.timeout(1200)
def test_nvim_diagnoses_completes_hovers_and_runs_a_study(tmp_path):
    result = drive(tmp_path, "nvim-server", "server")
    errors = {
        step: r["error"] for step, r in result.items() if isinstance(r, dict) and "error" in r
    }
    assert not errors, json.dumps(result, indent=2)
    assert {d["line"] for d in result["diagnostics"]} >= {2, 3}
    assert result["omnifunc"] == "v:lua.vim.lsp.omnifunc"
    assert "units" in result["completion"]
    assert any("Dense" in line for line in result["hover"])
    assert result["run"] and all(job["done"] for job in result["run"])
    assert result["report"]["exists"]


def test_nvim_help_and_checkhealth(tmp_path):
    """``:help neural`` (after ``:helptags``, as plugin managers run it) and ``:checkhealth
    neural`` with this Python: the server and the engine are found."""
    plugin = tmp_path / "nvim"
    shutil.copytree(REPO / "nvim", plugin, ignore=shutil.ignore_patterns("tags"))
    health = tmp_path / "health.txt"
    helped = tmp_path / "help.txt"
    setup = f"lua require('neural').setup({{ python = {json.dumps(sys.executable)} }})"
    script = [
        f"helptags {plugin / 'doc'}",
        "help neural-commands",
        f"lua vim.fn.writefile({{vim.fn.expand('%:t'), vim.fn.getline('.')}}, {json.dumps(str(helped))})",
        setup,
        "checkhealth neural",
        f"write! {health}",
        "qa!",
    ]
    nvim = ["nvim", "--headless", "--clean", "--cmd", f"set rtp^={plugin}"]
    run([*nvim, *(arg for cmd in script for arg in ("-c", cmd))], cwd=tmp_path, env=child_env())
    name, line = helped.read_text().splitlines()
    assert name == "neural.txt" and "*neural-commands*" in line
    report = health.read_text()
    assert "the language server is installed" in report, report
    assert "the engine is installed" in report, report
    assert "ERROR" not in report, report
