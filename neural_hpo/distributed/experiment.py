"""One Tune experiment: configured, run, or resumed after an interruption.

An experiment lives in ``<storage_path>/<name>``. Resuming it (``Tuner.restore``) keeps its
finished trials, continues the unfinished ones from their last checkpoint and runs the trials
it had not started; failed trials stay failed. While it runs, a trial whose worker or node dies
is retried up to ``max_failures`` times (Tune's ``FailureConfig``), from its last checkpoint.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Experiment:
    """What Ray Tune needs to run (or resume) a search."""

    trainable: Callable[[dict], Any]
    param_space: Mapping[str, Any]
    metric: str
    mode: str
    num_samples: int
    scheduler: Any
    search_alg: Any
    resources: Mapping[str, float]
    storage_path: str
    name: str
    callbacks: Sequence[Any] = field(default_factory=list)
    stop: Callable[[str, dict], bool] | None = None
    time_budget_s: float | None = None
    max_concurrent_trials: int | None = None
    verbose: int = 1
    max_failures: int = 0  # retries of a trial whose process or node died (FailureConfig)

    @property
    def path(self) -> str:
        return os.path.join(self.storage_path, self.name)

    def run(self, *, resume: bool = False) -> Any:
        """Fit, and return Tune's ResultGrid. With ``resume`` and a restorable experiment at
        ``path``, it continues that experiment instead of starting anew."""
        from ray import tune

        trainable = tune.with_resources(self.trainable, dict(self.resources))
        if resume and tune.Tuner.can_restore(self.path):
            tuner = tune.Tuner.restore(self.path, trainable, resume_unfinished=True)
            return tuner.fit()
        tuner = tune.Tuner(
            trainable,
            param_space=dict(self.param_space),
            tune_config=tune.TuneConfig(
                metric=self.metric,
                mode=self.mode,
                num_samples=self.num_samples,
                scheduler=self.scheduler,
                search_alg=self.search_alg,
                time_budget_s=self.time_budget_s,
                max_concurrent_trials=self.max_concurrent_trials,
                reuse_actors=True,  # a trial's process, imports and data serve the next trial
                trial_dirname_creator=_short_dirname,
            ),
            run_config=tune.RunConfig(
                name=self.name,
                storage_path=self.storage_path,
                callbacks=list(self.callbacks),
                stop=self.stop,
                verbose=self.verbose,
                failure_config=tune.FailureConfig(max_failures=self.max_failures),
            ),
        )
        return tuner.fit()


def _short_dirname(trial: Any) -> str:
    """The trial id: Ray's default names hold the whole configuration and overflow paths."""
    return trial.trial_id


def summarize(results: Any, metric: str, mode: str) -> dict[str, Any]:
    """The seed's result keys from a ResultGrid: best_config, best_result, plus the grid, the
    best checkpoint, the experiment path and trial counts."""
    best = results.get_best_result(metric=metric, mode=mode)
    return {
        "best_config": best.config,
        "best_result": best.metrics,
        "best_checkpoint": best.checkpoint,
        "results": results,
        "experiment_path": results.experiment_path,
        "num_trials": len(results),
        "num_errors": results.num_errors,
    }
