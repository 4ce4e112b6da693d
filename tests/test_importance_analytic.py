"""Importance against analytic Sobol indices on real Optuna studies of 1,000 uniform trials."""

from __future__ import annotations

import numpy as np
import optuna
import pytest
from importance_studies import BENCHMARKS, ISHIGAMI_TOTAL, uniform_study

from neural_hpo.importance import ImportanceResult, importance

optuna.logging.set_verbosity(optuna.logging.WARNING)
TOLERANCE = 0.05


@pytest.fixture(scope="module")
def studies() -> dict[str, optuna.Study]:
    return {name: uniform_study(name, 1000) for name in BENCHMARKS}


@pytest.fixture(scope="module")
def result(studies):
    """``result(name, method)``: each analysis once per module."""
    done: dict[tuple[str, str], ImportanceResult] = {}

    def get(name: str, method: str) -> ImportanceResult:
        if (name, method) not in done:
            done[name, method] = importance(studies[name], "value", method)
        return done[name, method]

    return get


@pytest.mark.parametrize("method", ["fanova", "gp"])
@pytest.mark.parametrize("name", list(BENCHMARKS))
def test_variance_methods_recover_first_order(result, name: str, method: str) -> None:
    res = result(name, method)
    truth = BENCHMARKS[name][4]
    got = [res.first_order[f"x{j}"] for j in range(len(truth))]
    assert np.max(np.abs(np.array(got) - truth)) < TOLERANCE, got
    assert res.confidence == "high", res.reasons
    assert res.n_trials == 1000 and res.method == method
    # the normalized importances are the first-order indices rescaled to sum to 1
    norm = np.array(got) / np.sum(got)
    assert [res[f"x{j}"] for j in range(len(truth))] == pytest.approx(norm, abs=1e-9)


def test_gp_recovers_total_order(result) -> None:
    res = result("ishigami", "gp")
    got = [res.total_order[f"x{j}"] for j in range(3)]
    assert got == pytest.approx(ISHIGAMI_TOTAL, abs=TOLERANCE)
    assert set(res.total_order_std) == {"x0", "x1", "x2"}


def test_fanova_finds_the_ishigami_interaction(result) -> None:
    pairs = result("ishigami", "fanova").interactions
    strongest = max(pairs, key=pairs.get)
    assert set(strongest) == {"x0", "x2"}  # only x1 * x3 interact (0.244 of the variance)


@pytest.mark.parametrize("method", ["random_forest", "permutation"])
def test_total_effect_methods_rank_like_total_order(studies, method: str) -> None:
    ishigami = importance(studies["ishigami"], "value", method)
    assert list(ishigami)[:3] == ["x0", "x1", "x2"]  # total order 0.558 > 0.442 > 0.244
    g = importance(studies["g_function"], "value", method)
    assert list(g)[:3] == ["x0", "x1", "x2"]  # x4, x5 (a = 99) and x3 are all near zero
    linear = importance(studies["linear"], "value", method)
    assert list(linear) == ["x2", "x1", "x0", "x3"]
    assert sum(ishigami.values()) == pytest.approx(1.0)
