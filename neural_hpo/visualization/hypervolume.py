"""Progress of a multi-objective search: the hypervolume its front dominates, trial after trial."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from matplotlib.figure import Figure

from neural_hpo.engine.pareto import hypervolume_steps
from neural_hpo.visualization._common import empty_figure, new_figure


def plot_hypervolume_history(
    trials: Any,
    reference_point: Sequence[float] | None = None,
    objectives: Sequence[str] | None = None,
) -> Figure:
    """Hypervolume of the feasible Pareto front after each trial (see
    ``neural_hpo.engine.pareto`` for the default reference point)."""
    numbers, values, ref = hypervolume_steps(trials, reference_point, objectives)
    title = "Hypervolume history"
    if not numbers:
        return empty_figure(title, "no feasible complete trial recorded every objective")
    fig, (ax,) = new_figure(1, panel_size=(7.0, 3.6))
    ax.step(numbers, values, where="post", color="tab:purple", label="hypervolume")
    ax.scatter(numbers, values, s=10, color="tab:purple")
    shown = ", ".join(f"{v:.4g}" for v in ref)
    ax.set(title=title, xlabel="trial", ylabel=f"hypervolume (reference {shown})")
    ax.legend(loc="lower right", fontsize="small")
    return fig
