"""``neural-hpo estimate``: real batches timed at the smallest and largest corner, scaled to a
trial and the budget. The times themselves depend on the machine; what is checked is which
corners are timed and how the figures add up."""

from __future__ import annotations

import json

import pytest

from neural_hpo.cli import main

SOURCE = """
network Est {
    input: (8, 8, 1)
    Dense(units: hpo(categorical: [16, 64])) -> relu
    Output(units: 10)
    optimizer: adam(learning_rate: hpo(log_range: [1e-3, 1e-2]))
    training: { batch_size: hpo(categorical: [16, 32]), epochs: 3, n_trials: 7 }
}
"""


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "est.neural"
    path.write_text(SOURCE)
    return path


def test_estimate_times_the_two_corners_and_scales_to_the_budget(config, capsys):
    args = ["estimate", str(config), "--limit", "300", "--batches", "3", "--device", "cpu"]
    assert main([*args, "--json", "--jobs", "2"]) == 0
    est = json.loads(capsys.readouterr().out)
    small, large = est["smallest"], est["largest"]
    assert small["params"]["dense_1.units"] == 16 and large["params"]["dense_1.units"] == 64
    assert (small["batch_size"], large["batch_size"]) == (32, 16)  # fastest and slowest
    assert small["parameters"] == 64 * 16 + 16 + 16 * 10 + 10 < large["parameters"]
    assert est["train_samples"] == 240 and large["batches_per_epoch"] == 15
    for c in (small, large):
        assert c["batch_s"] > 0 and c["epochs"] == 3
        epoch = c["batch_s"] * c["batches_per_epoch"] + c["validation_s"]
        assert c["epoch_s"] == pytest.approx(epoch)
        assert c["trial_s"] == pytest.approx(c["setup_s"] + 3 * epoch)
    lo, hi = est["trial_s"]
    assert est["n_trials"] == 7 and est["budget_s"] == pytest.approx([4 * lo, 4 * hi])  # 2 workers
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "smallest corner (1,210 parameters)" in text and "largest corner (" in text
    assert "7 trials:" in text and "pruning not counted" in text


def test_estimate_refuses_a_bad_device_in_one_line(config, capsys):
    assert main(["estimate", str(config), "--device", "tpu"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("neural-hpo estimate: ") and err.count("\n") == 1
