"""The report's own script in a real Chromium (DevTools protocol): hover a point for its
tooltip, click a trial for its learning curve, filter and sort the table, take live trials."""

from __future__ import annotations

import json

import pytest
from _cdp import open_browser
from _viz_studies import hostile, single_objective

from neural_hpo.visualization import create_optimization_report

CENTER = """(() => { const r = document.querySelector(%s).getBoundingClientRect();
  window.scrollBy(0, r.top - 200); const s = document.querySelector(%s).getBoundingClientRect();
  return [s.x + s.width / 2, s.y + s.height / 2]; })()"""

TIP = "!document.getElementById('hpo-tip').hidden && document.getElementById('hpo-tip').innerText"


def _center(browser, selector: str) -> list[float]:
    return browser.js(CENTER % (json.dumps(selector), json.dumps(selector)))


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("interactive") / "r.html"
    return create_optimization_report(single_objective(), "accuracy", out)


def test_hover_a_point_shows_its_trial_and_click_shows_its_learning_curve(report):
    with open_browser(report) as b:
        first = ".hpo-points circle[data-n]"
        number = b.js(f"document.querySelector({json.dumps(first)}).dataset.n")
        b.mouse("mouseMoved", *_center(b, first))
        tip = b.wait_for(TIP)
        lines = tip.splitlines()
        assert lines[0] == f"trial {number}"
        assert lines[1].startswith("accuracy = 0.")
        assert any(line.startswith("learning_rate = ") for line in lines)
        assert b.js("document.querySelectorAll('.hpo-points title').length") == 0  # no double tip

        b.mouse("click", *_center(b, first))
        curve = b.wait_for(
            "!document.getElementById('hpo-curve').hidden && "
            "document.getElementById('hpo-curve').innerText"
        )
        assert f"trial {number} — learning curve" in curve
        assert b.js("document.querySelectorAll('#hpo-curve polyline').length") == 1

        row = "table.trials tbody tr[data-n]"
        other = b.js(f"document.querySelector({json.dumps(row)}).dataset.n")
        b.mouse("click", *_center(b, row))
        assert f"trial {other} — learning curve" in b.js(
            "document.getElementById('hpo-curve').innerText"
        )


def test_filter_sort_and_live_trials(report):
    with open_browser(report) as b:
        visible = (
            "Array.from(document.querySelector('table.trials').tBodies[0].rows)"
            ".filter((r) => !r.hidden)"
        )
        total = b.js(f"{visible}.length")
        b.js(
            "const f = document.querySelector('input.hpo-filter'); f.value = 'state=PRUNED';"
            "f.dispatchEvent(new Event('input'))"
        )
        states = b.js(f"{visible}.map((r) => r.cells[1].textContent)")
        assert states and set(states) == {"PRUNED"} and len(states) < total
        b.js(
            "const g = document.querySelector('input.hpo-filter'); g.value = '';"
            "g.dispatchEvent(new Event('input'))"
        )

        b.js("document.querySelector('table.trials th').click()")  # "#": by number, ascending
        numbers = b.js(f"{visible}.map((r) => Number(r.cells[0].textContent))")
        assert numbers == sorted(numbers)

        before = b.js("window.scrollY")
        live = {
            "number": 999,
            "state": "COMPLETE",
            "metrics": {"accuracy": 0.5},
            "params": {"dropout": 0.25},
            "seconds": 1.0,
            "note": "",
            "curve": [[0, 0.4], [1, 0.5]],
        }
        b.js(f"window.postMessage({{type: 'neural.trials', trials: [{json.dumps(live)}]}}, '*')")
        b.wait_for("document.querySelectorAll('table.trials tr[data-n=\"999\"]').length === 2")
        assert b.js("document.querySelectorAll('#hpo-live circle[data-n]').length") >= 20
        assert b.js("window.scrollY") == before  # appended below the top: the page did not jump
        assert b.js("document.querySelector('tr[data-n=\"999\"]').cells[2].textContent") == "0.5"


def test_hostile_names_stay_text_in_the_tooltip(tmp_path):
    path = create_optimization_report(hostile(), "accuracy", tmp_path / "x.html")
    with open_browser(path) as b:
        b.mouse("mouseMoved", *_center(b, ".hpo-points circle[data-n]"))
        tip = b.wait_for(TIP)
        assert "<script>alert(1)</script>" in tip  # shown as text
        assert b.js("document.querySelectorAll('img, #hpo-tip script').length") == 0
