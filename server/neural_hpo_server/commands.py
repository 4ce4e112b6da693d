"""``workspace/executeCommand``: run, cancel, open the report, apply best values.

Arguments come from code lenses or from any client, so each is validated: only `.neural`
documents inside the workspace, networks the file defines, known executors, samplers and
options. Anything else is refused with an InvalidParams error, before a process starts.
"""

from __future__ import annotations

from typing import Any

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcInvalidParams

from neural_hpo.dsl.catalog import SAMPLERS

from . import costs, edits, engine_cli, reports
from .jobs import RunRequest
from .server import NeuralServer  # a runtime import: pygls resolves command annotations

RUN_HPO = "neural.runHpo"
CANCEL_HPO = "neural.cancelHpo"
OPEN_REPORT = "neural.openReport"
APPLY_BEST = "neural.applyBestValues"

EXECUTORS = ("local", "ray")
MAX_TRIALS = 100_000
#: run options a client may pass, as ``neural-hpo run --<name>``; types and choices come from
#: the CLI's parser (``engine_cli``). The server sets network, trials, sampler, storage itself.
OPTIONS = (
    "epochs",
    "limit",
    "dataset",
    "device",
    "seed",
    "timeout",
    "metric",
    "study",
    "pruning",
    "pruner",
    "jobs",
    "allow_space_change",
    "fresh",
)


def refuse(message: str) -> JsonRpcInvalidParams:
    return JsonRpcInvalidParams(message=message)


def named_args(args: tuple[Any, ...], names: tuple[str, ...]) -> dict[str, Any]:
    """Arguments as one object ``{uri, network, ...}`` or positionally in ``names`` order."""
    if len(args) == 1 and isinstance(args[0], dict):
        out = dict(args[0])
    elif len(args) <= len(names):
        out = dict(zip(names, args))
    else:
        raise refuse(
            f"expected at most {len(names)} arguments ({', '.join(names)}), got {len(args)}"
        )
    unknown = set(out) - set(names)
    if unknown:
        raise refuse(
            f"unknown argument(s) {', '.join(sorted(unknown))}; expected {', '.join(names)}"
        )
    return out


def document(ls: NeuralServer, uri: Any) -> tuple[str, str]:
    """``(uri, path)`` of a `.neural` file inside the workspace that exists, else refused."""
    if not isinstance(uri, str):
        raise refuse("the first argument must be a document URI")
    path = ls.workspace_path(uri)
    if path is None:
        raise refuse(f"{uri} is not a file inside the workspace")
    if path.suffix != ".neural" or not (uri in ls.documents or path.is_file()):
        raise refuse(f"{uri} is not a .neural file of the workspace")
    return uri, str(path)


async def network_of(ls: NeuralServer, uri: str, network: Any) -> Any:
    """The current analysis of ``uri`` if it defines ``network`` and has no errors."""
    if not isinstance(network, str):
        raise refuse("network must be a name")
    doc = ls.documents.get(uri)
    snap = await ls.analyzer.current(uri, doc.version if doc else None)
    if snap is None:
        raise refuse(f"{uri} has not been analysed yet")
    if network not in snap.analysis.spaces:
        names = ", ".join(snap.analysis.spaces) or "none"
        raise refuse(f"{uri} defines no network {network!r} (networks: {names})")
    return snap


def checked_options(options: Any, known: tuple[str, ...]) -> dict[str, Any]:
    """``options`` checked against the CLI's parser: names in ``known``, types, choices."""
    options = options or {}
    if not isinstance(options, dict):
        raise refuse("options must be an object")
    for key, value in options.items():
        if key not in known:
            raise refuse(f"unknown option {key!r}; known: {', '.join(known)}")
        problem = engine_cli.check_value(key, value)
        if problem is not None:
            raise refuse(f"option {key} {problem}")
        if isinstance(value, str) and (value.startswith("-") or "\n" in value):
            raise refuse(f"option {key}: {value!r} is not allowed")
    return options


async def parse_run(ls: NeuralServer, args: tuple[Any, ...]) -> RunRequest:
    """A validated ``RunRequest`` from the command's arguments."""
    a = named_args(args, ("uri", "network", "executor", "trials", "sampler", "options"))
    uri, path = document(ls, a.get("uri"))
    snap = await network_of(ls, uri, a.get("network"))
    errors = snap.analysis.errors
    if errors:
        raise refuse(f"{uri} has {len(errors)} error(s); fix them before running HPO")
    executor = a.get("executor") or "local"
    if executor not in EXECUTORS:
        raise refuse(f"executor must be one of {', '.join(EXECUTORS)}, not {executor!r}")
    trials = a.get("trials")
    trials = ls.settings.defaultTrials if trials is None else trials
    if trials is not None and (
        isinstance(trials, bool) or not isinstance(trials, int) or not 1 <= trials <= MAX_TRIALS
    ):
        raise refuse(f"trials must be an int in [1, {MAX_TRIALS}], not {trials!r}")
    sampler = a.get("sampler") or ls.settings.sampler
    if sampler is not None and sampler not in SAMPLERS:
        raise refuse(f"sampler must be one of {', '.join(SAMPLERS)}, not {sampler!r}")
    options = checked_options(a.get("options"), OPTIONS)
    doc = ls.documents.get(uri)
    if doc is not None and doc.text != ls.text_of_disk(uri):
        ls.tell(
            f"{a['network']}: running the saved file; unsaved changes are not part of this run",
            lsp.MessageType.Warning,
        )
    return RunRequest(uri, path, a["network"], executor, trials, sampler, options)


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
        trials = a.get("trials")
        if trials is not None and (isinstance(trials, bool) or not isinstance(trials, int)):
            raise refuse(f"trials must be an int, not {trials!r}")
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
        wanted = a.get("params")
        if wanted is not None and not (
            isinstance(wanted, list) and all(isinstance(p, str) for p in wanted)
        ):
            raise refuse("params must be a list of parameter names")
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
