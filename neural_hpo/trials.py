"""One view of finished trials, whatever the caller holds.

Analysis, plots and the report accept an Optuna study, a list of ``FrozenTrial`` or the trial
history that ``optimize_and_return`` returns. ``load_trials`` turns each into a ``TrialSet`` so
that every consumer resolves metric names and directions the same way.

Where metrics live: the engine records every metric of a trial (``loss``, ``accuracy``, ...) as a
user attribute of that name, and names the study's objectives with ``study.set_metric_names``.
A metric is looked up first among the objectives, then among the user attributes.
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import optuna
from optuna.distributions import (
    BaseDistribution,
    distribution_to_json,
    json_to_distribution,
)
from optuna.trial import FrozenTrial, TrialState

from neural_hpo.dsl.catalog import METRIC_DIRECTIONS

#: how Optuna names a trial's constraint values among its system attributes
_CONSTRAINTS_PREFIX = "constraints:"


@dataclass
class TrialSet:
    """Trials of one study with the names and directions of its objectives."""

    trials: list[FrozenTrial]
    metric_names: list[str] = field(default_factory=list)
    directions: list[str] = field(default_factory=list)
    study_name: str = ""
    #: ``metric_column``'s answers by metric (the trials are not changed after the set is made)
    _columns: dict[str, tuple[tuple[FrozenTrial, ...], np.ndarray]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    #: what layers above derive from these trials once (``memo``), by their own keys
    _memo: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def by_state(self) -> dict[str, int]:
        """Count of trials in each state, e.g. ``{'COMPLETE': 8, 'PRUNED': 2}``."""
        counts: dict[str, int] = {}
        for t in self.trials:
            counts[t.state.name] = counts.get(t.state.name, 0) + 1
        return counts

    def complete(self) -> list[FrozenTrial]:
        """The trials that finished; failed, pruned and running ones carry no final value."""
        return list(self._complete)

    @functools.cached_property
    def _complete(self) -> tuple[FrozenTrial, ...]:
        return tuple(t for t in self.trials if t.state == TrialState.COMPLETE)

    def feasible(self) -> list[FrozenTrial]:
        """Complete trials that met every constraint of the study (all of them without any)."""
        return [t for t in self.complete() if is_feasible(t)]

    def default_metric(self) -> str:
        """The first objective's name, or ``value`` for an unnamed single objective."""
        return self.metric_names[0] if self.metric_names else "value"

    def direction(self, metric: str) -> str:
        """``maximize`` or ``minimize`` for ``metric``."""
        if metric in self.metric_names:
            return self.directions[self.metric_names.index(metric)]
        if metric in ("value", "objective") and self.directions:
            return self.directions[0]
        if metric in METRIC_DIRECTIONS:
            return METRIC_DIRECTIONS[metric]
        raise KeyError(
            f"unknown metric {metric!r}: the trials record "
            f"{', '.join(self.available_metrics()) or 'no metrics'}"
        )

    def available_metrics(self) -> list[str]:
        """Objective names and numeric user attributes found on the trials."""
        return list(self._found_metrics)

    @functools.cached_property
    def _found_metrics(self) -> tuple[str, ...]:
        """Read once (each figure asks): a TrialSet's trials are not changed after it is made."""
        names = list(self.metric_names) or (["value"] if self.directions else [])
        for t in self.trials:
            for k, v in t.user_attrs.items():
                if k not in names and _is_number(v):
                    names.append(k)
        return tuple(names)

    def metric_value(self, trial: FrozenTrial, metric: str) -> float | None:
        """The value of ``metric`` on ``trial``; None when the trial did not record it."""
        if metric in self.metric_names and trial.values is not None:
            return float(trial.values[self.metric_names.index(metric)])
        if metric in ("value", "objective") and trial.values is not None:
            return float(trial.values[0])
        v = trial.user_attrs.get(metric)
        return float(v) if _is_number(v) else None

    def values(self, metric: str, trials: Sequence[FrozenTrial] | None = None) -> list[float]:
        """``metric`` of each complete trial (or of ``trials``) that recorded a finite value."""
        out = []
        for t in self.complete() if trials is None else trials:
            v = self.metric_value(t, metric)
            if v is not None and math.isfinite(v):
                out.append(v)
        return out

    def with_metric(self, metric: str) -> list[FrozenTrial]:
        """Complete trials that recorded a finite ``metric``; an unknown metric is an error."""
        return list(self.metric_column(metric)[0])

    def metric_column(self, metric: str) -> tuple[tuple[FrozenTrial, ...], np.ndarray]:
        """``with_metric``'s trials and their values, read once per metric (each figure of a
        report asks); an unknown metric is an error."""
        if metric not in self.available_metrics():
            raise KeyError(
                f"unknown metric {metric!r}: the trials record "
                f"{', '.join(self.available_metrics()) or 'no metrics'}"
            )
        if metric not in self._columns:
            pairs = [(t, self.metric_value(t, metric)) for t in self._complete]
            kept = [(t, v) for t, v in pairs if v is not None and math.isfinite(v)]
            values = np.array([v for _, v in kept], dtype=float)
            values.flags.writeable = False  # shared by every caller
            self._columns[metric] = (tuple(t for t, _ in kept), values)
        return self._columns[metric]

    def memo(self, key: Any, make: Callable[[], Any]) -> Any:
        """``make()``, computed once per ``key`` for this set: an analysis that several figures
        (or a process forked after it) need reads it here instead of repeating it."""
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]

    def best(self, metric: str) -> FrozenTrial | None:
        """The feasible complete trial with the best ``metric``."""
        ts = [t for t in self.with_metric(metric) if is_feasible(t)]
        if not ts:
            return None
        sign = 1.0 if self.direction(metric) == "maximize" else -1.0
        return max(ts, key=lambda t: sign * self.metric_value(t, metric))  # type: ignore[operator]

    def param_names(self) -> list[str]:
        """Parameter names in first-seen order across the trials."""
        names: list[str] = []
        for t in self.trials:
            for k in t.params:
                if k not in names:
                    names.append(k)
        return names

    def distributions(self) -> dict[str, BaseDistribution]:
        """Each parameter's distribution, as the trials recorded it."""
        return dict(self._distributions)

    @functools.cached_property
    def _distributions(self) -> dict[str, BaseDistribution]:
        out: dict[str, BaseDistribution] = {}
        for t in self.trials:
            for k, d in t.distributions.items():
                out.setdefault(k, d)
        return out


