"""The trials table's rows as plain JSON-able data.

The HTML report renders them (and embeds them for its script: hover, learning curves), and the
language server pushes the rows of newly finished trials to a report open in the editor, so
both sides describe a trial the same way.
"""

from __future__ import annotations

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


def fail_reason(t: FrozenTrial) -> str:
    """Why a failed trial failed ('' for any other state)."""
    return trial_to_dict(t)["fail_reason"] or "" if t.state.name == "FAIL" else ""
