"""One self-contained HTML file with everything known about a study.

Figures are inline SVG and nothing is fetched from the network, so it opens from disk, in a
browser and in a VS Code webview under ``default-src 'none'; img-src data:; style-src
'unsafe-inline'`` plus one ``script-src 'nonce-…'``: the report's own script (hover a point, click
a trial for its learning curve, sort and filter the table, take live trials from the editor).
Everything it shows without the script stays there (native tooltips, two table orders); every
user string reaches the page escaped, or as JSON the script only ever puts in ``textContent``.
"""

from __future__ import annotations

import json
import re
import secrets
from pathlib import Path
from typing import Any

import jinja2
import optuna
from markupsafe import Markup

from neural_hpo.importance import ImportanceResult, cached_or_compute, importance
from neural_hpo.importance.core import MIN_ROWS
from neural_hpo.trial_rows import fail_reason, trial_row
from neural_hpo.trials import TrialSet, is_feasible, load_trials
from neural_hpo.visualization._common import MetricData, metric_data, param_scales, sample_indices
from neural_hpo.visualization.pareto import pareto_front
from neural_hpo.visualization.report_figures import render

#: rows of the trials table; larger studies show the best ones and say so
MAX_TABLE_ROWS = 500
#: rows of the Pareto and failed-trials tables
MAX_SIDE_ROWS = 200
#: metric columns of the trials table besides the report's metric
MAX_METRIC_COLUMNS = 6

