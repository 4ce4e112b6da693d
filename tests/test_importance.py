"""Importance on realistic studies: encodings, exclusions, confidence, errors, cache and CLI."""

from __future__ import annotations

import math
import warnings

import numpy as np
import optuna
import pytest
from hypothesis import given
from hypothesis import strategies as st
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.trial import TrialState, create_trial

from neural_hpo.cli import main
from neural_hpo.cli.importance import METHOD_CHOICES
from neural_hpo.importance import (
    METHODS,
    ImportanceResult,
    cached_importance,
    compute_and_cache,
    importance,
)
from neural_hpo.importance.encoding import ParamSpace, encode
from neural_hpo.trials import history, load_trials

optuna.logging.set_verbosity(optuna.logging.WARNING)

LR = FloatDistribution(1e-5, 1e-1, log=True)
OPT = CategoricalDistribution(["adam", "sgd", "rmsprop"])
UNITS = IntDistribution(16, 256, step=16)
MOMENTUM = FloatDistribution(0.0, 1.0)


def hpo_study(n: int = 150, seed: int = 0, storage: str | None = None) -> optuna.Study:
    """Accuracy peaks at lr = 1e-3 (log scale), depends on the optimizer, and on momentum only
    where it exists (sgd); units do nothing. Two failed and three pruned trials on top."""
    rng = np.random.default_rng(seed)
    study = optuna.create_study(study_name="hpo", direction="maximize", storage=storage)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        study.set_metric_names(["accuracy"])
    trials = []
    for _ in range(n):
        lr = float(np.exp(rng.uniform(math.log(1e-5), math.log(1e-1))))
        opt = str(rng.choice(OPT.choices))
        params = {"lr": lr, "optimizer": opt, "units": int(rng.choice(np.arange(16, 257, 16)))}
        dists = {"lr": LR, "optimizer": OPT, "units": UNITS}
        acc = (
            0.9
            - 0.05 * (math.log10(lr) + 3) ** 2
            + {"adam": 0.05, "sgd": 0.0, "rmsprop": 0.02}[opt]
        )
        if opt == "sgd":
            params["momentum"] = float(rng.uniform(0, 1))
            dists["momentum"] = MOMENTUM
            acc += 0.2 * params["momentum"]
        trials.append(
            create_trial(
                params=params, distributions=dists, value=acc, user_attrs={"loss": 1 - acc}
            )
        )
    trials += [create_trial(state=TrialState.FAIL, params={}, distributions={})] * 2
    trials += [
        create_trial(state=TrialState.PRUNED, params={"lr": 1e-3}, distributions={"lr": LR})
    ] * 3
    study.add_trials(trials)
    return study


@pytest.fixture(scope="module")
def study() -> optuna.Study:
    return hpo_study()


def test_log_parameter_is_encoded_in_log_space() -> None:
    space = ParamSpace.from_distribution("lr", LR)
    assert space.to_unit(1e-3) == pytest.approx(0.5)  # log-midpoint of 1e-5 .. 1e-1
    assert space.from_unit(np.array([0.5]))[0] == pytest.approx(1e-3)


def test_discrete_and_categorical_values_take_equal_cells() -> None:
    units = ParamSpace.from_distribution("units", UNITS)
    assert units.n_values == 16
    assert units.to_unit(16) == pytest.approx(0.5 / 16) and units.to_unit(256) == pytest.approx(
        15.5 / 16
    )
    opt = ParamSpace.from_distribution("optimizer", OPT)
    assert [opt.to_unit(c) for c in OPT.choices] == pytest.approx([1 / 6, 3 / 6, 5 / 6])


