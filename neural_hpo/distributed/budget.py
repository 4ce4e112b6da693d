"""The trial budget of a Ray experiment, held exactly across a hard kill of the driver.

Tune saves an experiment (its trials and the search state) every ten seconds or more, while the
recorder writes each trial into the Optuna study the moment it ends. A driver killed outright
therefore leaves trials in the study that the restored experiment has never heard of; with
Ray's OptunaSearch (whose trial ids are random) the restored experiment would run as many new
ones in their place, and the study would end above its budget. ``StudyBudget`` wraps the
searcher: it remembers the trials it suggested (saved with the experiment, so exactly those the
restored experiment knows) and, once restored, counts the study's trials of this experiment
that it does not know; it stops suggesting when both together reach the budget.
(Random search needs no such count: its trial ids are numbered, so a lost trial is run again
under its own id and the recorder, which records an id once, keeps the first.)
"""

from __future__ import annotations

from typing import Any

import optuna
from ray.tune.search import Searcher

from neural_hpo.engine.study import open_storage

from .recorder import RAY_EXPERIMENT, RAY_TRIAL_ID


class StudyBudget(Searcher):
    """``searcher``, suggesting at most ``budget`` trials of experiment ``experiment`` counted
    with those of study ``study_name`` at ``storage_url`` (see the module docstring)."""

    def __init__(
        self, searcher: Searcher, budget: int, storage_url: str, study_name: str, experiment: str
    ):
        self.searcher = searcher  # Tune's wrappers name the wrapped searcher so
        self.budget, self.experiment = budget, experiment
        self.storage_url, self.study_name = storage_url, study_name
        self.suggested: list[str] = []
        self._lost: int | None = 0  # None: count them (after a restore)
        super().__init__(metric=searcher.metric, mode=searcher.mode)

    def lost(self) -> int:
        """The study's trials of this experiment that this searcher did not suggest."""
        study = optuna.load_study(
            study_name=self.study_name, storage=open_storage(self.storage_url)
        )
        ours = {
            t.user_attrs.get(RAY_TRIAL_ID)
            for t in study.get_trials(deepcopy=False)
            if t.user_attrs.get(RAY_EXPERIMENT) == self.experiment
        }
        return len(ours - set(self.suggested))

    def suggest(self, trial_id: str) -> dict | str | None:
        if self._lost is None:
            self._lost = self.lost()
        if len(self.suggested) + self._lost >= self.budget:
            return Searcher.FINISHED
        suggestion = self.searcher.suggest(trial_id)
        if suggestion not in (None, Searcher.FINISHED):
            self.suggested.append(trial_id)
        return suggestion

    def get_state(self) -> dict[str, Any]:
        return {"suggested": list(self.suggested)}

    def set_state(self, state: dict[str, Any]) -> None:
        self.suggested, self._lost = list(state["suggested"]), None

    # the rest is the wrapped searcher's
    def set_search_properties(self, metric: str | None, mode: str | None, config: dict, **spec):
        return self.searcher.set_search_properties(metric, mode, config, **spec)

    def set_max_concurrency(self, max_concurrent: int) -> bool:
        return self.searcher.set_max_concurrency(max_concurrent)

    def on_trial_result(self, trial_id: str, result: dict) -> None:
        self.searcher.on_trial_result(trial_id, result)

    def on_trial_complete(self, trial_id: str, result: dict | None = None, error: bool = False):
        self.searcher.on_trial_complete(trial_id, result=result, error=error)

    def add_evaluated_point(self, *args: Any, **kwargs: Any) -> None:
        self.searcher.add_evaluated_point(*args, **kwargs)

    def save(self, checkpoint_path: str) -> None:
        self.searcher.save(checkpoint_path)

    def restore(self, checkpoint_path: str) -> None:
        self.searcher.restore(checkpoint_path)

    @property
    def metric(self) -> str:
        return self.searcher.metric

    @property
    def mode(self) -> str:
        return self.searcher.mode
