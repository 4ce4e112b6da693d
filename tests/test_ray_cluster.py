"""A separate Ray cluster (``ray start --head`` on loopback), reached by address: the seed's
interface and the DSL path (``neural-hpo run --ray --address``) run their trials there."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import optuna
import pytest
from ray_helpers import DIGITS, RUNTIME_ENV, small_trainable

from neural_hpo import DistributedHPO
from neural_hpo.cli import main


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def group_members(pgid: int) -> list[int]:
    """Processes still in process group ``pgid``."""
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                members.append(int(entry.name))
    return members


@pytest.fixture(scope="module")
def cluster_address():
    """``ray start --head --block`` in its own process group (so that it and everything it
    starts end together, by that group's id), with a temp dir of its own so that no other
    program on this machine finds it."""
    port = free_port()
    temp_dir = tempfile.mkdtemp(prefix="rt", dir="/tmp")  # short: Ray's socket paths are long
    env = {**os.environ, **RUNTIME_ENV["env_vars"]}
    command = [
        sys.executable, "-m", "ray.scripts.scripts", "start", "--head", "--block",
        "--node-ip-address=127.0.0.1", f"--port={port}", "--num-cpus=2",
        "--include-dashboard=false", f"--temp-dir={temp_dir}",
        f"--dashboard-agent-listen-port={free_port()}",
    ]  # fmt: skip
    proc = subprocess.Popen(
        command, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.time() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"ray start failed: {proc.stderr.read().decode()}") from None
            time.sleep(0.5)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGINT)  # ray start --block stops its processes on Ctrl-C
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        for _ in range(60):  # the raylet and GCS end shortly after
            if not group_members(proc.pid):
                break
            time.sleep(0.5)
        left = group_members(proc.pid)
        if left:
            os.killpg(proc.pid, signal.SIGKILL)
        shutil.rmtree(temp_dir)  # sockets and logs of the ended cluster
        assert not left, f"processes of the test cluster outlived it: {left}"


def test_seed_interface_on_a_cluster_by_address(cluster_address, tmp_path):
    hpo = DistributedHPO(address=cluster_address, storage_path=str(tmp_path))
    space = {
        "batch_size": hpo.tune.choice([16, 32]),
        "learning_rate": hpo.tune.loguniform(1e-4, 1e-1),
        "dropout_rate": hpo.tune.uniform(0.3, 0.7),
    }
    results = hpo.optimize_with_ray(small_trainable, space, n_trials=4, max_t=3)
    assert results["num_trials"] == 4 and results["num_errors"] == 0
    import ray

    assert not ray.is_initialized()  # the driver left the cluster; the cluster stays up


def test_cli_runs_a_dsl_study_on_the_cluster(cluster_address, tmp_path):
    source = tmp_path / "digits.neural"
    source.write_text(DIGITS)
    url = f"sqlite:///{tmp_path}/studies.db"
    code = main(
        [
            "run", str(source), "--ray", "--address", cluster_address, "--trials", "3",
            "--epochs", "1", "--limit", "400", "--storage", url, "--ray-dir",
            str(tmp_path / "ray"),
        ]
    )  # fmt: skip
    assert code == 0
    (name,) = optuna.get_all_study_names(url)
    trials = optuna.load_study(study_name=name, storage=url).get_trials()
    assert len(trials) == 3 and all(t.state.name == "COMPLETE" for t in trials)
