"""``neural-hpo run`` and ``neural-hpo studies``."""

from __future__ import annotations

import json

from engine_helpers import SMALL_CONFIG

from neural_hpo.cli import main


def test_run_prints_json_events_then_studies_lists_the_best(tmp_path, capsys):
    config = tmp_path / "small.neural"
    config.write_text(SMALL_CONFIG)
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    args = ["run", str(config), "--trials", "3", "--storage", url, "--limit", "300"]
    assert main([*args, "--json-events", "--study", "cli", "--seed", "0"]) == 0
    out, err = capsys.readouterr()
    events = [json.loads(line) for line in out.splitlines()]
    kinds = [e["event"] for e in events]
    assert kinds.count("trial_started") == 3 and kinds.count("trial_finished") == 3
    assert "best_changed" in kinds and kinds[-1] == "done"
    assert all(e["study"] == "cli" and e["n_trials"] == 3 for e in events)
    done = events[-1]
    assert done["best_value"] == done["value"] and set(done["params"]) >= {"dense_1.units"}
    assert "best parameters:" in err

    assert main(["studies", "--storage", url]) == 0
    listing = capsys.readouterr().out
    assert "cli" in listing and "Small" in listing and f"{done['best_value']:.4g}" in listing


def test_run_shows_progress_and_summary(tmp_path, capsys):
    config = tmp_path / "small.neural"
    config.write_text(SMALL_CONFIG)
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    assert main(["run", str(config), "--trials", "2", "--storage", url, "--limit", "200"]) == 0
    out, err = capsys.readouterr()
    assert "trials 2/2 |" in err and "study 2 · best" in err
    assert "best parameters:" in out and "dense_1.units = " in out


def test_run_reports_dsl_errors_before_training(tmp_path, capsys):
    config = tmp_path / "bad.neural"
    config.write_text(SMALL_CONFIG.replace("step=0.2", "step=-0.2"))
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    assert main(["run", str(config), "--trials", "2", "--storage", url]) == 1
    err = capsys.readouterr().err
    assert f"{config}:5:" in err and "error[E205]" in err


def test_optimize_digits_example_runs(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    out = subprocess.run(
        [sys.executable, str(root / "examples" / "optimize_digits.py")],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert "Best parameters: {'dense_1.units':" in out.stdout
    assert (tmp_path / ".neural-hpo" / "studies.db").is_file()


def test_progress_writes_one_line_per_finished_trial_when_not_a_terminal() -> None:
    import io

    from neural_hpo.cli.run import Progress

    log = io.StringIO()  # not a terminal
    progress = Progress(log)
    for finished in (0, 1, 1, 1, 2, 4):  # another writer's trials must not push it past 2/2
        event = {"event": "trial_finished", "finished": finished, "n_trials": 2}
        progress({**event, "best_value": 0.5, "study_finished": 10 + finished})
    progress({"event": "done"})
    lines = log.getvalue().splitlines()
    assert [line.split(" |")[0] for line in lines] == ["trials 0/2", "trials 1/2", "trials 2/2"]
    assert "study 12 · best 0.5" in lines[-1]
    assert "\r" not in log.getvalue()


def test_run_with_objectives_and_a_constraint(tmp_path, capsys):
    import optuna

    from neural_hpo.trials import is_feasible

    config = tmp_path / "small.neural"
    config.write_text(SMALL_CONFIG)
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    args = ["run", str(config), "--trials", "3", "--storage", url, "--limit", "200"]
    args += ["--objectives", "accuracy,params", "--constraint", "latency_ms<1000", "--study", "mo"]
    assert main([*args, "--sampler", "nsgaii", "--seed", "0"]) == 0
    out = capsys.readouterr().out
    assert "pareto front: " in out and "best parameters:" in out
    study = optuna.load_study(study_name="mo", storage=url)
    assert [d.name for d in study.directions] == ["MAXIMIZE", "MINIMIZE"]
    assert study.user_attrs["constraints"] == ["latency_ms < 1000"]
    assert all(len(t.constraints) == 1 and is_feasible(t) for t in study.trials)  # well under 1 s


def test_run_refuses_a_malformed_constraint(tmp_path, capsys):
    config = tmp_path / "small.neural"
    config.write_text(SMALL_CONFIG)
    try:
        main(["run", str(config), "--constraint", "latency_ms~100"])
    except SystemExit as exc:
        assert exc.code == 2
    assert "is not METRIC<BOUND" in capsys.readouterr().err
