"""W506: a corner of the space whose model is too large to train on an ordinary machine.

The cheap interval bound is computed first; only when it reaches the limit is the space counted
corner by corner (``network_cost``), so the warning names a size some corner really has.
"""

from __future__ import annotations

from ..cost import most_params_bound, network_cost
from ..diagnostics import Diagnostic
from ..model import Network
from ..space.model import SearchSpace

#: parameters from which a model is warned about: float32 weights alone take 4 GB, and training
#: (gradients, optimizer moments) three to four times that, more than a CPU machine has to spare
MAX_PARAMS = 10**9


def check_memory(net: Network, space: SearchSpace) -> list[Diagnostic]:
    """W506 when some corner of ``net`` over ``space`` has at least ``MAX_PARAMS`` parameters."""
    bound = most_params_bound(net, space)
    if bound is None or bound < MAX_PARAMS:
        return []
    cost = network_cost(net, space)
    if cost is None or cost.params[1] < MAX_PARAMS:
        return []
    within = "" if cost.exact else "up to "
    return [
        Diagnostic(
            "W506",
            f"network {net.name} has {within}{cost.params[1]:,.0f} parameters at some corner of "
            f"its space ({cost.size_mb[1] / 1024:,.1f} GiB of float32 weights): training it will "
            "likely run out of memory",
            net.name_span,
            hint="lower the largest units/filters, or pool before Flatten",
        )
    ]
