"""Study events for progress bars and the language server, read from the storage.

A watcher thread polls the study (every worker, in any process, writes there) and turns state
changes into events: ``trial_started``, ``trial_finished``, ``trial_pruned``, ``trial_failed``,
``best_changed`` and, at the end, ``done``; before them, ``trials_reused`` when the study took
trials over from its parent (with ``parent``, ``reused``, ``of`` and ``message``). Every event
carries the same keys (None where a key does not apply) so consumers can read them without
guessing.

Other processes may write to the same study meanwhile: with a ``run_id`` only the trials tagged
with it (``RUN_ATTR``, set by the trial runner) count as this run's (``finished``, out of
``n_trials``); ``study_finished`` counts every finished trial of the study.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from neural_hpo.trials import is_feasible

Event = dict[str, Any]
EventHandler = Callable[[Event], None]

#: trial system attribute naming the run (``optimize_and_return`` call) that ran the trial
RUN_ATTR = "neural_hpo:run"

_FINISHED = {
    TrialState.COMPLETE: "trial_finished",
    TrialState.PRUNED: "trial_pruned",
    TrialState.FAIL: "trial_failed",
}


def _jsonable(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


class StudyWatcher:
    """Polls ``study`` every ``interval`` seconds and calls ``on_event`` for each change among
    trials numbered ``first_number`` or later (the trials of this run)."""

    def __init__(
        self,
        study: optuna.Study,
        n_trials: int,
        on_event: EventHandler,
        *,
        first_number: int = 0,
        interval: float = 0.5,
        run_id: str | None = None,
    ):
        self.study, self.n_trials, self.on_event = study, n_trials, on_event
        self.first_number, self.interval, self.run_id = first_number, interval, run_id
        self.seen: dict[int, TrialState] = {}
        self.finished = 0
        self.study_finished = 0
        self.best_value: float | None = None
        self.best_number: int | None = None
        self.single = len(study.directions) == 1
        self.maximize = study.directions[0] == optuna.study.StudyDirection.MAXIMIZE
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="study-watcher", daemon=True)

    def __enter__(self) -> StudyWatcher:
        self.poll()  # the best value of earlier runs, without events for their trials
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.poll()
        best = self.study.get_trials(deepcopy=False) if self.best_number is not None else []
        self._emit("done", next((t for t in best if t.number == self.best_number), None))

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.poll()

    def poll(self) -> None:
        """Emit the events of every change since the last poll."""
        for t in self.study.get_trials(deepcopy=False):
            old = self.seen.get(t.number)
            if old == t.state:
                continue
            ours = self._ours(t)
            if ours is None:
                continue  # running, not yet tagged: looked at again next poll
            self.seen[t.number] = t.state
            self.study_finished += t.state in _FINISHED
            improved = self._track_best(t)
            if not ours:
                continue
            if old in (None, TrialState.WAITING) and t.state != TrialState.WAITING:
                self._emit("trial_started", t)
            if t.state in _FINISHED:
                self.finished += 1
                self._emit(_FINISHED[t.state], t)
            if improved:
                self._emit("best_changed", t)

    def _ours(self, t: FrozenTrial) -> bool | None:
        """Whether ``t`` is this run's trial; None while that cannot be told yet (a running
        trial the runner has not tagged)."""
        if t.number < self.first_number:
            return False
        if self.run_id is None or t.system_attrs.get(RUN_ATTR) == self.run_id:
            return True
        return None if t.state in (TrialState.RUNNING, TrialState.WAITING) else False

    def _track_best(self, t: FrozenTrial) -> bool:
        """Whether ``t`` is a complete feasible trial better than the best so far (it becomes the
        best)."""
        if not self.single or t.state != TrialState.COMPLETE or t.value is None:
            return False
        if not is_feasible(t):
            return False
        best = self.best_value
        if best is not None and (t.value <= best if self.maximize else t.value >= best):
            return False
        self.best_value, self.best_number = t.value, t.number
        return True

    def _emit(self, kind: str, t: FrozenTrial | None) -> None:
        value = None
        if kind != "trial_started" and t is not None and t.values is not None:
            value = t.values[0] if len(t.values) == 1 else list(t.values)
        self.on_event(
            {
                "event": kind,
                "study": self.study.study_name,
                "trial": t.number if t is not None else None,
                "n_trials": self.n_trials,
                "finished": self.finished,
                "study_finished": self.study_finished,
                "state": "RUNNING" if kind == "trial_started" else t.state.name if t else None,
                "value": _jsonable(value),
                "params": dict(t.params) if t is not None else None,
                "best_value": _jsonable(self.best_value),
                "best_trial": self.best_number,
                "reason": t.user_attrs.get("fail_reason") if t is not None else None,
            }
        )


def reuse_event(study: optuna.Study, n_trials: int, reuse: Any) -> Event:
    """``trials_reused``: ``reuse`` (an ``engine.reuse.Reuse``) with the keys of every event."""
    keys = ("trial", "state", "value", "params", "best_value", "best_trial", "reason")
    event: Event = {"event": "trials_reused", "study": study.study_name, "n_trials": n_trials}
    event.update(dict.fromkeys(keys), finished=0)
    event.update(parent=reuse.parent, reused=reuse.reused, of=reuse.of, message=reuse.message())
    return event
