"""A real multi-node Ray cluster on this machine (``ray.cluster_utils.Cluster``: a head node
without CPUs and one-CPU worker nodes, all on 127.0.0.1): DSL trials spread over the nodes and
record the node they ran on, GPUs per trial are Ray resources (a node with a fake ``GPU``
resource takes every trial that asks for one), and a worker node killed mid-run has its trial
retried elsewhere, each Ray trial in the Optuna study exactly once."""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
import threading
import time
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState
from ray_helpers import DIGITS, RUNTIME_ENV

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


def training_on(ray_dir: Path, node_id: str) -> bool:
    """Whether a trial has reported an epoch from node ``node_id`` and is not done (Tune's
    driver writes each report to the trial's ``result.json``)."""
    for path in ray_dir.glob("*/run-*/*/result.json"):
        for line in path.read_text().splitlines():
            with contextlib.suppress(json.JSONDecodeError):
                report = json.loads(line)
                if report.get("node") == node_id and report["epoch"] < report["epochs"]:
                    return True
    return False


def test_a_worker_node_killed_mid_run_has_its_trial_retried_once_in_the_study(cluster, tmp_path):
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
    while not training_on(tmp_path / "ray", victim.node_id):
        assert driver.is_alive() and time.time() < deadline, f"no trial on the node: {errors}"
        time.sleep(0.2)
    cluster.remove_node(victim, allow_graceful=False)
    driver.join(timeout=300)
    assert not errors, errors
    trials = study[0].get_trials()
    assert len(trials) == 3 and all(t.state == TrialState.COMPLETE for t in trials)
    assert len({t.user_attrs["ray_trial_id"] for t in trials}) == 3  # none twice, none lost
    # the victim's trial finished on another node; its failure count is recorded as Tune reports
    # it, which one CI run did not show, so at most one trial says it was retried
    assert all(t.user_attrs["node"] != victim.node_id for t in trials)
    assert len([t for t in trials if t.user_attrs.get("ray_failures")]) <= 1