@pytest.mark.parametrize("method", list(METHODS))
def test_every_method_finds_what_matters(study, method: str) -> None:
    result = importance(study, "accuracy", method)
    assert isinstance(result, ImportanceResult) and dict(result) == result.importances
    assert sum(result.values()) == pytest.approx(1.0)
    assert set(result) == {"lr", "optimizer", "units", "momentum"}
    assert next(iter(result)) == "lr"  # the log-scale effect dominates
    assert result["units"] < 0.1  # units never matter
    assert result.n_trials == 150 and result.excluded == {"FAIL": 2, "PRUNED": 3}
    assert "left out: 2 FAIL, 3 PRUNED" in result.notes
    assert "momentum: scored on the" in " ".join(result.notes)  # only where sgd set it


def test_conditional_parameter_is_scored_where_active(study) -> None:
    result = importance(study, "accuracy", "fanova")
    # momentum explains much of the variance among sgd trials, weighted by their share
    assert 0.05 < result["momentum"] < 0.6
    assert result.first_order["momentum"] > result.first_order["units"]


def test_few_trials_are_low_confidence() -> None:
    result = importance(hpo_study(n=40), "accuracy", "fanova")
    assert result.confidence == "low"
    assert any("fanova needs 100+" in r for r in result.reasons)
    assert "low confidence" in str(result)


def test_poor_fit_is_low_confidence() -> None:
    rng = np.random.default_rng(1)
    study = optuna.create_study()
    dist = FloatDistribution(0, 1)
    study.add_trials(
        [
            create_trial(params={"a": float(a)}, distributions={"a": dist}, value=float(v))
            for a, v in zip(rng.random(200), rng.normal(size=200))
        ]
    )
    result = importance(study, "value", "random_forest")
    assert result.confidence == "low"
    assert any("R²" in r for r in result.reasons)


def test_history_and_frozen_trials_give_the_same_answer(study) -> None:
    from_study = importance(study, "accuracy", "random_forest")
    assert importance(history(study), "accuracy", "random_forest") == from_study
    # loss = 1 - accuracy: the same ranking, up to rounding in the forest's splits
    from_frozen = importance(study.trials, "loss", "random_forest")
    assert from_frozen.importances == pytest.approx(from_study.importances, abs=0.01)


def test_bad_input_names_the_argument(study) -> None:
    with pytest.raises(KeyError, match="unknown metric 'acc'"):
        importance(study, "acc")
    with pytest.raises(ValueError, match="method: unknown 'svm'"):
        importance(study, "accuracy", "svm")
    failed = optuna.create_study()
    failed.add_trials([create_trial(state=TrialState.FAIL, params={}, distributions={})])
    with pytest.raises(ValueError, match="trials: no complete trial recorded 'value'"):
        importance(failed, "value")
    with pytest.raises(TypeError, match="trials must be"):
        importance("hpo", "accuracy")


def test_constant_metric_is_zero_and_low_confidence() -> None:
    study = optuna.create_study()
    dist = FloatDistribution(0, 1)
    study.add_trials(
        [
            create_trial(params={"a": a}, distributions={"a": dist}, value=1.0)
            for a in (0.1, 0.5, 0.9)
        ]
    )
    result = importance(study, "value", "fanova")
    assert result.importances == {"a": 0.0}
    assert "the metric never varies" in result.reasons


