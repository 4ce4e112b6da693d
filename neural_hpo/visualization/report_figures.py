"""The report's figures: which apply to a study, and each drawn as inline SVG, several at once.

At 10,000 trials most of a report's time is matplotlib (layout and SVG export, all Python, one
figure after another) and the importance analysis. Where the platform forks, worker processes
inherit the trials (encoded for the analysis before the fork) and draw the figures side by side
while this process computes the importance that the remaining figures (bars, contour,
interactions) need, at a higher priority than theirs; elsewhere, or for a small study, the
figures are drawn here one by one. Either way the page gets the same markup.
"""

from __future__ import annotations

import gc
import io
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, NamedTuple

import matplotlib
from markupsafe import Markup
from matplotlib.figure import Figure
from threadpoolctl import threadpool_limits

from neural_hpo.importance import ImportanceResult
from neural_hpo.importance.encoding import encode
from neural_hpo.importance.plots import importance_bars, interaction_heatmap, marginal_effects
from neural_hpo.visualization._common import MetricData, param_scales
from neural_hpo.visualization.contour import plot_contour
from neural_hpo.visualization.correlation import plot_correlation_heatmap
from neural_hpo.visualization.history import plot_optimization_history
from neural_hpo.visualization.hypervolume import plot_hypervolume_history
from neural_hpo.visualization.intermediate import plot_intermediate_values
from neural_hpo.visualization.parallel import plot_parallel_coordinates
from neural_hpo.visualization.pareto import plot_multi_objective_pareto
from neural_hpo.visualization.points import hover_points
from neural_hpo.visualization.slices import plot_slice

#: lines parallel coordinates highlights
PARALLEL_TOP_N = 50
#: the figure whose points are hoverable
HISTORY = "Optimization history"
#: trials from which the figures are drawn in worker processes (below, forking costs more)
PARALLEL_FROM = 2000
#: most worker processes
MAX_WORKERS = 4
#: how much the workers yield to this process: the importance here is the path every figure
#: that needs it waits on, so it gets a core while the workers share the rest
WORKER_NICE = 5


class Plot(NamedTuple):
    """One figure of the report: its heading, its factory, and whether it needs the importance."""

    heading: str
    make: Callable[[], Figure]
    ranked: bool = False


def plots(data: MetricData, result: ImportanceResult | None) -> list[Plot]:
    """The plots that apply to this study, in page order (those that need the importance
    only once ``result`` is given)."""
    ts, m, n = data.trials_set, data.metric, len(data.trials)
    params = [s.name for s in param_scales(ts)]
    out: list[Plot] = []
    if n:
        out.append(Plot(HISTORY, lambda: plot_optimization_history(ts, m)))
    if any(t.intermediate_values for t in ts.trials):
        out.append(Plot("Learning curves", lambda: plot_intermediate_values(ts, m)))
    if len(ts.metric_names) > 1 and n:
        x, y, *z = ts.metric_names[:3]
        out.append(Plot("Pareto front", lambda: plot_multi_objective_pareto(ts, x, y, *z)))
        out.append(Plot("Hypervolume history", lambda: plot_hypervolume_history(ts)))
    if not (n and params):
        return out
    out.append(Plot("Slice plot", lambda: plot_slice(ts, m)))
    top = min(PARALLEL_TOP_N, n)
    out.append(Plot("Parallel coordinates", lambda: plot_parallel_coordinates(ts, m, top_n=top)))
    if result:  # 3 trials or more, and a parameter that varies
        out.append(Plot("Parameter importance", lambda: importance_bars(result), True))
    if n >= 3:
        out.append(Plot("Correlation", lambda: plot_correlation_heatmap(ts, m)))
    if result:
        known = result.marginals
        out.append(
            Plot("Marginal effects", lambda: marginal_effects(encode(ts, m), known=known), True)
        )
    if len(params) >= 2 and n >= 2:
        ranked = list(result or {})
        px, py = (ranked + [p for p in params if p not in ranked])[:2]
        heading = f"Contour: {px} × {py}"
        out.append(Plot(heading, lambda: plot_contour(ts, px, py, m), True))
    if result and result.interactions and n >= 5:
        out.append(Plot("Interactions", lambda: interaction_heatmap(result), True))
    return out


