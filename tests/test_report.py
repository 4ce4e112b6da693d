"""The HTML report: content, headless Chromium (no console error, no network), escaping, size."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import optuna
import pytest
from _browser import open_page
from _viz_studies import hostile, large, multi_objective, single_objective
from optuna.trial import create_trial

from neural_hpo.cli import main
from neural_hpo.importance import cached_importance, compute_and_cache, importance
from neural_hpo.importance.core import analyze_encoded
from neural_hpo.importance.encoding import encode
from neural_hpo.importance.fanova import MARGINAL_GRID, marginal_curves
from neural_hpo.trials import history, load_trials
from neural_hpo.visualization import create_optimization_report, report_figures

STRICT_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


@pytest.fixture(scope="module")
def study():
    return single_objective()


def _assert_clean_in_chromium(path, *texts, min_contrast=10.0):
    page = open_page(path)
    assert page.console == [], "console messages (errors or blocked requests)"
    assert f'content="{STRICT_CSP}' in page.dom  # any network load would be blocked and logged
    assert page.pixels.std() > min_contrast, "screenshot is blank"
    for text in texts:
        assert text in page.dom
    return page


def test_report_has_summary_plots_importance_and_trials(study, tmp_path):
    path = create_optimization_report(study, metric="accuracy", output_path=tmp_path / "r.html")
    html = path.read_text()
    for heading in ("Summary", "Plots", "Parameter importance", "Trials", "Failed trials"):
        assert f">{heading}</h2>" in html
    figures = re.findall(r"<figcaption><strong>([^<]+)</strong>", html)
    assert figures[:3] == ["Optimization history", "Learning curves", "Slice plot"]
    assert {"Parallel coordinates", "Correlation", "Marginal effects", "Interactions"} <= set(
        figures
    )
    assert any(f.startswith("Contour: ") for f in figures)
    assert html.count("<svg") == len(figures)
    assert "network CNN" in html  # the DSL source
    assert "ValueError: diverged, loss is nan" in html
    (nonce,) = re.findall(r"script-src 'nonce-([\w-]+)'", html)  # a fresh one of its own
    assert html.count("<script") == 1 and f'<script nonce="{nonce}">' in html
    _assert_clean_in_chromium(path, "Optimization history of accuracy")
    static = create_optimization_report(study, "accuracy", tmp_path / "s.html", interactive=False)
    assert "<script" not in static.read_text() and "script-src" not in static.read_text()
    assert (
        static.read_text().count("<title>trial ") == html.count("<title>trial ") == 26
    )  # complete


def test_importance_table_is_the_cached_importance_with_its_confidence(study, tmp_path):
    path = create_optimization_report(study, metric="accuracy", output_path=tmp_path / "r.html")
    html = path.read_text()
    cached = cached_importance(study, "accuracy")  # what the language server's hovers read
    assert cached is not None and cached == importance(study, "accuracy", "fanova")
    table = html[html.index('<h2 id="importance">') : html.index('<h2 id="trials">')]
    assert "<strong>fanova</strong> on 26 complete trials" in table
    assert "Confidence: <strong>low</strong> — 26 trials; fanova needs 100+" in table
    rows = re.findall(
        r"<tr><td>(\w+)</td><td class=\"n\">([\d.]+)</td><td class=\"n\">([\d.]+)</td>", table
    )
    assert [name for name, _, _ in rows] == list(cached)
    for name, value, std in rows:
        assert (value, std) == (f"{cached[name]:.3f}", f"{cached.std[name]:.3f}")
    assert "left out: 1 FAIL, 13 PRUNED" in table
    figure = html[html.index("<strong>Parameter importance</strong>") :]
    assert "fanova, 26 trials, low confidence" in figure[: figure.index("</figure>")]


def test_report_reads_a_current_cached_result(tmp_path):
    s = single_objective(n_trials=20, name="cached")
    result = compute_and_cache(s, "accuracy")
    result.importances = dict.fromkeys(result.importances, 0.0)  # a marker only the cache holds
    entry = s.user_attrs["neural_hpo.importance:fanova:accuracy"]
    s.set_user_attr("neural_hpo.importance:fanova:accuracy", {**entry, "result": result.to_json()})
    zero_rows = re.compile(r'<tr><td>\w+</td><td class="n">0\.000</td>')
    html = create_optimization_report(s, "accuracy", tmp_path / "c.html").read_text()
    assert len(zero_rows.findall(html)) == len(result)
    fresh = create_optimization_report(history(s), "accuracy", tmp_path / "h.html").read_text()
    assert len(zero_rows.findall(fresh)) < len(result)  # trials without the study: computed


#: draws the report with its figures in forked workers; in a process of its own, since a pytest
#: process has threads by then (and the report forks only from a single-threaded process)
FORKED = """
import os, sys
sys.path.insert(0, sys.argv[2])
from _viz_studies import single_objective
from neural_hpo.visualization import create_optimization_report, report_figures
pools = []
class Pool(report_figures.ProcessPoolExecutor):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        pools.append(self)
draw = report_figures._draw
def niced_draw(heading, result):  # each figure's drawer's niceness, against this process's
    with open(sys.argv[1] + ".nice", "a") as f:
        f.write(f"{os.nice(0) - here} ")
    return draw(heading, result)
