"""A real multi-node Ray cluster on this machine (``ray.cluster_utils.Cluster``: a head node
without CPUs and one-CPU worker nodes, all on 127.0.0.1): DSL trials spread over the nodes and
record the node they ran on, GPUs per trial are Ray resources (a node with a fake ``GPU``
resource takes every trial that asks for one), a worker node killed mid-run has its trial
retried elsewhere, and a CLI driver killed outright continues with ``--ray-resume``: each Ray
trial in the Optuna study exactly once, the study ending with exactly its budget."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState
from ray_helpers import DIGITS, ROOT, RUNTIME_ENV, finished

from neural_hpo import RayOptions, optimize_and_return

pytestmark = pytest.mark.slow
NODE = {"node_ip_address": "127.0.0.1", "object_store_memory": 80 * 2**20}


@pytest.fixture(scope="module")
def cluster():
    """Head (no CPU: the driver's side only), a CPU node and a CPU node with one fake GPU."""
    from ray.cluster_utils import Cluster

    temp_dir = tempfile.mkdtemp(prefix="rn", dir="/tmp")  # short: Ray's socket paths are long
    head = {**NODE, "num_cpus": 0, "include_dashboard": False, "temp_dir": temp_dir}
    c = Cluster(initialize_head=True, head_node_args=head, shutdown_at_exit=True)
    try:
        c.cpu_node = c.add_node(**NODE, num_cpus=1, temp_dir=temp_dir)
        c.gpu_node = c.add_node(**NODE, num_cpus=1, num_gpus=1, temp_dir=temp_dir)
        c.temp_dir = temp_dir
        yield c
    finally:
        c.shutdown()
        shutil.rmtree(temp_dir, ignore_errors=True)


def run(cluster, tmp_path, n_trials: int, epochs: int = 1, **options) -> optuna.Study:
    source = tmp_path / "digits.neural"
    source.write_text(DIGITS)
    result = optimize_and_return(
        source,
        n_trials,
        storage=f"sqlite:///{tmp_path}/studies.db",
        use_ray=True,
        epochs=epochs,
        limit=300,
        ray_options=RayOptions(
            address=cluster.address,
            scheduler="fifo",
            storage_path=str(tmp_path / "ray"),
            runtime_env=RUNTIME_ENV,
            **options,
        ),
    )
    return result.study


def test_trials_spread_over_the_nodes_and_record_theirs(cluster, tmp_path):
    # two pending at once: Tune keeps one pending trial for a custom searcher by default, and
    # a short trial ends before a second node's worker has started
    trials = run(cluster, tmp_path, 4, epochs=20, max_concurrent_trials=2).get_trials()
    assert len(trials) == 4 and all(t.state == TrialState.COMPLETE for t in trials)
    nodes = {t.user_attrs["node"] for t in trials}
    assert nodes == {cluster.cpu_node.node_id, cluster.gpu_node.node_id}
    assert {t.user_attrs["node_ip"] for t in trials} == {"127.0.0.1"}
    assert all(t.user_attrs["device"] == "cpu" for t in trials)  # the GPU is a fake resource


def test_a_gpu_per_trial_places_every_trial_on_the_gpu_node(cluster, tmp_path):
    trials = run(cluster, tmp_path, 2, gpus_per_trial=1).get_trials()
    assert len(trials) == 2 and all(t.state == TrialState.COMPLETE for t in trials)
    assert {t.user_attrs["node"] for t in trials} == {cluster.gpu_node.node_id}


def test_a_quarter_gpu_per_trial_shares_the_one_gpu_among_trials(cluster, tmp_path):
    """``--ray-gpus 0.25``: four trials would fit the GPU node's one (fake) GPU at once (two
    run here, to keep the test short); each lands there, records the id of the GPU Ray gave
    it, and trains in fp32 (torch sees no GPU)."""
    trials = run(
        cluster, tmp_path, 2, gpus_per_trial=0.25, cpus_per_trial=0.5, max_concurrent_trials=2
    ).get_trials()
    assert len(trials) == 2 and all(t.state == TrialState.COMPLETE for t in trials)
    assert {t.user_attrs["node"] for t in trials} == {cluster.gpu_node.node_id}
    assert {t.user_attrs["ray_gpus"] for t in trials} == {"0"}
    assert {t.user_attrs["training_precision"] for t in trials} == {"fp32"}


def training_on(temp_dir: str, node_id: str) -> dict | None:
    """The latest report of a trial training on node ``node_id`` at most halfway (None if none).

    Read where Tune's driver writes each report as it comes (``result.json`` in the driver's
    staging folder, under the Ray session): the copy under the storage path is synced only
    when Tune saves the experiment, ten seconds or more apart, while a trial here trains in a
    few seconds, so that copy would show a finished trial's first epochs."""
    pattern = "session_*/artifacts/*/*/driver_artifacts/*/result.json"
    for path in Path(temp_dir).glob(pattern):
        with contextlib.suppress(json.JSONDecodeError, IndexError):
            report = json.loads(path.read_text().splitlines()[-1])
            if report.get("node") == node_id and report["epoch"] <= report["epochs"] // 2:
                return report
    return None


def test_a_worker_node_killed_mid_run_has_its_trial_retried_once_in_the_study(cluster, tmp_path):
    """The node dies outright: its Ray processes, and at once the trial's worker process (a
    raylet killed alone leaves its workers running for seconds, enough to finish a trial)."""
    victim = cluster.add_node(**NODE, num_cpus=1, temp_dir=cluster.temp_dir)
    study: list[optuna.Study] = []
    errors: list[BaseException] = []

    def drive() -> None:
        try:
            study.append(
                run(cluster, tmp_path, 3, epochs=100, max_failures=2, max_concurrent_trials=3)
            )
        except BaseException as exc:
            errors.append(exc)

    driver = threading.Thread(target=drive)
    driver.start()
    deadline = time.time() + 180
    while (report := training_on(cluster.temp_dir, victim.node_id)) is None:
        assert driver.is_alive() and time.time() < deadline, f"no trial on the node: {errors}"
        time.sleep(0.05)
    cluster.remove_node(victim, allow_graceful=False)
    with contextlib.suppress(ProcessLookupError):  # it may have seen its raylet go already
        os.kill(report["pid"], signal.SIGKILL)
    driver.join(timeout=300)
    assert not errors, errors
    trials = study[0].get_trials()
    assert len(trials) == 3 and all(t.state == TrialState.COMPLETE for t in trials)
    assert len({t.user_attrs["ray_trial_id"] for t in trials}) == 3  # none twice, none lost
    (retried,) = [t for t in trials if t.user_attrs["ray_trial_id"] == report["trial_id"]]
    assert retried.user_attrs["ray_failures"] == 1
    assert retried.user_attrs["node"] != victim.node_id
    assert [t.user_attrs.get("ray_failures") for t in trials].count(None) == 2


def test_a_killed_cli_driver_resumes_on_the_cluster_with_exactly_its_budget(cluster, tmp_path):
    """kill -9 of ``neural-hpo run --ray --address ...`` mid-run, then the same command with
    ``--ray-resume``. The first driver saves Tune's experiment only when it starts
    (``TUNE_GLOBAL_CHECKPOINT_S``): the trials it finished are in the study and unknown to the
    restored experiment, as after any kill between two of Tune's saves (ten seconds or more)."""
    n_trials = 4
    source = tmp_path / "digits.neural"
    source.write_text(DIGITS)
    url = f"sqlite:///{tmp_path}/studies.db"
    ray_dir = tmp_path / "ray"
    command = [
        sys.executable, "-m", "neural_hpo.cli", "run", str(source), "--trials", str(n_trials),
        "--epochs", "30", "--limit", "300", "--seed", "0", "--storage", url, "--ray",
        "--address", cluster.address, "--ray-scheduler", "fifo", "--ray-dir", str(ray_dir),
    ]  # fmt: skip
    env = {**os.environ, **RUNTIME_ENV["env_vars"]}
    driver = subprocess.Popen(
        command,
        env={**env, "TUNE_GLOBAL_CHECKPOINT_S": "3600"},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.time() + 240
        while len(finished(url)) < 2:
            assert driver.poll() is None, "the driver ended before it was interrupted"
            assert time.time() < deadline, "no trial finished in time"
            time.sleep(0.3)
    finally:
        os.killpg(driver.pid, signal.SIGKILL)
        driver.wait()
    before = {t.user_attrs["ray_trial_id"]: t.value for t in finished(url)}
    assert 2 <= len(before) < n_trials

    resumed = subprocess.run(
        [*command, "--ray-resume"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    trials = finished(url)
    after = {t.user_attrs["ray_trial_id"]: t.value for t in trials}
    assert len(trials) == n_trials == len(after)  # the budget, each Ray trial once
    assert all(after[k] == v for k, v in before.items())  # finished trials kept as they were
    assert all(t.state == TrialState.COMPLETE for t in trials)
    # on the cluster's nodes (how Ray spreads them is test_trials_spread_over_the_nodes's claim:
    # with one node briefly busy, all 4 may run on the other, as in one full CI run)
    assert {t.user_attrs["node"] for t in trials} <= {
        cluster.cpu_node.node_id,
        cluster.gpu_node.node_id,
    }
    (study_dir,) = ray_dir.iterdir()
    assert os.listdir(study_dir) == ["run-1"]
