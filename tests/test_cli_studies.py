"""``neural-hpo studies`` shows the best feasible value of each stored study."""

from __future__ import annotations

import json

import optuna
import pytest
from optuna.distributions import FloatDistribution
from optuna.trial import create_trial

from neural_hpo.cli import main


@pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
def test_best_value_skips_trials_that_broke_a_constraint(tmp_path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    study = optuna.create_study(study_name="c", storage=url, direction="maximize")
    study.set_metric_names(["accuracy"])
    dist = {"x": FloatDistribution(0, 1)}
    for value, violation in ((0.99, 1.0), (0.90, 0.0)):
        study.add_trial(
            create_trial(
                value=value,
                params={"x": value / 2},
                distributions=dist,
                system_attrs={"constraints": [violation]},
            )
        )
    assert main(["studies", "--storage", url, "--json"]) == 0
    (row,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert row["study"] == "c" and row["metric"] == "accuracy" and row["trials"] == 2
    assert row["best_value"] == 0.90 and row["best_params"] == {"x": 0.45}
