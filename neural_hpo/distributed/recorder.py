"""Every Ray trial written to the project's Optuna study, as a local trial would be.

A Tune callback on the driver collects each trial's per-epoch values while it runs and, when it
ends, adds it to the study with ``study.add_trial``: its active parameters with their Optuna
distributions, the objective value, the metrics, the device and the Ray node (``node``,
``node_ip``) as user attributes (``ray_failures`` when Tune retried it), the per-epoch values as
intermediate values, and the state: COMPLETE, PRUNED (stopped early by the scheduler; its
value is its last epoch's, as Optuna gives a pruned trial) or FAIL (with ``fail_reason``). The
report, importance, the language server and ``neural-hpo studies`` then read Ray runs like
local ones. Each trial carries ``ray_trial_id``, so that a resumed experiment records a trial once,
and ``ray_experiment`` (the experiment's directory), by which ``budget`` counts a resumed
experiment's trials.
A PBT trial's parameters are those it ended with; ``pbt_exploits`` lists, from Ray's PBT policy
log, each time it (or a trial whose checkpoint it continued) took over another trial's
checkpoint: at which epoch, from which epoch of the other trial, and with which new parameters.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from typing import Any

import optuna
from optuna.trial import TrialState
from ray.tune import Callback

from neural_hpo.dsl.space.model import SearchSpace
from neural_hpo.engine.objective import RECORDED_METRICS, failure_reason, loaded_network
from neural_hpo.engine.optuna_space import distribution
from neural_hpo.engine.study import open_storage

from .params import space_values

RAY_TRIAL_ID = "ray_trial_id"
#: the Ray experiment (its directory) that ran the trial
RAY_EXPERIMENT = "ray_experiment"
#: where the trial ran, as its trainable reports it
PLACEMENT = ("device", "training_precision", "node", "node_ip", "ray_gpus")


class OptunaRecorder(Callback):
    """Tune callback adding each finished trial to study ``study_name`` at ``storage_url``."""

    def __init__(
        self,
        storage_url: str,
        study_name: str,
        source: str,
        network: str,
        metric: str,
        experiment: str,
    ):
        self.storage_url, self.study_name, self.experiment = storage_url, study_name, experiment
        self.source, self.network, self.metric = source, network, metric
        self._study: optuna.Study | None = None
        self._curves: dict[str, dict[int, float]] = {}
        self._starts: dict[str, dt.datetime] = {}
        self._recorded: set[str] | None = None  # ray trial ids in the study, read once

    @property
    def space(self) -> SearchSpace:
        return loaded_network(self.source, self.network).space

    @property
    def study(self) -> optuna.Study:
        if self._study is None:
            self._study = optuna.load_study(
                study_name=self.study_name, storage=open_storage(self.storage_url)
            )
        return self._study

    def __getstate__(self) -> dict[str, Any]:  # Tune pickles callbacks with the experiment
        return {**self.__dict__, "_study": None, "_recorded": None}

    def get_state(self) -> dict[str, Any]:
        return {"curves": self._curves, "starts": self._starts}

    def set_state(self, state: dict[str, Any]) -> None:
        self._curves, self._starts = state["curves"], state["starts"]

    def on_trial_start(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        self._starts.setdefault(trial.trial_id, dt.datetime.now())

    def on_trial_result(
        self, iteration: int, trials: list, trial: Any, result: dict, **info: Any
    ) -> None:
        if self.metric in result:
            self._curves.setdefault(trial.trial_id, {})[result["epoch"] - 1] = result[self.metric]

    def on_trial_complete(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        result = trial.last_result
        stopped_early = result.get("epoch", 0) < result.get("epochs", 0)
        self.record(trial, TrialState.PRUNED if stopped_early else TrialState.COMPLETE)

    def on_trial_error(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        error = trial.get_pickled_error()
        cause = getattr(error, "cause", None) or error
        reason = failure_reason(cause) if cause is not None else "the Ray trial failed"
        self.record(trial, TrialState.FAIL, reason)

    def record(self, trial: Any, state: TrialState, fail_reason: str | None = None) -> None:
        """Add ``trial`` to the study in ``state`` (once: a resumed run skips it)."""
        tid = trial.trial_id
        study = self.study
        if self._recorded is None:
            trials = study.get_trials(deepcopy=False)
            self._recorded = {
                t.user_attrs[RAY_TRIAL_ID] for t in trials if RAY_TRIAL_ID in t.user_attrs
            }
        if tid in self._recorded:
            return
        space = self.space
        params = space_values(space, trial.config, active_only=True)
        result = trial.last_result or {}
        curve = self._curves.get(tid, {})
        attrs: dict[str, Any] = {
            k: result[k] for k in RECORDED_METRICS if k in result and state != TrialState.FAIL
        }
        attrs.update({k: result[k] for k in PLACEMENT if k in result})
        attrs[RAY_TRIAL_ID], attrs[RAY_EXPERIMENT] = tid, self.experiment
        if getattr(trial, "num_failures", 0):  # retried after its worker or node died
            attrs["ray_failures"] = trial.num_failures
        if fail_reason is not None:
            attrs["fail_reason"] = fail_reason
        exploits = self.exploits(trial)
        if exploits:
            attrs["pbt_exploits"] = exploits
        value = None
        if state == TrialState.COMPLETE:
            value = result[self.metric]
        elif state == TrialState.PRUNED and curve:
            value = curve[max(curve)]
        frozen = optuna.trial.create_trial(
            state=state,
            value=value,
            params=params,
            distributions={p.name: distribution(p) for p in space if p.name in params},
            user_attrs=attrs,
            intermediate_values=curve,
        )
        frozen.datetime_start = self._starts.get(tid, frozen.datetime_complete)
        study.add_trial(frozen)
        self._recorded.add(tid)

    def exploits(self, trial: Any) -> list[dict[str, Any]]:
        """The trial's lines of Ray's PBT policy log (none outside PBT)."""
        path = os.path.join(trial.local_experiment_path, f"pbt_policy_{trial.trial_id}.txt")
        if not os.path.exists(path):
            return []
        with open(path) as f:
            rows = [json.loads(line) for line in f if line.strip()]
        return [
            {"epoch": at, "from_epoch": source, "params": space_values(self.space, new)}
            for _tag, _source_tag, at, source, _old, new in rows
        ]
