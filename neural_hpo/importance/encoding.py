"""Trials to a feature matrix on the unit cube, the common input of every importance method.

Each parameter maps to ``[0, 1]`` so that the uniform measure on the cube is the measure the
search space samples from: log-scaled parameters are taken in log space, and discrete ones (ints
with a step, categoricals) map to the centres of K equal cells so that every value carries mass
1/K. Variance-based methods (fANOVA, the GP) integrate over that measure; forests split on it.
A parameter missing from a trial (a conditional one) is NaN there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

from neural_hpo.trials import TrialSet


@dataclass(frozen=True)
class ParamSpace:
    """How one parameter maps to and from its unit interval."""

    name: str
    kind: str  # 'continuous' | 'discrete' | 'categorical'
    low: float  # in the analysed (possibly log) scale; categorical: 0
    high: float
    log: bool = False
    n_values: int = 0  # discrete and categorical: number of values
    choices: tuple[Any, ...] = ()

    @classmethod
    def from_distribution(cls, name: str, dist: BaseDistribution) -> ParamSpace:
        """The unit-interval map of ``dist``; an unsupported distribution is an error."""
        if isinstance(dist, CategoricalDistribution):
            k = len(dist.choices)
            return cls(name, "categorical", 0.0, k - 1.0, n_values=k, choices=tuple(dist.choices))
        if isinstance(dist, (FloatDistribution, IntDistribution)):
            if dist.log:
                return cls(name, "continuous", math.log(dist.low), math.log(dist.high), log=True)
            if dist.step is not None:
                k = round((dist.high - dist.low) / dist.step) + 1
                return cls(name, "discrete", float(dist.low), float(dist.high), n_values=k)
            return cls(name, "continuous", float(dist.low), float(dist.high))
        raise TypeError(f"parameter {name!r} has unsupported distribution {dist!r}")

    @property
    def single(self) -> bool:
        """True when the parameter can take one value only: it cannot matter."""
        return self.high <= self.low if self.kind != "categorical" else self.n_values < 2

    def to_unit(self, value: Any) -> float:
        """The position of ``value`` in ``[0, 1]`` (``units`` of one value)."""
        return float(self.units([value], np.ones(1, dtype=bool))[0])

    def units(self, values: list[Any], present: np.ndarray) -> np.ndarray:
        """The positions in ``[0, 1]`` of the ``values`` where ``present`` (clipped), NaN
        elsewhere: a whole column at once (10,000 trials: 0.1 s value by value)."""
        out = np.full(len(values), np.nan)
        given = [v for v, p in zip(values, present) if p]
        if self.single or not given:
            out[present] = 0.5
            return out
        if self.kind == "categorical":
            first = {c: i for i, c in reversed(list(enumerate(self.choices)))}
            u = (np.array([first[v] for v in given], dtype=float) + 0.5) / self.n_values
        else:
            x = np.array(given, dtype=float)
            u = ((np.log(x) if self.log else x) - self.low) / (self.high - self.low)
            if self.kind == "discrete":
                u = (np.round(u * (self.n_values - 1)) + 0.5) / self.n_values
        out[present] = np.clip(u, 0.0, 1.0)
        return out

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        """Parameter values at unit positions ``u`` (categoricals: the choice index)."""
        u = np.asarray(u, dtype=float)
        if self.kind in ("categorical", "discrete"):
            index = np.clip(np.floor(u * self.n_values), 0, self.n_values - 1)
            if self.kind == "categorical":
                return index
            return self.low + index * (self.high - self.low) / max(self.n_values - 1, 1)
        x = self.low + u * (self.high - self.low)
        return np.exp(x) if self.log else x


@dataclass
class Encoded:
    """Unit-cube features ``X`` (NaN where a parameter is inactive) and target ``y``."""

    X: np.ndarray
    y: np.ndarray
    spaces: list[ParamSpace]
    metric: str
    excluded: dict[str, int]

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.spaces]

    def take(self, rows: np.ndarray, cols: list[int]) -> Encoded:
        """The sub-problem on ``rows`` and parameter columns ``cols``."""
        return Encoded(
            self.X[np.ix_(rows, cols)],
            self.y[rows],
            [self.spaces[c] for c in cols],
            self.metric,
            self.excluded,
        )


def encode(ts: TrialSet, metric: str) -> Encoded:
    """The unit-cube matrix of complete trials that recorded ``metric``, read-only and made once
    per trial set (the importance and the marginal-effects figure both need it).

    Failed, pruned and running trials, and complete ones without the metric, are left out and
    counted in ``excluded``. Parameters that can take one value only are dropped. Ranges come
    from the trials' distributions (the first recorded one per parameter).
    """
    return ts.memo(("encode", metric), lambda: _encode(ts, metric))


def _encode(ts: TrialSet, metric: str) -> Encoded:
    usable, y = ts.metric_column(metric)
    if not usable:
        raise ValueError(
            f"trials: no complete trial recorded {metric!r} (states: {ts.by_state() or 'none'})"
        )
    excluded = {k: v for k, v in ts.by_state().items() if k != "COMPLETE"}
    missing = len(ts.complete()) - len(usable)
    if missing:
        excluded["COMPLETE_WITHOUT_METRIC"] = missing
    used = {k for t in usable for k in t.params}
    spaces = [
        ParamSpace.from_distribution(n, d) for n, d in ts.distributions().items() if n in used
    ]
    spaces = [s for s in spaces if not s.single]
    X = np.full((len(usable), len(spaces)), np.nan)
    for c, s in enumerate(spaces):
        present = np.array([s.name in t.params for t in usable], dtype=bool)
        X[:, c] = s.units([t.params.get(s.name) for t in usable], present)
    X.flags.writeable = False  # shared by every caller
    return Encoded(X, y, spaces, metric, excluded)