_NONCE = re.compile(r"[A-Za-z0-9+/=_-]{8,}")
_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("neural_hpo", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def create_optimization_report(
    trials: Any,
    metric: str | None = None,
    output_path: str | Path = "hpo_report.html",
    *,
    script_nonce: str | None = None,
    max_table_rows: int = MAX_TABLE_ROWS,
    interactive: bool = True,
) -> Path:
    """Write the report of ``trials`` for ``metric`` (default: the first objective).

    ``interactive`` adds the report's script, allowed by ``script_nonce`` (a CSP nonce the host
    page allows; a fresh random one by default). ``interactive=False`` writes a page without
    any script: native tooltips and the table in two pre-sorted orders.
    """
    if script_nonce is not None and not _NONCE.fullmatch(script_nonce):
        raise ValueError("script_nonce: expected 8 or more base64 characters")
    if interactive and script_nonce is None:
        script_nonce = secrets.token_urlsafe(16)
    ts = load_trials(trials)
    data = metric_data(ts, metric or ts.default_metric())
    figures, result = render(data, lambda: _importance(trials, ts, data))
    table = _trials_table(data, max_table_rows)
    html = _ENV.get_template("report.html.j2").render(
        title=ts.study_name or "Optimization study",
        metric=data.metric,
        direction=data.direction,
        by_state=ts.by_state(),
        n_trials=len(ts.trials),
        objectives=list(zip(ts.metric_names, ts.directions)),
        best=_best(data),
        dsl_source=_dsl_source(trials, ts),
        figures=figures,
        importance=result,
        pareto=_pareto_table(ts),
        table=table,
        failed=_failed(ts),
        script_nonce=script_nonce if interactive else None,
        script_data=_script_data(data, table) if interactive else None,
    )
    path = Path(output_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path


def _importance(obj: Any, ts: TrialSet, data: MetricData) -> ImportanceResult | None:
    """The importance the report shows (the default method), None below 3 trials.

    For a study it is the result cached in the study, the one the language server's hovers and
    ``neural-hpo importance`` show, computed and cached here when missing or stale.
    """
    if len(data.trials) < MIN_ROWS:
        return None
    study = _study(obj)
    if study is not None:
        return cached_or_compute(study, data.metric, trials=ts)
    return importance(ts, data.metric)


def _script_data(data: MetricData, table: dict[str, Any]) -> Markup:
    """What the script knows of the trials (those in the table and the drawn points) as a JS
    literal: JSON with ``<``, ``>`` and ``&`` escaped, so no string can close the script."""
    rows = {r["number"]: r for r in table["by_number"]}
    ts = data.trials_set
    for i in sample_indices(data):
        t = data.trials[i]
        if t.number not in rows:
            rows[t.number] = trial_row(t, ts, table["metrics"], table["params"])
    payload = {
        "metric": data.metric,
        "direction": data.direction,
        "metrics": table["metrics"],
        "params": table["params"],
        "trials": [{k: rows[n][k] for k in _SCRIPT_KEYS} for n in sorted(rows)],
    }
    text = json.dumps(_rounded(payload), separators=(",", ":"))
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(ch, esc)
    return Markup(text)


def _best(data: MetricData) -> dict[str, Any] | None:
    """The best trial that met the study's constraints (any, without constraints)."""
    best = next((i for i in data.order() if is_feasible(data.trials[i])), None)
    if best is None:
        return None
    t = data.trials[best]
    return {"number": t.number, "value": data.values[best], "params": t.params}


def _study(obj: Any) -> optuna.Study | None:
    """The study behind the report's input, when it has one."""
    study = obj.get("_study") if isinstance(obj, dict) else obj
    return study if isinstance(study, optuna.Study) else None


def _dsl_source(obj: Any, ts: TrialSet) -> str | None:
    """The network source the engine stored on the study (or, failing that, on a trial)."""
    study = _study(obj)
    if study is not None and study.user_attrs.get("dsl_source"):
        return str(study.user_attrs["dsl_source"])
    return next(
        (str(t.user_attrs["dsl_source"]) for t in ts.trials if "dsl_source" in t.user_attrs), None
    )


#: what the script needs of a trial already on the page (tooltip, learning curve)
_SCRIPT_KEYS = ("number", "state", "metrics", "params", "curve")


def _rounded(value: Any) -> Any:
    """``value`` with every float to 6 significant digits, as the page shows them (a third of
    the size of the script's data at 10,000 trials)."""
    if isinstance(value, float):
        return float(f"{value:.6g}")
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return [_rounded(v) for v in value] if isinstance(value, list) else value


def _trials_table(data: MetricData, limit: int) -> dict[str, Any]:
    """Rows of the trials table in two orders: best first, and by trial number."""
    ts = data.trials_set
    metrics = [data.metric] + [m for m in ts.available_metrics() if m != data.metric]
    metrics = metrics[: MAX_METRIC_COLUMNS + 1]
    params = [s.name for s in param_scales(ts)]
    if len(ts.trials) <= limit:
        rank = {t.number: i for i, t in enumerate(data.trials[j] for j in data.order())}
        chosen = sorted(ts.trials, key=lambda t: (rank.get(t.number, len(rank)), t.number))
    else:
        chosen = [data.trials[j] for j in data.order()[:limit]]
    rows = [trial_row(t, ts, metrics, params) for t in chosen]
    return {
        "metrics": metrics,
        "params": params,
        "by_metric": rows,
        "by_number": sorted(rows, key=lambda r: r["number"]),
        "total": len(ts.trials),
    }


def _failed(ts: TrialSet) -> list[dict[str, Any]]:
    failed = [t for t in ts.trials if t.state.name == "FAIL"][-MAX_SIDE_ROWS:]
    return [{"number": t.number, "reason": fail_reason(t)} for t in failed]


def _pareto_table(ts: TrialSet) -> dict[str, Any] | None:
    """The non-dominated trials of a multi-objective study, best on the first objective first."""
    if len(ts.metric_names) < 2:
        return None
    done, mask = pareto_front(ts, ts.metric_names)
    first = metric_data(ts, ts.metric_names[0])
    sign = -1.0 if first.maximize else 1.0
    front = sorted(
        (t for t, keep in zip(done, mask) if keep),
        key=lambda t: sign * ts.metric_value(t, ts.metric_names[0]),
    )
    return {
        "metrics": ts.metric_names,
        "rows": [
            {
                "number": t.number,
                "values": [ts.metric_value(t, m) for m in ts.metric_names],
                "params": t.params,
            }
            for t in front[:MAX_SIDE_ROWS]
        ],
        "total": len(front),
    }
