"""``training: { constraints: {...} }`` in the DSL: checked like every other setting."""

from __future__ import annotations

import pytest
from corpus import wrap

from neural_hpo.dsl.analysis import analyze
from neural_hpo.dsl.catalog import METRIC_DIRECTIONS
from neural_hpo.dsl.constraints import Constraint, parse_constraints


def codes(training: str) -> list[str]:
    source = wrap(f"Dense(units: 10)\ntraining: {{ {training} }}")
    return [d.code for d in analyze(source, "t.neural").diagnostics]


@pytest.mark.parametrize(
    ("training", "expected"),
    [
        ('constraints: { latency_ms: "< 100", accuracy: ">= 0.9" }', []),
        ('constraints: { latency_ms: "<= 1e2", size_mb: "> 0.5" }', []),
        ('constraints: { speed: "< 100" }', ["E314"]),
        ('constraints: { latency_ms: "about 100" }', ["E316"]),
        ('constraints: { latency_ms: "== 100" }', ["E316"]),
        ("constraints: { latency_ms: 100 }", ["E316"]),
        ('constraints: "latency_ms < 100"', ["E303"]),
        ("constraints: { latency_ms: hpo(categorical: [1, 2]) }", ["E210"]),
    ],
)
def test_constraint_diagnostics(training, expected):
    assert codes(training) == expected


def test_constraint_values_follow_optuna_feasibility():
    strict, loose = parse_constraints(
        {"latency_ms": "< 100", "accuracy": ">= 0.9"}, METRIC_DIRECTIONS
    )
    assert strict == Constraint("latency_ms", "<", 100.0)
    assert strict.violation(99.0) <= 0 < strict.violation(100.0)  # a strict bound excludes 100
    assert loose.violation(0.9) <= 0 < loose.violation(0.8)
    assert loose.violation(0.8) == pytest.approx(0.1)  # violation size, for the sampler
    assert str(strict) == "latency_ms < 100" and strict.key == "latency_ms<100"
