"""Checking the arguments of commands and requests (``workspace/executeCommand``,
``neural/report``).

Arguments come from code lenses or from any client, so each is validated: only `.neural`
documents inside the workspace, networks the file defines, known executors, samplers and
options. Anything else is refused with an InvalidParams error, before a process starts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcInvalidParams

from neural_hpo.dsl.catalog import SAMPLERS

from . import engine_cli
from .jobs import RunRequest

if TYPE_CHECKING:
    from .analyzer import Snapshot
    from .server import NeuralServer

EXECUTORS = ("local", "ray")
MAX_TRIALS = 100_000
#: run options a client may pass, as ``neural-hpo run --<name>``; types and choices come from
#: the CLI's option table (``engine_cli``). The server sets network, trials, sampler, storage.
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


def request_args(params: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """``named_args`` of a custom request's params (an object, a list, or nothing)."""
    if hasattr(params, "_asdict"):  # pygls hands a JSON object over as a namedtuple
        params = params._asdict()
    return named_args((params,) if isinstance(params, dict) else tuple(params or ()), names)


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


async def network_of(ls: NeuralServer, uri: str, network: Any) -> Snapshot:
    """The current analysis of ``uri`` if it defines ``network``."""
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
    """``options`` checked against the CLI's options: names in ``known``, types, choices."""
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


def checked_trials(trials: Any, limit: int | None = None) -> int | None:
    """``trials``: None or an int (in [1, ``limit``] when a limit is given), else refused."""
    if trials is None:
        return None
    is_int = isinstance(trials, int) and not isinstance(trials, bool)
    if limit is None and not is_int:
        raise refuse(f"trials must be an int, not {trials!r}")
    if limit is not None and not (is_int and 1 <= trials <= limit):
        raise refuse(f"trials must be an int in [1, {limit}], not {trials!r}")
    return trials


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
    trials = checked_trials(ls.settings.defaultTrials if trials is None else trials, MAX_TRIALS)
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


def checked_names(names: Any) -> list[str] | None:
    """``params`` of applyBestValues: None or a list of parameter names, else refused."""
    if names is not None and not (
        isinstance(names, list) and all(isinstance(p, str) for p in names)
    ):
        raise refuse("params must be a list of parameter names")
    return names
