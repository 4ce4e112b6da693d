"""DistributedHPO: the seed's example on a local Ray, GPUs asked for where there are none,
and the errors that come before any trial."""

from __future__ import annotations

import subprocess
import sys

import pytest
from ray_helpers import ROOT, local_ray, small_trainable

from neural_hpo import DistributedHPO
from neural_hpo.distributed.runtime import require_ray


@pytest.fixture(scope="module")
def ray_cluster():
    yield from local_ray()


def test_the_seed_example_runs_as_written(ray_cluster, tmp_path):
    my_training_function = small_trainable
    dist_hpo = DistributedHPO(use_ray=True, storage_path=str(tmp_path))

    config_space = {
        "batch_size": dist_hpo.tune.choice([16, 32, 64]),
        "learning_rate": dist_hpo.tune.loguniform(1e-4, 1e-1),
        "dense_units": dist_hpo.tune.choice([64, 128, 256]),
        "dropout_rate": dist_hpo.tune.uniform(0.3, 0.7),
    }

    with pytest.warns(RuntimeWarning, match="no GPU: trials run on CPUs"):
        results = dist_hpo.optimize_with_ray(
            trainable_fn=my_training_function,
            config_space=config_space,
            n_trials=12,  # the seed says 100; 12 keep the test short
            n_cpus=2,  # Per trial
            n_gpus=1,  # Per trial
            scheduler="asha",  # Asynchronous Successive Halving
            search_alg="optuna",
            metric="accuracy",
            mode="max",
        )

    assert set(config_space) <= set(results["best_config"])
    assert results["best_result"]["accuracy"] == max(
        r.metrics["accuracy"] for r in results["results"]
    )
    assert results["num_trials"] == 12 and results["num_errors"] == 0


def test_other_schedulers_and_random_search(ray_cluster, tmp_path):
    hpo = DistributedHPO(storage_path=str(tmp_path))
    space = {
        "batch_size": hpo.tune.choice([16, 32]),
        "learning_rate": hpo.tune.loguniform(1e-4, 1e-1),
        "dropout_rate": hpo.tune.uniform(0.3, 0.7),
    }
    for scheduler in ("fifo", "hyperband"):
        results = hpo.optimize_with_ray(
            small_trainable, space, n_trials=3, scheduler=scheduler, search_alg="random", max_t=3
        )
        assert results["num_trials"] == 3


def test_requests_a_cluster_cannot_meet_fail_first(ray_cluster, tmp_path):
    hpo = DistributedHPO(storage_path=str(tmp_path))
    space = {"learning_rate": hpo.tune.loguniform(1e-4, 1e-1)}
    with pytest.raises(ValueError, match="asks for 3 CPUs but the Ray cluster has 2"):
        hpo.optimize_with_ray(small_trainable, space, n_trials=1, n_cpus=3)
    with pytest.raises(ValueError, match="search_alg='random'"):
        hpo.optimize_with_ray(small_trainable, space, scheduler="pbt", search_alg="optuna")
    with pytest.raises(ValueError, match="unknown scheduler"):
        hpo.optimize_with_ray(small_trainable, space, scheduler="median")
    with pytest.raises(ValueError, match="pass its name"):
        hpo.optimize_with_ray(small_trainable, space, resume=True)


def test_use_ray_false_points_to_local_workers():
    with pytest.raises(ValueError, match="n_jobs"):
        DistributedHPO(use_ray=False)


def test_without_ray_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(ImportError, match=r'pip install "neural-hpo\[ray\]"'):
        require_ray()


def test_importing_the_package_does_not_import_ray():
    code = (
        "import sys, neural_hpo\n"
        "from neural_hpo.distributed.options import RayOptions\n"
        "neural_hpo.DistributedHPO\n"
        "print('ray' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    # DistributedHPO's module loads Ray only when an instance is made
    assert out.stdout.strip() == "False"
