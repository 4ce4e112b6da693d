"""Log-scaled axes for the figures of ``visualization`` and ``importance``.

Matplotlib's default log tick labels are mathtext (``$10^{-3}$``), and parsing mathtext was
about a tenth of a 10,000-trial report's time; plain labels (``1e-03``) cost almost nothing.
"""

from __future__ import annotations

from typing import Literal

from matplotlib.axes import Axes
from matplotlib.ticker import LogFormatter


def log_scale(ax: Axes, axis: Literal["x", "y"] = "x") -> None:
    """Put ``ax``'s ``axis`` on a log scale with plain-text tick labels."""
    getattr(ax, f"set_{axis}scale")("log")
    ticks = getattr(ax, f"{axis}axis")
    ticks.set_major_formatter(LogFormatter())
    ticks.set_minor_formatter(LogFormatter(labelOnlyBase=False, minor_thresholds=(1, 0.4)))
