"""An interrupted Ray experiment resumes with ``Tuner.restore``: the trials it had finished are
kept (in Ray and in the Optuna study, recorded once) and the rest run. The interruption is the
hardest kind: the driver and its local Ray are killed outright."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import optuna
import pytest
from optuna.trial import TrialState
from ray_helpers import DIGITS, ROOT, RUNTIME_ENV, finished

from neural_hpo import RayOptions, optimize_and_return
from neural_hpo.distributed.budget import StudyBudget

N_TRIALS = 8
EPOCHS = 80  # a trial takes seconds, so that the driver dies mid-experiment

DRIVER = """
import sys
from neural_hpo import RayOptions, optimize_and_return
from neural_hpo.distributed.budget import StudyBudget
optimize_and_return(sys.argv[1], {n}, storage=sys.argv[2], use_ray=True, seed=0, epochs={e},
    ray_options=RayOptions(scheduler="fifo", storage_path=sys.argv[3], max_concurrent_trials=1))
"""


# Ray's OptunaSearch reports a restored trial's epochs to Optuna again; Optuna keeps the first
@pytest.mark.filterwarnings("ignore:The reported value is ignored:UserWarning")
def test_an_interrupted_experiment_resumes_without_losing_finished_trials(tmp_path):
    source = tmp_path / "digits.neural"
    source.write_text(DIGITS)
    url = f"sqlite:///{tmp_path}/studies.db"
    ray_dir = str(tmp_path / "ray")
    env = {**os.environ, **RUNTIME_ENV["env_vars"]}
    driver = subprocess.Popen(
        [sys.executable, "-c", DRIVER.format(n=N_TRIALS, e=EPOCHS), str(source), url, ray_dir],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its local Ray is in its process group: killed with it
    )
    deadline = time.time() + 240
    while len(finished(url)) < 2:
        assert driver.poll() is None, "the driver ended before it was interrupted"
        assert time.time() < deadline, "no trial finished in time"
        time.sleep(0.5)
    time.sleep(2)  # Tune saves the experiment every 10 s or more: trials may end after a save
    os.killpg(driver.pid, signal.SIGKILL)
    driver.wait()
    before = {t.user_attrs["ray_trial_id"]: t.value for t in finished(url)}
    assert 2 <= len(before) < N_TRIALS

    result = optimize_and_return(
        source,
        N_TRIALS,
        storage=url,
        use_ray=True,
        seed=0,
        epochs=EPOCHS,
        ray_options=RayOptions(scheduler="fifo", storage_path=ray_dir, resume=True),
    )
    trials = result.study.get_trials()
    after = {t.user_attrs["ray_trial_id"]: t.value for t in trials}
    assert len(after) == len(trials)  # each Ray trial recorded once
    assert all(after[k] == v for k, v in before.items())  # finished trials kept as they were
    # trials that finished after Tune last saved the experiment are unknown to the restored
    # experiment; it counts them from the study and runs only the rest
    assert len(trials) == N_TRIALS
    assert all(t.state == TrialState.COMPLETE for t in trials)
    assert os.listdir(os.path.join(ray_dir, result.study.study_name)) == ["run-1"]


def test_a_restored_search_counts_the_studys_trials_that_tune_lost(tmp_path):
    """``StudyBudget`` alone: saved after suggesting a and b; then c and d ran and were written
    (a too) before the driver died. Restored, it knows a and b, counts c and d from the study
    (not z, another experiment's) and stops at the budget."""
    from ray.tune.search import Searcher
    from ray.tune.search.optuna import OptunaSearch

    url, experiment = f"sqlite:///{tmp_path}/studies.db", str(tmp_path / "run-1")
    study = optuna.create_study(study_name="s", storage=url, direction="maximize")

    def searcher(budget: int) -> StudyBudget:
        space = {"x": optuna.distributions.FloatDistribution(0, 1)}
        inner = OptunaSearch(space=space, metric="accuracy", mode="max")
        return StudyBudget(inner, budget, url, "s", experiment)

    first = searcher(5)
    assert first.suggest("a") and first.suggest("b")
    saved = first.get_state()
    for tid, where in [("a", experiment), ("c", experiment), ("d", experiment), ("z", "other")]:
        attrs = {"ray_trial_id": tid, "ray_experiment": where}
        study.add_trial(optuna.trial.create_trial(value=0.5, user_attrs=attrs))
    restored = searcher(5)
    restored.set_state(saved)
    assert restored.suggest("e") is not None
    assert restored.suggest("f") == Searcher.FINISHED  # a, b, e known; c, d lost: 5
