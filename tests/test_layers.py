"""Imports point down the layers of docs/architecture.md, never up.

Every import in ``neural_hpo/`` and ``server/`` counts: at module level, inside functions, and
under ``if TYPE_CHECKING:`` (a type-only import still ties a layer to the one above it).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: bottom to top; a unit may import its own level and those below. A unit is a package of
#: neural_hpo, one of its top-level modules, "front door" (neural_hpo/__init__) or "server".
LAYERS: list[set[str]] = [
    {"labels", "log_axes"},  # text and axis helpers that import nothing of the project
    {"dsl"},  # the language: text -> model -> checks -> space (no optuna, no torch)
    {"storage", "trials", "trial_rows"},  # where studies live, and one view of their trials
    {"engine"},  # torch, Optuna: studies, training, local workers, executors by name
    {"distributed"},  # Ray: an executor the engine runs through without importing it
    {"importance"},
    {"visualization"},
    {"multiobjective"},  # MultiObjectiveOptimizer: the engine's run plus its figures
    {"cli", "server", "front door"},  # what users call: the commands, the editor, the library
]
LEVEL = {unit: i for i, level in enumerate(LAYERS) for unit in level}


def module_name(path: Path) -> str:
    """``neural_hpo.engine.api`` for neural_hpo/engine/api.py (server/ is on the path)."""
    rel = path.relative_to(ROOT / "server" if path.is_relative_to(ROOT / "server") else ROOT)
    parts = list(rel.with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def unit_of(module: str) -> str | None:
    """The layer unit of a project module (None for a module outside the project)."""
    parts = module.split(".")
    if parts[0] == "neural_hpo_server":
        return "server"
    if parts[0] != "neural_hpo":
        return None
    return parts[1] if len(parts) > 1 else "front door"


def is_module(name: str) -> bool:
    base = ROOT.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def imported(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in ``path``, relative ones resolved; ``from p import m``
    of a submodule ``m`` names ``p.m``."""
    here = module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    out: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            for a in node.names:
                sub = f"{module}.{a.name}"
                out.append((node.lineno, sub if is_module(sub) else module))
    return sorted(set(out))


def sources() -> list[Path]:
    return sorted([*(ROOT / "neural_hpo").rglob("*.py"), *(ROOT / "server").rglob("*.py")])


def test_every_unit_has_a_layer() -> None:
    units = {unit_of(module_name(p)) for p in sources()}
    missing = sorted(u for u in units if u is not None and u not in LEVEL)
    assert not missing, f"place {missing} in tests/test_layers.py LAYERS and docs/architecture.md"


def test_imports_point_down_the_layers() -> None:
    wrong = []
    for path in sources():
        source = unit_of(module_name(path))
        for line, module in imported(path):
            target = unit_of(module)
            if target is None or target not in LEVEL or source not in LEVEL:
                continue
            if LEVEL[target] > LEVEL[source]:
                wrong.append(
                    f"{path.relative_to(ROOT)}:{line} imports {module}: {source} (layer "
                    f"{LEVEL[source]}) may not import {target} (layer {LEVEL[target]}, above it)"
                )
    assert not wrong, "imports pointing up (see docs/architecture.md):\n" + "\n".join(wrong)


def test_the_walk_sees_function_level_and_relative_imports() -> None:
    """The walk itself: a relative import, and one inside a function, are both found."""
    relative = {m for _, m in imported(ROOT / "neural_hpo" / "engine" / "api.py")}
    assert "neural_hpo.engine.run_spec" in relative  # ``from .run_spec import ...``
    nested = {m for _, m in imported(ROOT / "neural_hpo" / "cli" / "lsp.py")}
    assert "neural_hpo_server.server" in nested  # inside ``run``


def test_every_package_front_door_follows_one_convention() -> None:
    """A package's ``__init__``: its docstring, then either nothing or explicit re-exports listed
    in ``__all__`` (``__version__`` aside). Only the top-level ``neural_hpo`` loads its names
    lazily (the language server imports it) and wires the executors (docs/architecture.md)."""
    wrong = []
    for path in sources():
        if path.name != "__init__.py" or path.parent == ROOT / "neural_hpo":
            continue
        where = path.relative_to(ROOT)
        tree = ast.parse(path.read_text())
        if ast.get_docstring(tree) is None:
            wrong.append(f"{where}: no docstring")
        names, listed = [], []
        for node in tree.body[1:]:
            target = ast.unparse(node.targets[0]) if isinstance(node, ast.Assign) else None
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                names += [a.asname or a.name for a in node.names]
            elif target == "__all__":
                listed = ast.literal_eval(node.value)
            elif target != "__version__":
                wrong.append(f"{where}:{node.lineno}: neither a re-export nor __all__")
        if sorted(listed) != sorted(names):
            wrong.append(f"{where}: __all__ {listed} is not its re-exports {names}")
    assert not wrong, "\n".join(wrong)


#: a local run through the engine alone; prints the layers above it that got imported
LOCAL_RUN = """
import sys
from neural_hpo.engine.api import optimize_and_return
from neural_hpo.engine.objective import suggest

def value(trial, config, *_):
    return suggest(trial, config)["dropout_1.rate"]

net = "network N {\\n  input: (4,)\\n  Dropout(rate: hpo(range: [0.1, 0.5]))\\n  Output(units: 2)\\n}\\n"
result = optimize_and_return(net, 2, storage=":memory:", objective_fn=value, seed=0)
assert len(result.study.trials) == 2
above = ("neural_hpo.distributed", "neural_hpo.multiobjective", "neural_hpo.visualization")
print(",".join(m for m in sys.modules if m.startswith(above)))
"""


def test_a_local_run_loads_no_layer_above_the_engine() -> None:
    """The engine reaches Ray only through the executor registry, by name."""
    out = subprocess.run(
        [sys.executable, "-c", LOCAL_RUN], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "", f"a local run imported {out.stdout}"


def test_an_unknown_executor_is_a_clear_error() -> None:
    from neural_hpo.engine.executors import EXECUTORS, executor_for

    assert EXECUTORS["ray"] == "neural_hpo.distributed.executor:RayExecutor"  # the front door's
    with pytest.raises(ValueError, match=r"no executor 'dask' is registered \(there are: local"):
        executor_for("dask")