def test_cache_round_trip_in_sqlite(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    study = hpo_study(n=60, storage=url)
    assert cached_importance(study, "accuracy", "fanova") is None
    computed = compute_and_cache(study, "accuracy", "fanova")
    reloaded = optuna.load_study(study_name="hpo", storage=url)
    cached = cached_importance(reloaded, "accuracy", "fanova")
    assert cached == computed and cached.interactions == computed.interactions
    assert cached_importance(reloaded, "accuracy", "random_forest") is None
    reloaded.add_trial(reloaded.trials[0])  # one more complete trial: the entry is stale
    assert cached_importance(reloaded, "accuracy", "fanova") is None


def test_a_caller_s_trials_are_not_read_again(tmp_path, monkeypatch) -> None:
    """The report has read a (large, slow) RDB study's trials once: the cache check and the
    computation use those, and the encoding is made once per trial set, read-only."""
    study = hpo_study(n=60, storage=f"sqlite:///{tmp_path / 'studies.db'}")
    ts, other = load_trials(study), load_trials(study)
    monkeypatch.setattr(study, "get_trials", lambda *a, **k: pytest.fail("trials read again"))
    computed = compute_and_cache(study, "accuracy", "fanova", trials=ts)
    assert cached_importance(study, "accuracy", "fanova", trials=ts) == computed
    data = encode(ts, "accuracy")
    assert encode(ts, "accuracy") is data and not data.X.flags.writeable
    assert encode(other, "accuracy") is not data  # another set: its own


def test_cli_prints_the_table(tmp_path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    hpo_study(n=60, storage=url)
    assert main(["importance", "hpo", "--storage", url, "--method", "random_forest"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["parameter", "importance", "±", "std"]
    assert "lr" in out and "60 trials (left out: 2 FAIL, 3 PRUNED)" in out
    assert out.splitlines()[-1].startswith("confidence: ")
    study = optuna.load_study(study_name="hpo", storage=url)
    assert cached_importance(study, "accuracy", "random_forest") is not None


def test_cli_choices_match_the_methods() -> None:
    assert set(METHOD_CHOICES) == set(METHODS)


@given(st.floats(min_value=1e-5, max_value=1e-1), st.integers(min_value=0, max_value=15))
def test_unit_encoding_round_trips(lr: float, step: int) -> None:
    log_space = ParamSpace.from_distribution("lr", LR)
    u = log_space.to_unit(lr)
    assert 0.0 <= u <= 1.0
    assert log_space.from_unit(np.array([u]))[0] == pytest.approx(lr, rel=1e-9)
    units = ParamSpace.from_distribution("units", UNITS)
    value = 16 + 16 * step
    assert units.from_unit(np.array([units.to_unit(value)]))[0] == pytest.approx(value)


DISTRIBUTIONS = [
    FloatDistribution(0.1, 0.9),
    FloatDistribution(1e-4, 1e-1, log=True),
    FloatDistribution(0.3, 0.7, step=0.1),
    IntDistribution(16, 256, log=True),
    IntDistribution(1, 9, step=2),
    CategoricalDistribution([64, 128, "relu", None, 1.5]),
    FloatDistribution(0.5, 0.5),
]


@given(st.sampled_from(DISTRIBUTIONS), st.data())
def test_a_column_at_once_is_to_unit_one_by_one(dist, data):
    """``ParamSpace.units`` (the vectorised encoder) against the per-value formula, clipped."""
    space = ParamSpace.from_distribution("p", dist)
    n = data.draw(st.integers(0, 12))
    values = [_draw(dist, data) for _ in range(n)]
    present = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    got = space.units(values, present)
    want = [
        min(max(_reference_unit(space, v), 0.0), 1.0) if p else math.nan
        for v, p in zip(values, present)
    ]
    np.testing.assert_allclose(got, np.array(want, dtype=float), rtol=0, atol=1e-12)


def _draw(dist, data):
    if isinstance(dist, CategoricalDistribution):
        return data.draw(st.sampled_from(dist.choices))
    if isinstance(dist, IntDistribution):
        return data.draw(st.integers(dist.low, dist.high))
    return data.draw(st.floats(dist.low, dist.high))


def _reference_unit(space: ParamSpace, value) -> float:
    """The encoder's formula one value at a time (the oracle of the vectorised one)."""
    if space.single:
        return 0.5
    if space.kind == "categorical":
        return (space.choices.index(value) + 0.5) / space.n_values
    x = math.log(value) if space.log else float(value)
    if space.kind == "discrete":
        index = round((x - space.low) / (space.high - space.low) * (space.n_values - 1))
        return (index + 0.5) / space.n_values
    return (x - space.low) / (space.high - space.low)
