"""Importance results kept in the study's own storage, so readers (the language server's
hovers, the CLI) get them without recomputing.

A result is a study user attribute ``neural_hpo.importance:<method>:<metric>`` holding its JSON
and the number of complete trials it was computed from; when that number changes the entry is
stale and ``cached_importance`` returns None.
"""

from __future__ import annotations

import optuna
from optuna.trial import TrialState

from neural_hpo.importance.core import DEFAULT_METHOD, check_method, importance
from neural_hpo.importance.result import ImportanceResult
from neural_hpo.trials import TrialSet

PREFIX = "neural_hpo.importance"
VERSION = 1


def cache_key(metric: str, method: str) -> str:
    """The user-attribute name of one method's result for one metric."""
    return f"{PREFIX}:{method}:{metric}"


def _n_complete(study: optuna.Study, trials: TrialSet | None) -> int:
    if trials is not None:
        return len(trials.complete())
    return len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))


def cached_importance(
    study: optuna.Study,
    metric: str,
    method: str = DEFAULT_METHOD,
    trials: TrialSet | None = None,
) -> ImportanceResult | None:
    """The stored result, or None when there is none or trials completed since. ``trials``:
    the study's trials when the caller has read them (a large RDB study is slow to read)."""
    entry = study.user_attrs.get(cache_key(metric, check_method(method)))
    if entry is None or entry.get("version") != VERSION:
        return None
    if entry["n_complete"] != _n_complete(study, trials):
        return None
    return ImportanceResult.from_json(entry["result"])


def compute_and_cache(
    study: optuna.Study,
    metric: str,
    method: str = DEFAULT_METHOD,
    seed: int = 0,
    trials: TrialSet | None = None,
) -> ImportanceResult:
    """Compute the result now (from ``trials`` when given, else read from the study) and store
    it in the study for later readers."""
    n_complete = _n_complete(study, trials)
    result = importance(study if trials is None else trials, metric, method, seed)
    entry = {"version": VERSION, "n_complete": n_complete, "result": result.to_json()}
    study.set_user_attr(cache_key(metric, method), entry)
    return result


def cached_or_compute(
    study: optuna.Study,
    metric: str,
    method: str = DEFAULT_METHOD,
    trials: TrialSet | None = None,
) -> ImportanceResult:
    """The stored result when it is current, otherwise a fresh one (stored)."""
    return cached_importance(study, metric, method, trials) or compute_and_cache(
        study, metric, method, trials=trials
    )
