"""The trials table's rows as plain JSON-able data.

The HTML report renders them (and embeds them for its script: hover, learning curves), and the
language server pushes the rows of newly finished trials to a report open in the editor, so
both sides describe a trial the same way.
"""

from __future__ import annotations

import math
from typing import Any

from optuna.trial import FrozenTrial

from neural_hpo.trials import TrialSet, trial_to_dict


def trial_row(
    t: FrozenTrial, ts: TrialSet, metrics: list[str], params: list[str]
) -> dict[str, Any]:
    """One row: number, state, the ``metrics`` and ``params`` columns, seconds, failure note and
    learning curve (``[step, value]`` pairs of the intermediate values)."""
    start, end = t.datetime_start, t.datetime_complete
    return {
        "number": t.number,
        "state": t.state.name,
        "metrics": [ts.metric_value(t, m) for m in metrics],
        "params": [t.params.get(p) for p in params],
        "seconds": (end - start).total_seconds() if start and end else None,
        "note": fail_reason(t),
        "curve": [[step, value] for step, value in sorted(t.intermediate_values.items())],
    }


def named_row(t: FrozenTrial, ts: TrialSet) -> dict[str, Any]:
    """The row as the language server pushes it: metrics and parameters by name (the report
    picks its own columns), non-finite numbers as None (JSON has no NaN)."""
    metrics, params = ts.available_metrics(), ts.param_names()
    row = trial_row(t, ts, metrics, params)
    row["metrics"] = {m: _finite(v) for m, v in zip(metrics, row["metrics"])}
    row["params"] = dict(zip(params, row["params"]))
    row["curve"] = [[step, _finite(v)] for step, v in row["curve"]]
    return row


def _finite(v: Any) -> Any:
    return None if isinstance(v, float) and not math.isfinite(v) else v


def fail_reason(t: FrozenTrial) -> str:
    """Why a failed trial failed ('' for any other state)."""
    return trial_to_dict(t)["fail_reason"] or "" if t.state.name == "FAIL" else ""