here = os.nice(0)
report_figures._draw = niced_draw
report_figures.PARALLEL_FROM = 0
report_figures.ProcessPoolExecutor = Pool
os.cpu_count = lambda: 2
create_optimization_report(single_objective(), "accuracy", sys.argv[1], interactive=False)
sys.exit(0 if len(pools) == 1 else "the figures were not drawn in workers")
"""


def test_figures_drawn_in_workers_are_those_drawn_here(tmp_path):
    def svgs(path: Path) -> list[str]:
        return re.findall(r"<svg.*?</svg>", path.read_text(), flags=re.S)

    here = create_optimization_report(
        single_objective(), "accuracy", tmp_path / "here.html", interactive=False
    )
    forked = tmp_path / "forked.html"
    tests = str(Path(__file__).parent)
    run = subprocess.run(
        [sys.executable, "-c", FORKED, str(forked), tests], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert len(svgs(forked)) == len(svgs(here)) == 9 and svgs(forked) == svgs(here)
    # the workers yield to the importance computed in the parent
    niceness = Path(f"{forked}.nice").read_text().split()
    assert niceness == [str(report_figures.WORKER_NICE)] * 9


def test_marginal_effects_come_from_the_importance_forest():
    data = encode(load_trials(single_objective(n_trials=30, name="m")), "accuracy")
    result = analyze_encoded(data, "fanova")
    mean, std = marginal_curves(data.X, data.y, MARGINAL_GRID, 0)  # all parameters always set
    assert list(result.marginals) == data.names
    for k, name in enumerate(data.names):
        np.testing.assert_allclose(result.marginals[name], [mean[k], std[k]], rtol=1e-5, atol=1e-9)


def test_multi_objective_report_has_pareto_plot_and_table(tmp_path):
    path = create_optimization_report(multi_objective(), output_path=tmp_path / "moo.html")
    html = path.read_text()
    assert ">Pareto front</h2>" in html
    assert "<figcaption><strong>Pareto front</strong>" in html
    assert "metric <strong>loss</strong> (minimize)" in html  # the first objective by default


def test_hostile_names_render_as_text(tmp_path):
    path = create_optimization_report(hostile(), "accuracy", tmp_path / "x.html")
    page = _assert_clean_in_chromium(path)
    (ours,) = re.findall(r"<script\b[^>]*>", page.dom, re.I)  # the report's own, and only it
    assert ours.startswith("<script nonce=")
    dom = re.sub(r"<script\b.*?</script>", "", page.dom, flags=re.S)  # its data is JSON text
    assert not re.search(r"<img\b", dom, re.I), "an <img> element was injected"
    assert "onerror=alert" not in dom.replace("onerror=alert(1)&gt;", "")
    escaped = '&lt;script&gt;alert(1)&lt;/script&gt;"&gt;&lt;img src=x onerror=alert(1)&gt;'
    assert dom.count(escaped) >= 5  # title, study, parameters, choice, fail reason, DSL...
    svg_text = re.findall(r"<text[^>]*>([^<]*alert[^<]*)</text>", dom)
    assert svg_text, "matplotlib's SVG text with the names is in the page, as text"


def test_nonce_adds_the_only_script_and_it_runs_clean(study, tmp_path):
    path = create_optimization_report(
        study, "accuracy", tmp_path / "n.html", script_nonce="cmFuZG9tbm9uY2U="
    )
    html = path.read_text()
    assert html.count("<script") == 1 and "script-src 'nonce-cmFuZG9tbm9uY2U='" in html
    assert open_page(path).console == []
    # a host script with the same nonce clicks the "#" header: the table sorts by number
    click = (
        '<script nonce="cmFuZG9tbm9uY2U=">const th = document.querySelector("table.trials th");'
        'th.click(); console.log("first:" + th.closest("table").tBodies[0].rows[0].cells[0]'
        ".textContent);</script></body>"
    )
    path.write_text(html.replace("</body>", click))
    (message,) = open_page(path).console
    assert message.startswith('"first:0", source: ' + path.as_uri())
    with pytest.raises(ValueError, match="script_nonce"):
        create_optimization_report(study, "accuracy", tmp_path / "b.html", script_nonce="x' y")


def test_zero_and_one_trial_reports(tmp_path):
    empty = optuna.create_study(study_name="empty", direction="maximize")
    path = create_optimization_report(empty, "accuracy", tmp_path / "0.html")
    assert "no complete trial yet" in path.read_text() and "No trials yet" in path.read_text()
    _assert_clean_in_chromium(path, "empty", min_contrast=1.0)

    one = optuna.create_study(study_name="one", direction="maximize")
    one.add_trial(
        create_trial(
            value=0.5,
            params={"lr": 0.01},
            distributions={"lr": optuna.distributions.FloatDistribution(1e-4, 1, log=True)},
            user_attrs={"accuracy": 0.5},
        )
    )
    html = create_optimization_report(one, "accuracy", tmp_path / "1.html").read_text()
    assert "0.5 (trial 0)" in html and "Optimization history" in html


def test_ten_thousand_trials_fast_and_small(tmp_path):
    big = large(10_000)
    start = time.perf_counter()
    path = create_optimization_report(big, "accuracy", tmp_path / "big.html")
    seconds = time.perf_counter() - start
    print(f"10,000 trials: {seconds:.1f} s")
    size = path.stat().st_size
    assert seconds < 60, f"{seconds:.1f} s"  # loose for busy machines; bench/report.py holds 10 s
    assert size < 5_000_000, f"{size / 1e6:.1f} MB"
    assert "Showing the best 500 of 10000 trials by accuracy" in path.read_text()


def test_cli_writes_the_report(tmp_path, capsys):
    storage = f"sqlite:///{tmp_path / 'db.sqlite'}"
    s = optuna.create_study(study_name="cli", storage=storage, direction="maximize")
    s.add_trial(
        create_trial(
            value=0.7,
            params={"units": 64},
            distributions={"units": optuna.distributions.CategoricalDistribution([64, 128])},
            user_attrs={"accuracy": 0.7},
        )
    )
    out = tmp_path / "cli.html"
    assert main(["report", "cli", "-o", str(out), "--storage", storage]) == 0
    assert out.exists() and capsys.readouterr().out.strip() == str(out)
    assert main(["report", "nope", "-o", str(out), "--storage", storage]) == 2
    assert "no study named 'nope'" in capsys.readouterr().err
    assert main(["report", "cli", "--metric", "f1", "--storage", storage, "-o", str(out)]) == 2
    assert "metric" in capsys.readouterr().err


def test_report_demo_example_runs(tmp_path):
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, str(root / "examples" / "report_demo.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(root), "MPLBACKEND": "Agg"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "hpo_report.html").exists() and (tmp_path / "contour.png").exists()
