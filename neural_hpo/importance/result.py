"""What an importance analysis returns: the numbers, and how far to trust them.

``ImportanceResult`` is a read-only mapping ``{param: importance}`` (normalized to sum to 1, most
important first), so it prints and indexes like the plain dict users expect, and it carries the
method, trial count, spread, exclusions and a confidence verdict alongside.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np


@dataclass
class Estimate:
    """One method's raw output on one fully-active sub-problem, per feature column.

    ``scores`` are on the method's own scale, read as a share of the target's variance.
    """

    scores: np.ndarray
    std: np.ndarray | None = None
    r2: float | None = None
    first_order: np.ndarray | None = None
    first_order_std: np.ndarray | None = None
    total_order: np.ndarray | None = None
    total_order_std: np.ndarray | None = None
    pairwise: dict[tuple[int, int], float] | None = None
    #: each feature's marginal effect (mean, std across the surrogate's trees), (features, grid)
    marginals: tuple[np.ndarray, np.ndarray] | None = None


@dataclass(eq=False)
class ImportanceResult(Mapping):
    """Normalized importances plus everything needed to judge them.

    ``importances`` sum to 1 (all 0 when the metric never varies). ``first_order`` and
    ``total_order`` are raw Sobol indices (fractions of the metric's variance, not normalized)
    from the variance-based methods; ``interactions`` maps parameter pairs to the fraction of
    variance their pairwise term explains. ``std`` is on the scale of ``importances``.
    """

    importances: dict[str, float]
    method: str
    metric: str
    n_trials: int
    confidence: str = "high"
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    std: dict[str, float] | None = None
    r2: float | None = None
    excluded: dict[str, int] = field(default_factory=dict)
    first_order: dict[str, float] | None = None
    first_order_std: dict[str, float] | None = None
    total_order: dict[str, float] | None = None
    total_order_std: dict[str, float] | None = None
    interactions: dict[tuple[str, str], float] | None = None
    #: per parameter, its marginal effect on the metric ``[mean, std]`` at
    #: ``fanova.MARGINAL_GRID`` (fANOVA only), so the marginal-effects figure needs no refit
    marginals: dict[str, list[list[float]]] | None = None

    def __getitem__(self, key: str) -> float:
        return self.importances[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.importances)

    def __len__(self) -> int:
        return len(self.importances)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ImportanceResult):
            return self.to_json() == other.to_json()
        return Mapping.__eq__(self, other)

    __hash__ = None  # type: ignore[assignment]

    def __str__(self) -> str:
        head = {k: round(v, 4) for k, v in self.importances.items()}
        verdict = f"{self.confidence} confidence" + (
            f": {'; '.join(self.reasons)}" if self.reasons else ""
        )
        return f"{head} [{self.method}, {self.n_trials} trials, {verdict}]"

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data (pairs as ``[a, b, value]``), the inverse of ``from_json``."""
        data = asdict(self)
        if self.interactions is not None:
            data["interactions"] = [[a, b, v] for (a, b), v in self.interactions.items()]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ImportanceResult:
        """The result ``to_json`` wrote."""
        data = dict(data)
        if data.get("interactions") is not None:
            data["interactions"] = {(a, b): v for a, b, v in data["interactions"]}
        return cls(**data)
