"""The cost before a run: the parameter count and model size over the whole space (a code
lens and the network hover, from ``neural_hpo.dsl.cost``), and ``neural.estimateTime``, which
times real batches in a child process (``neural-hpo estimate --json``): the server never trains.
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
from typing import TYPE_CHECKING, Any

from pygls.exceptions import JsonRpcInternalError

from neural_hpo.dsl.cost import Cost, network_cost

if TYPE_CHECKING:
    from .server import NeuralServer

log = logging.getLogger(__name__)

ESTIMATE_TIME = "neural.estimateTime"
ESTIMATE_TIMEOUT_S = 600
#: options of ``neural.estimateTime``, flags of both ``neural-hpo estimate`` and ``run``
ESTIMATE_OPTIONS = ("device", "dataset", "data_dir", "epochs", "limit", "jobs")
_cache: collections.OrderedDict[tuple[int, str], Cost | None] = collections.OrderedDict()


def cost_of(snap: Any, name: str) -> Cost | None:
    """The cost of network ``name`` in ``snap`` (None while the network has errors), cached
    per analysis: lenses and hovers ask for it on every request."""
    key = (id(snap.analysis), name)
    if key not in _cache:
        space = snap.analysis.spaces.get(name)
        net = next((n for n in snap.analysis.file.networks if n.name == name), None)
        ok = space is not None and net is not None and not space.problems
        _cache[key] = network_cost(net, space) if ok and not snap.analysis.errors else None
        while len(_cache) > 32:
            _cache.popitem(last=False)
    return _cache[key]


async def estimate(
    ls: NeuralServer, path: str, network: str, trials: int | None, options: dict[str, Any]
) -> dict[str, Any]:
    """Run ``neural-hpo estimate`` on the saved file and return its JSON."""
    from .engine_cli import flag_of

    argv = [ls.settings.python, "-m", "neural_hpo.cli", "estimate", path, "--network", network]
    argv += ["--json"] + (["--trials", str(trials)] if trials is not None else [])
    for key, value in options.items():
        argv += [flag_of(key), str(value)]
    proc = await asyncio.create_subprocess_exec(
        *argv,
        cwd=str(ls.root()),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), ESTIMATE_TIMEOUT_S)
    except TimeoutError:
        proc.kill()
        raise JsonRpcInternalError(message=f"estimate took over {ESTIMATE_TIMEOUT_S}s") from None
    if proc.returncode != 0:
        detail = err.decode("utf-8", "replace").strip().splitlines()[-1:]
        raise JsonRpcInternalError(message=f"estimate failed: {' '.join(detail)}")
    return json.loads(out.decode("utf-8").strip().splitlines()[-1])
