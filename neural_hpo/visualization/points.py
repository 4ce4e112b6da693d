"""Hoverable trial points over the report's optimization-history figure.

Matplotlib draws the scatter; this adds one transparent ``<circle>`` per drawn point at the same
place, carrying ``data-n`` (the trial number) and a ``<title>`` (trial and value: with the parameters
too, 10,000 trials' report went over 2 MB), so a plain browser shows a native tooltip and the
report's own script can show a richer one (parameters included) and the trial's learning curve. Call it after ``savefig``: the positions are those of the final layout.
"""

from __future__ import annotations

import numpy as np
from markupsafe import escape
from matplotlib.figure import Figure

from neural_hpo.visualization._common import MetricData, sample_indices

#: SVG user units per inch in matplotlib's SVG output
_SVG_DPI = 72.0


def hover_points(fig: Figure, data: MetricData) -> str:
    """The ``<g class="hpo-points">`` element to append inside the history figure's ``<svg>``."""
    ax = fig.axes[0]
    shown = sample_indices(data)
    numbers = np.array([t.number for t in data.trials])[shown]
    values = data.values[shown]
    xy = ax.transData.transform(np.c_[numbers, values]) * (_SVG_DPI / fig.dpi)
    height = fig.bbox.height * (_SVG_DPI / fig.dpi)
    circles = []
    for i, (x, y) in zip(shown, xy):
        t = data.trials[i]
        title = f"trial {t.number} · {data.metric} {_show(data.values[i])}"
        circles.append(
            f'<circle cx="{x:.1f}" cy="{height - y:.1f}" r="4" data-n="{t.number}">'
            f"<title>{escape(title)}</title></circle>"
        )
    return f'<g class="hpo-points">{"".join(circles)}</g>'


def _show(v: object) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)
