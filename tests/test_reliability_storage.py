"""Storage under concurrency and bad input: fresh schemas created by several processes at once."""

from __future__ import annotations

import multiprocessing as mp

import optuna

from neural_hpo.engine.study import open_storage


def _open_at_barrier(url: str, barrier, errors) -> None:
    barrier.wait()
    try:
        open_storage(url)
    except Exception as exc:  # reported to the test, which fails on it
        errors.put(f"{type(exc).__name__}: {exc}")


def test_four_processes_create_a_fresh_schema_at_once(tmp_path):
    """Without the retry, 19 of 20 such starts crashed (table ... already exists, UNIQUE
    constraint failed: alembic_version.version_num)."""
    ctx = mp.get_context("fork")  # optuna is already imported: the four start in milliseconds
    errors = ctx.Queue()
    for rep in range(6):
        url = f"sqlite:///{tmp_path / f'fresh{rep}.db'}"
        barrier = ctx.Barrier(4)
        procs = [
            ctx.Process(target=_open_at_barrier, args=(url, barrier, errors)) for _ in range(4)
        ]
        for p in procs:
            p.start()
        for p in procs:
            p.join(120)
        assert [p.exitcode for p in procs] == [0, 0, 0, 0]
        assert errors.empty(), errors.get()
        assert optuna.get_all_study_names(open_storage(url)) == []
