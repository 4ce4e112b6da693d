"""Every Ray trial written to the project's Optuna study, as a local trial would be.

A Tune callback on the driver collects each trial's per-epoch values while it runs and, when it
ends, adds it to the study with ``study.add_trial``: its active parameters with their Optuna
distributions, the objective value, the metrics as user attributes, the per-epoch values as
intermediate values, and the state: COMPLETE, PRUNED (stopped early by the scheduler; its
value is its last epoch's, as Optuna gives a pruned trial) or FAIL (with ``fail_reason``). The
report, importance, the language server and ``neural-hpo studies`` then read Ray runs like
local ones. Each trial carries ``ray_trial_id``, so that a resumed experiment records a trial once.
PBT's changes to a trial's parameters are kept as ``pbt_perturbations``; its parameters are
those it ended with.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import optuna
from optuna.trial import TrialState
from ray.tune import Callback

from neural_hpo.dsl.space import SearchSpace
from neural_hpo.engine.objective import RECORDED_METRICS, failure_reason, loaded_network
from neural_hpo.engine.study import open_storage

from .params import space_values

RAY_TRIAL_ID = "ray_trial_id"


class OptunaRecorder(Callback):
    """Tune callback adding each finished trial to study ``study_name`` at ``storage_url``."""

    def __init__(self, storage_url: str, study_name: str, source: str, network: str, metric: str):
        self.storage_url, self.study_name = storage_url, study_name
        self.source, self.network, self.metric = source, network, metric
        self._study: optuna.Study | None = None
        self._curves: dict[str, dict[int, float]] = {}
        self._configs: dict[str, dict[str, Any]] = {}
        self._perturbations: dict[str, list[dict[str, Any]]] = {}
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
        return {
            "curves": self._curves,
            "configs": self._configs,
            "perturbations": self._perturbations,
            "starts": self._starts,
        }

    def set_state(self, state: dict[str, Any]) -> None:
        self._curves, self._configs = state["curves"], state["configs"]
        self._perturbations, self._starts = state["perturbations"], state["starts"]

    def on_trial_start(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        self._starts.setdefault(trial.trial_id, dt.datetime.now())

    def on_trial_result(
        self, iteration: int, trials: list, trial: Any, result: dict, **info: Any
    ) -> None:
        tid = trial.trial_id
        if self.metric in result:
            self._curves.setdefault(tid, {})[result["training_iteration"] - 1] = result[self.metric]
        config = space_values(self.space, trial.config)
        before = self._configs.setdefault(tid, config)
        changed = {k: v for k, v in config.items() if before.get(k) != v}
        if changed:
            self._perturbations.setdefault(tid, []).append(
                {"epoch": result["training_iteration"] - 1, "params": changed}
            )
            self._configs[tid] = config

    def on_trial_complete(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        result = trial.last_result
        stopped_early = result.get("training_iteration", 0) < result.get("epochs", 0)
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
        attrs[RAY_TRIAL_ID] = tid
        if fail_reason is not None:
            attrs["fail_reason"] = fail_reason
        if tid in self._perturbations:
            attrs["pbt_perturbations"] = self._perturbations[tid]
        value = None
        if state == TrialState.COMPLETE:
            value = result[self.metric]
        elif state == TrialState.PRUNED and curve:
            value = curve[max(curve)]
        frozen = optuna.trial.create_trial(
            state=state,
            value=value,
            params=params,
            distributions={p.name: p.distribution() for p in space if p.name in params},
            user_attrs=attrs,
            intermediate_values=curve,
        )
        frozen.datetime_start = self._starts.get(tid, frozen.datetime_complete)
        study.add_trial(frozen)
        self._recorded.add(tid)
