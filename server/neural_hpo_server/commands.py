"""``workspace/executeCommand``: run, cancel, open the report, apply best values, estimate the
time. Every argument is checked first (``arguments``), before a process starts."""

from __future__ import annotations

from typing import Any

from lsprotocol import types as lsp

from . import costs, edits, reports
from .arguments import (
    checked_names,
    checked_options,
    checked_trials,
    document,
    named_args,
    network_of,
    parse_run,
    refuse,
)
from .server import NeuralServer  # a runtime import: pygls resolves command annotations

RUN_HPO = "neural.runHpo"
CANCEL_HPO = "neural.cancelHpo"
OPEN_REPORT = "neural.openReport"
APPLY_BEST = "neural.applyBestValues"


def register(ls: NeuralServer) -> None:
    @ls.command(RUN_HPO)
    async def run_hpo(ls: NeuralServer, *args: Any) -> dict[str, Any]:
        if not ls.trusted:
            raise refuse("this workspace is not trusted: running HPO is off")
        req = await parse_run(ls, args)
        if ls.jobs.find(req.uri, req.network) is not None:
            raise refuse(f"HPO of {req.network} is already running; cancel it first")
        job = ls.jobs.start(req, ls.studies.url)
        return {"job": job.id}

    @ls.command(costs.ESTIMATE_TIME)
    async def estimate_time(ls: NeuralServer, *args: Any) -> dict[str, Any]:
        if not ls.trusted:
            raise refuse("this workspace is not trusted: estimating (which trains) is off")
        a = named_args(args, ("uri", "network", "trials", "options"))
        uri, path = document(ls, a.get("uri"))
        snap = await network_of(ls, uri, a.get("network"))
        if snap.analysis.errors:
            raise refuse(f"{uri} has errors; fix them before estimating")
        trials = checked_trials(a.get("trials"))
        options = checked_options(a.get("options"), costs.ESTIMATE_OPTIONS)
        result = await costs.estimate(ls, path, a["network"], trials, options)
        ls.tell("neural-hpo estimate: " + "\n".join(result["lines"]))
        return result

    @ls.command(CANCEL_HPO)
    async def cancel_hpo(ls: NeuralServer, *args: Any) -> dict[str, Any]:
        if len(args) == 1 and isinstance(args[0], str) and args[0] in ls.jobs.jobs:
            jobs = [ls.jobs.jobs[args[0]]]
        else:
            a = named_args(args, ("uri", "network"))
            uri, _ = document(ls, a.get("uri"))
            job = ls.jobs.find(uri, a.get("network"))
            jobs = [job] if job is not None else []
        if not jobs:
            raise refuse("no such running HPO job")
        for job in jobs:
            await ls.jobs.cancel(job)
        return {"cancelled": [j.id for j in jobs]}

    @ls.command(OPEN_REPORT)
    async def open_report(ls: NeuralServer, *args: Any) -> dict[str, Any]:
        a = named_args(args, ("uri", "network"))
        uri, _ = document(ls, a.get("uri"))
        path = await reports.generate(ls, uri, a.get("network"))
        await reports.show(ls, path)
        return {"path": str(path)}

    @ls.command(APPLY_BEST)
    async def apply_best(ls: NeuralServer, *args: Any) -> dict[str, Any]:
        a = named_args(args, ("uri", "network", "params"))
        uri, _ = document(ls, a.get("uri"))
        snap = await network_of(ls, uri, a.get("network"))
        wanted = checked_names(a.get("params"))
        info = ls.studies.get(a["network"])
        if info is None:
            raise refuse(f"no study of {a['network']} in the workspace storage yet")
        text_edits = edits.fix_to_best(snap, a["network"], info, wanted)
        if not text_edits:
            raise refuse("no parameter has a best value to apply")
        result = await ls.workspace_apply_edit_async(
            lsp.ApplyWorkspaceEditParams(
                edits.workspace_edit(ls, uri, text_edits), label="Apply best values"
            )
        )
        return {"applied": bool(result.applied), "edits": len(text_edits)}