def svg(fig: Figure, salt: str, points: MetricData | None = None) -> Markup:
    """The figure as inline SVG markup; text stays text (escaped by matplotlib), ids unique
    per ``salt``. With ``points``, the history's hoverable trial points go on top.

    The layout engine runs once, here, and is then frozen: with an engine, ``savefig`` draws
    the whole figure twice (a dry run for the layout, then the SVG), a third of a large report."""
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.execute(fig)
        fig.set_layout_engine(None)  # "none" keeps a placeholder, and the dry run with it
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": salt}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    text = text[text.index("<svg") :]
    if points is not None:
        end = text.rindex("</svg>")
        text = text[:end] + hover_points(fig, points) + text[end:]
    return Markup(text)  # matplotlib escapes the text it writes, hover_points its titles


def render(
    data: MetricData, importance_of: Callable[[], ImportanceResult | None]
) -> tuple[list[tuple[str, Markup]], ImportanceResult | None]:
    """Every figure as (heading, SVG), and the importance ``importance_of`` returned (called
    here, while the figures that do not need it are being drawn)."""
    with _executor(data) as pool:
        early = {
            p.heading: pool.submit(_draw, p.heading, None)
            for p in sorted(_SHARED["early"], key=_cost)
            if not p.ranked
        }
        result = importance_of()
        final = _SHARED["final"] = plots(data, result)  # workers forked before make their own
        late = {
            p.heading: pool.submit(_draw, p.heading, result)
            for p in final
            if p.heading not in early
        }
        drawn = {**early, **late}
        return [(p.heading, Markup(drawn[p.heading].result())) for p in final], result


#: what a worker draws from: set before the workers fork, so they inherit it
_SHARED: dict[str, Any] = {}
#: the slowest figures at 10,000 trials, to be started first
_SLOW = ("Slice plot", "Parallel coordinates", "Correlation")


def _cost(p: Plot) -> int:
    return _SLOW.index(p.heading) if p.heading in _SLOW else len(_SLOW)


def _draw(heading: str, result: ImportanceResult | None) -> str:
    """One figure's SVG, from the shared trials (in a worker, or here)."""
    data = _SHARED["data"]
    if result is not None and "final" not in _SHARED:  # once per process, not per figure
        _SHARED["final"] = plots(data, result)
    (plot,) = (p for p in _SHARED["early" if result is None else "final"] if p.heading == heading)
    return str(svg(plot.make(), f"fig-{heading}", data if heading == HISTORY else None))


class _Here(Executor):
    """Runs each task at once, in this process."""

    def submit(self, fn, /, *args, **kwargs) -> Future:  # type: ignore[override]
        future: Future = Future()
        future.set_result(fn(*args, **kwargs))
        return future


@contextmanager
def _executor(data: MetricData) -> Iterator[Executor]:
    """Worker processes forked from here for a large study where fork exists, else this one.
    Only a process with one thread forks (``neural-hpo report`` is one): a lock another thread
    held at the fork would stay locked in the workers."""
    workers = min(os.cpu_count() or 1, MAX_WORKERS)
    fork = "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
    _SHARED.update(data=data, early=plots(data, None))
    try:
        if len(data.trials) < PARALLEL_FROM or workers < 2 or not fork:
            yield _Here()
            return
        context = multiprocessing.get_context("fork")
        encode(data.trials_set, data.metric)  # the importance and the marginal effects read it
        gc.freeze()  # the workers' collector leaves the inherited trials' pages shared
        try:
            # one BLAS/OpenMP thread in each process (the workers inherit it): they already
            # keep every core busy, and threads spinning beside them cost a sixth more CPU
            with (
                threadpool_limits(1),
                ProcessPoolExecutor(
                    workers, mp_context=context, initializer=os.nice, initargs=(WORKER_NICE,)
                ) as pool,
            ):
                yield pool
        finally:
            gc.unfreeze()
    finally:
        _SHARED.clear()
