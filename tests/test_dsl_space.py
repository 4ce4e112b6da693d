"""Search space: Optuna and Ray forms, define-by-run sampling, materialize, warnings."""

from __future__ import annotations

import optuna
import pytest
from corpus import wrap

from neural_hpo.dsl.analysis import analyze
from neural_hpo.dsl.model import Literal
from neural_hpo.dsl.space.materialize import materialize
from neural_hpo.engine.optuna_space import distributions, suggest_space

SRC = wrap(
    "Dense(units: hpo(categorical: [64, 128])) -> hpo(categorical: [relu, tanh])\n"
    "Dropout(rate: hpo(range: [0.1, 0.5, step=0.1]))\n"
    "Dense(HPO(choice(HPO(range(16, 64, step=16)), 5)))\n"
    "Output(units: 10)\n"
    "optimizer: adam(learning_rate: hpo(log_range: [1e-4, 1e-2]))\n"
    "training: { batch_size: hpo(range: [16, 64, step=16]) }"
)


def _net_space():
    analysis = analyze(SRC)
    assert analysis.errors == []
    return analysis.file.networks[0], analysis.spaces["Net"]


def test_optuna_distributions() -> None:
    _, space = _net_space()
    d = distributions(space)
    assert isinstance(d["dense_1.units"], optuna.distributions.CategoricalDistribution)
    assert d["dropout_1.rate"] == optuna.distributions.FloatDistribution(0.1, 0.5, step=0.1)
    assert d["optimizer.learning_rate"] == optuna.distributions.FloatDistribution(
        1e-4, 1e-2, log=True
    )
    assert d["training.batch_size"] == optuna.distributions.IntDistribution(16, 64, step=16)


def test_define_by_run_sampling_and_materialize() -> None:
    net, space = _net_space()
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    seen_child = seen_fixed = False
    for _ in range(30):
        trial = study.ask()
        params = suggest_space(space, trial)
        concrete = materialize(net, params, space)
        units = concrete.layers[2].args[0].value
        assert isinstance(units, Literal)
        if params["dense_2.units"] == 5:
            assert "dense_2.units[0]" not in params and units.value == 5
            seen_fixed = True
        else:
            assert units.value == params["dense_2.units[0]"] in (16, 32, 48, 64)
            seen_child = True
        assert concrete.layers[0].activation.name == params["dense_1.activation"]
        study.tell(trial, 0.0)
    assert seen_child and seen_fixed


def test_materialize_errors_name_the_parameter() -> None:
    net, space = _net_space()
    good = {
        "dense_1.units": 64,
        "dense_1.activation": "relu",
        "dropout_1.rate": 0.2,
        "dense_2.units": 5,
        "optimizer.learning_rate": 1e-3,
        "training.batch_size": 32,
    }
    materialize(net, good, space)
    with pytest.raises(ValueError, match=r"dropout_1\.rate is missing"):
        materialize(net, {k: v for k, v in good.items() if k != "dropout_1.rate"}, space)
    with pytest.raises(ValueError, match=r"dropout_1.rate=0.25 is outside"):
        materialize(net, {**good, "dropout_1.rate": 0.25}, space)
    with pytest.raises(ValueError, match=r"dense_1.units=100 is outside"):
        materialize(net, {**good, "dense_1.units": 100}, space)
    with pytest.raises(ValueError, match="unknown parameter"):
        materialize(net, {**good, "dense_9.units": 1}, space)
    with pytest.raises(ValueError, match=r"dense_2\.units\[0\] is missing"):
        materialize(net, {**good, "dense_2.units": "dense_2.units[0]"}, space)


def test_ray_space_samples_inside_the_domains() -> None:
    from ray import tune

    from neural_hpo.distributed.ray_space import ray_space

    _, space = _net_space()
    samplers = ray_space(space)
    assert isinstance(samplers["dense_1.units"], tune.search.sample.Categorical)
    for _ in range(20):
        for p in space:
            value = samplers[p.name].sample()
            assert p.contains(value), (p.name, value)


def test_signature_changes_with_the_space() -> None:
    _, space = _net_space()
    other = analyze(SRC.replace("[64, 128]", "[64, 256]")).spaces["Net"]
    assert space.signature() != other.signature()
    assert space.signature() == analyze(SRC + "\n# a comment\n").spaces["Net"].signature()


# ---- warnings ------------------------------------------------------------------------------------


def _codes(src: str, **kw) -> list[str]:
    return [d.code for d in analyze(src, **kw).diagnostics]


def test_one_value_categorical_warns() -> None:
    assert _codes(wrap("Dense(units: hpo(categorical: [64]))\nOutput(units: 10)")) == ["W501"]


def test_constant_range_warns() -> None:
    assert _codes(wrap("Dropout(rate: hpo(range: [0.5, 0.5000000001]))\nOutput(units: 10)")) == [
        "W502"
    ]


def test_budget_warning_from_argument_and_from_dsl() -> None:
    body = "Dense(units: hpo(range: [8, 512]))\nDropout(rate: hpo(range: [0.1, 0.5]))\nOutput(units: 10)"
    assert _codes(wrap(body), n_trials=5) == ["W503"]
    assert _codes(wrap(body), n_trials=50) == []
    assert _codes(wrap(body + "\ntraining: { n_trials: 5 }")) == ["W503"]


def test_sampler_fit_warnings() -> None:
    body = "Dense(units: hpo(categorical: [8, 16]))\nDropout(rate: hpo(range: [0.1, 0.5]))\nOutput(units: 10)"
    assert _codes(wrap(body), sampler="cmaes") == ["W504"]
    assert _codes(wrap(body), sampler="grid") == ["W504"]
    assert _codes(wrap(body), sampler="tpe") == []
    assert _codes(wrap(body + '\ntrain { search_method: "evolutionary" }')) == ["W504"]


def test_a_corner_of_a_billion_parameters_is_warned_about():
    body = "Flatten()\nDense(units: hpo(categorical: [64, {}]))\nDense(units: 40000)\nOutput(units: 10)"
    assert _codes(wrap(body.format(128))) == []
    (d,) = [d for d in analyze(wrap(body.format(40000))).diagnostics]
    assert d.code == "W506" and "1,631,840,010 parameters" in d.message and d.span.line == 0
