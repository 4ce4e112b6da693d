"""Time and size of the HTML report against Optuna's plotly plots written to HTML.

Run: ``PYTHONPATH=. python bench/report.py [N ...]`` (default 1000 10000; needs plotly).
Both sides draw the same studies: ours is one self-contained file; Optuna's is one
``fig.write_html`` file per plot (each embeds plotly.js, as a self-contained file must).
Targets at 10,000 trials (issue 15): report ≤ 3 s and ≤ 2 MB, on an idle machine. The CPU
seconds (this process and the report's worker processes) vary less with the machine's load than
the wall time; "again" is a second report of the same study, whose importance is then cached in
it (as after the editor's hovers or ``neural-hpo importance``).
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import optuna
from optuna import visualization as ov

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from _viz_studies import large

from neural_hpo.visualization import create_optimization_report

TARGET_SECONDS, TARGET_MB = 3.0, 2.0


def optuna_plots(study: optuna.Study) -> list[tuple[str, Callable]]:
    """Optuna's counterparts of the report's plots."""
    return [
        ("history", lambda: ov.plot_optimization_history(study)),
        ("intermediate", lambda: ov.plot_intermediate_values(study)),
        ("slice", lambda: ov.plot_slice(study)),
        ("parallel", lambda: ov.plot_parallel_coordinate(study)),
        ("importance", lambda: ov.plot_param_importances(study)),
        ("contour", lambda: ov.plot_contour(study, params=["learning_rate", "dropout"])),
    ]


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the report's workers)."""
    own, kids = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def measure(n: int, out: Path) -> None:
    study = large(n, name=f"bench-{n}")
    start, cpu = time.perf_counter(), cpu_seconds()
    path = create_optimization_report(study, "accuracy", out / f"report-{n}.html")
    ours_s, ours_mb = time.perf_counter() - start, path.stat().st_size / 1e6
    ours_cpu = cpu_seconds() - cpu
    start, cpu = time.perf_counter(), cpu_seconds()
    create_optimization_report(study, "accuracy", out / f"report-{n}-again.html")
    again_s, again_cpu = time.perf_counter() - start, cpu_seconds() - cpu

    start, cpu, optuna_mb = time.perf_counter(), cpu_seconds(), 0.0
    for name, plot in optuna_plots(study):
        html = out / f"optuna-{n}-{name}.html"
        plot().write_html(html)
        optuna_mb += html.stat().st_size / 1e6
    optuna_s, optuna_cpu = time.perf_counter() - start, cpu_seconds() - cpu

    ok = (
        ""
        if n < 10_000
        else (
            "  (target met)" if ours_s <= TARGET_SECONDS and ours_mb <= TARGET_MB else "  (MISSED)"
        )
    )
    print(f"{n:>6} trials  report: {ours_s:6.2f} s {ours_mb:6.2f} MB{ok}  (cpu {ours_cpu:.2f} s)")
    print(f"{'':>14}again, importance cached: {again_s:6.2f} s  (cpu {again_cpu:.2f} s)")
    print(
        f"{'':>14}optuna plotly: {optuna_s:6.2f} s {optuna_mb:6.2f} MB (6 files, cpu {optuna_cpu:.2f} s)"
    )
    print(
        f"{'':>14}ratio report/optuna: time {ours_s / optuna_s:.2f}  cpu {ours_cpu / optuna_cpu:.3f}"
        f"  size {ours_mb / optuna_mb:.3f}"
    )


def main(argv: list[str]) -> None:
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    sizes = [int(a) for a in argv] or [1_000, 10_000]
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            measure(n, Path(tmp))


if __name__ == "__main__":
    main(sys.argv[1:])