def is_feasible(trial: FrozenTrial) -> bool:
    """Whether ``trial`` met every constraint it carries (Optuna: each value ≤ 0); a trial
    without constraints is feasible."""
    return all(v <= 0.0 for v in trial.constraints.values())


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def load_trials(trials: Any) -> TrialSet:
    """A ``TrialSet`` from a study, a ``TrialSet``, FrozenTrials or a trial-history list."""
    if isinstance(trials, TrialSet):
        return trials
    if isinstance(trials, optuna.Study):
        return TrialSet(
            trials=trials.get_trials(deepcopy=False),
            metric_names=list(trials.metric_names or []),
            directions=[d.name.lower() for d in trials.directions],
            study_name=trials.study_name,
        )
    if isinstance(trials, dict) and "_study" in trials:
        return load_trials(trials["_study"])
    if isinstance(trials, Iterable) and not isinstance(trials, (str, bytes, dict)):
        items = list(trials)
        if all(isinstance(t, FrozenTrial) for t in items):
            return TrialSet(trials=items)
        if all(isinstance(t, dict) for t in items):
            return _from_history(items)
    raise TypeError(
        "trials must be an optuna Study, a list of FrozenTrial or the '_trials_history' list "
        f"returned by optimize_and_return; got {type(trials).__name__}"
    )


def trial_to_dict(
    trial: FrozenTrial, metric_names: Sequence[str] = (), directions: Sequence[str] = ()
) -> dict[str, Any]:
    """One entry of a trial history: plain JSON-able data, enough to rebuild the trial."""
    metrics = {k: v for k, v in trial.user_attrs.items() if _is_number(v)}
    if metric_names and trial.values is not None:
        metrics.update(zip(metric_names, trial.values))
    return {
        "number": trial.number,
        "state": trial.state.name,
        "params": dict(trial.params),
        "distributions": {k: distribution_to_json(d) for k, d in trial.distributions.items()},
        "value": trial.values[0] if trial.values is not None and len(trial.values) == 1 else None,
        "values": list(trial.values) if trial.values is not None else None,
        "metric_names": list(metric_names),
        "directions": list(directions),
        "metrics": metrics,
        "intermediate_values": dict(trial.intermediate_values),
        "user_attrs": dict(trial.user_attrs),
        "datetime_start": _iso(trial.datetime_start),
        "datetime_complete": _iso(trial.datetime_complete),
        "fail_reason": trial.system_attrs.get("fail_reason") or trial.user_attrs.get("fail_reason"),
        "constraints": dict(trial.constraints),
    }


def history(trials: Any) -> list[dict[str, Any]]:
    """The trial-history list (``results['_trials_history']``) of a study or trial set."""
    ts = load_trials(trials)
    return [trial_to_dict(t, ts.metric_names, ts.directions) for t in ts.trials]


def _iso(d: _dt.datetime | None) -> str | None:
    return d.isoformat() if d is not None else None


def _from_history(items: list[dict[str, Any]]) -> TrialSet:
    frozen: list[FrozenTrial] = []
    metric_names: list[str] = []
    directions: list[str] = []
    for i, item in enumerate(items):
        try:
            state = TrialState[item.get("state", "COMPLETE")]
            values = item.get("values")
            if values is None and item.get("value") is not None:
                values = [item["value"]]
            metric_names = list(item.get("metric_names") or metric_names)
            directions = list(item.get("directions") or directions)
            user_attrs = dict(item.get("user_attrs") or {})
            user_attrs.update(item.get("metrics") or {})
            if item.get("fail_reason"):
                user_attrs.setdefault("fail_reason", item["fail_reason"])
            dists = {k: json_to_distribution(v) for k, v in item.get("distributions", {}).items()}
            frozen.append(
                FrozenTrial(
                    number=int(item.get("number", i)),
                    state=state,
                    value=None,
                    values=values if state == TrialState.COMPLETE else None,
                    datetime_start=_parse_dt(item.get("datetime_start")),
                    datetime_complete=_parse_dt(item.get("datetime_complete")),
                    params=dict(item.get("params", {})),
                    distributions=dists,
                    user_attrs=user_attrs,
                    system_attrs={
                        f"{_CONSTRAINTS_PREFIX}{k}": float(v)
                        for k, v in (item.get("constraints") or {}).items()
                    },
                    intermediate_values={
                        int(k): float(v) for k, v in item.get("intermediate_values", {}).items()
                    },
                    trial_id=int(item.get("number", i)),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"trial history entry {i} is malformed: {exc}") from exc
    if not directions:
        directions = [METRIC_DIRECTIONS.get(m, "minimize") for m in metric_names]
    return TrialSet(trials=frozen, metric_names=metric_names, directions=directions)


def _parse_dt(s: str | None) -> _dt.datetime | None:
    return _dt.datetime.fromisoformat(s) if s else None
