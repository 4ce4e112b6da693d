"""What a network costs over its whole search space, before anything trains: the least and the
most trainable parameters and the model size, from the shape intervals the checker propagates.

Each layer's count is a formula of its input and output sizes and its arguments, all positive and
growing in each of them. A space of at most ``MAX_CORNERS`` corners (every option of a
categorical, both ends of a range) is counted corner by corner, so the least and most are those
of actual corners. A larger one gets the interval ends, which bound every corner but need not be
attained where sizes fight (a larger kernel shrinks the next layer's input): ``Cost.exact`` says
which. The counts match the PyTorch model the builder makes (a test checks each layer); a layer
without a formula (or a shape the checker cannot bound) makes the cost unknown.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from .arguments import bind_layer
from .catalog import LAYERS
from .checks.shapes import Shape, input_shape, propagate
from .intervals import Interval, interval, intervals_nd, options
from .model import Layer, Network
from .space.materialize import materialize
from .space.model import SearchSpace

Bounds = tuple[float, float]
#: float32 parameters and buffers
BYTES = 4
#: spaces with at most this many corners are counted corner by corner
MAX_CORNERS = 128
_FREE = {
    "Dropout",
    "Flatten",
    "Activation",
    "Reshape",
    "MaxPooling1D",
    "MaxPooling2D",
    "AveragePooling1D",
    "AveragePooling2D",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
}


@dataclass(frozen=True)
class Cost:
    """Trainable parameters and model size (MiB, parameters and buffers) as ``(least, most)``
    over the space, and its number of configurations (None: a continuous parameter)."""

    params: Bounds
    size_mb: Bounds
    configurations: int | None
    exact: bool = True

    def text(self) -> str:
        """``12.3k–1.2M parameters · 0.05–4.6 MB · 96 configurations``."""
        size = self.configurations
        within = "" if self.exact else "within "
        count = f"{size:,} configurations" if size is not None else "continuous space"
        return f"{within}{_span(self.params, _count)} parameters · {_span(self.size_mb, _mb)} MB · {count}"


def network_cost(net: Network, space: SearchSpace) -> Cost | None:
    """The cost of ``net`` over ``space``; None when some layer's count cannot be bounded."""
    corners = _corners(space)
    if corners is None:
        found = _bounds(net, space)
        return None if found is None else Cost(*found, space.size(), exact=False)
    each = [_bounds(materialize(net, c, space), space) for c in corners]
    if any(b is None for b in each):
        return None
    params = [b[0] for b in each]  # type: ignore[index]
    sizes = [b[1] for b in each]  # type: ignore[index]
    return Cost(
        (min(p[0] for p in params), max(p[1] for p in params)),
        (min(m[0] for m in sizes), max(m[1] for m in sizes)),
        space.size(),
    )


def most_params_bound(net: Network, space: SearchSpace) -> float | None:
    """An upper bound on every corner's parameter count from one interval pass (cheap: no
    corner is built); None when it cannot be bounded."""
    found = _bounds(net, space)
    return None if found is None else found[0][1]


def extreme_corners(net: Network, space: SearchSpace) -> tuple[dict, dict]:
    """The corners with the fewest and the most parameters (with too many corners to count,
    every parameter at its low / high end: the first / last option of a categorical)."""
    corners = _corners(space)
    counted = [
        (b[0], c) for c in corners or [] if (b := _bounds(materialize(net, c, space), space))
    ]
    if corners and len(counted) == len(corners):
        return min(counted, key=lambda x: x[0])[1], max(counted, key=lambda x: x[0])[1]
    ends = [
        (p.choices[0], p.choices[-1]) if p.kind == "categorical" else (p.low, p.high) for p in space
    ]
    return (
        {p.name: lo for p, (lo, _) in zip(space, ends)},
        {p.name: hi for p, (_, hi) in zip(space, ends)},
    )


def _corners(space: SearchSpace) -> list[dict] | None:
    """Every corner (None when more than MAX_CORNERS): each option of a categorical, both ends
    of a range; inactive conditional parameters are ignored by ``materialize``."""
    axes = [list(p.choices) if p.kind == "categorical" else [p.low, p.high] for p in space]
    if math.prod(len(a) for a in axes) > MAX_CORNERS:
        return None
    return [dict(zip(space.names(), c)) for c in itertools.product(*axes)]


def _bounds(net: Network, space: SearchSpace) -> tuple[Bounds, Bounds] | None:
    """Parameters and size (MiB) of ``net`` as interval ends."""
    shape = input_shape(net)
    counted = _layers(net.layers, shape, space) if shape is not None else None
    if counted is None:
        return None
    (plo, phi), (blo, bhi) = counted
    return (plo, phi), ((plo + blo) * BYTES / 2**20, (phi + bhi) * BYTES / 2**20)


def _layers(layers: list[Layer], shape: Shape, space: SearchSpace) -> tuple[Bounds, Bounds] | None:
    """Parameters and buffers of ``layers`` run on ``shape``."""
    total = [0.0, 0.0, 0.0, 0.0]
    for layer in layers:
        out = propagate([layer], shape, space, [])
        if out is None:
            return None
        repeat = Interval.point(1) if layer.repeat is None else interval(layer.repeat, space)
        first = _layer(layer, shape, out, space)
        rest = _layer(layer, out, out, space) if repeat is not None and repeat.hi > 1 else first
        if first is None or rest is None or repeat is None:
            return None
        for i, (a, b) in enumerate(zip(first, rest)):
            total[i] += a + (repeat.lo if i % 2 == 0 else repeat.hi) * b - b
        shape = out
    return (total[0], total[1]), (total[2], total[3])


def _layer(layer: Layer, shape: Shape, out: Shape, space: SearchSpace) -> list[float] | None:
    """``[params lo, params hi, buffers lo, buffers hi]`` of one application of ``layer``."""
    name = layer.name
    if name in _FREE:
        return [0, 0, 0, 0]
    spec = LAYERS.get(name)
    if spec is None or not shape or (shape[-1] is None and name != "Embedding"):
        return None
    args = {k: a.value for k, a in bind_layer(layer, spec).values.items()}

    def num(arg: str) -> Interval | None:
        if arg in args:
            return interval(args[arg], space)
        default = spec.arg(arg).default if spec.arg(arg) else None
        return Interval.point(default) if isinstance(default, (int, float)) else None

    def flag(arg: str) -> Bounds | None:
        found = options(args[arg], space) if arg in args else [(spec.arg(arg).default, ())]
        return (
            None
            if found is None
            else (min(bool(v) for v, _ in found), max(bool(v) for v, _ in found))
        )

    c = shape[-1]
    if name in ("Dense", "Output"):
        fan_in, units, bias = _fan_in(shape), num("units"), flag("use_bias")
        if fan_in is None or units is None or bias is None:
            return None
        return [
            fan_in.lo * units.lo + units.lo * bias[0],
            fan_in.hi * units.hi + units.hi * bias[1],
            0,
            0,
        ]
    if name.startswith("Conv"):
        k = intervals_nd(args.get("kernel_size"), len(shape) - 1, space)
        f, bias = out[-1], flag("use_bias")
        if k is None or f is None or bias is None:
            return None
        lo = math.prod(x.lo for x in k) * c.lo * f.lo + f.lo * bias[0]
        hi = math.prod(x.hi for x in k) * c.hi * f.hi + f.hi * bias[1]
        return [lo, hi, 0, 0]
    if name == "BatchNormalization":
        return [2 * c.lo, 2 * c.hi, 2 * c.lo + 2, 2 * c.hi + 2]  # + an int64 step count
    if name == "LayerNormalization":
        return [2 * c.lo, 2 * c.hi, 0, 0]
    if name == "Embedding":
        vocab, dim = num("input_dim"), num("output_dim")
        if vocab is None or dim is None:
            return None
        return [vocab.lo * dim.lo, vocab.hi * dim.hi, 0, 0]
    if name in ("LSTM", "GRU"):
        return _recurrent(
            4 if name == "LSTM" else 3, c, num("units"), num("num_layers"), flag("bidirectional")
        )
    if name in ("MultiHeadAttention", "TransformerEncoder"):
        return _attention(layer, c, num("ff_dim"), space)
    return None


def _fan_in(shape: Shape) -> Interval | None:
    if any(a is None for a in shape):
        return None
    return Interval(math.prod(a.lo for a in shape), math.prod(a.hi for a in shape))


def _recurrent(
    gates: int, c: Interval, h: Interval | None, layers: Interval | None, bi: Bounds | None
) -> list[float] | None:
    """PyTorch's RNNs: per layer and direction ``gates * (in*h + h*h + 2h)``."""
    if h is None or layers is None or bi is None:
        return None

    def count(inp: float, hid: float, n: float, dirs: int) -> float:
        first = dirs * gates * (inp * hid + hid * hid + 2 * hid)
        return first + (n - 1) * dirs * gates * (dirs * hid * hid + hid * hid + 2 * hid)

    lo = count(c.lo, h.lo, layers.lo, 1 + int(bi[0]))
    return [lo, count(c.hi, h.hi, layers.hi, 1 + int(bi[1])), 0, 0]


def _attention(
    layer: Layer, d: Interval, ff: Interval | None, space: SearchSpace
) -> list[float] | None:
    """Attention ``4d² + 4d``; an encoder adds two LayerNorms and its feed-forward part (the
    sub-layer block, else PyTorch's two linear layers of ``ff_dim``)."""
    attn = [4 * d.lo**2 + 4 * d.lo, 4 * d.hi**2 + 4 * d.hi]
    if layer.name == "MultiHeadAttention":
        return [*attn, 0, 0]
    if layer.sublayers:
        inner = _layers(layer.sublayers, [d], space)
        if inner is None:
            return None
        (plo, phi), (blo, bhi) = inner
        return [attn[0] + 4 * d.lo + plo, attn[1] + 4 * d.hi + phi, blo, bhi]
    if ff is None:
        return None
    lo = attn[0] + 4 * d.lo + 2 * d.lo * ff.lo + ff.lo + d.lo
    return [lo, attn[1] + 4 * d.hi + 2 * d.hi * ff.hi + ff.hi + d.hi, 0, 0]


def _span(b: Bounds, show) -> str:
    return show(b[0]) if b[0] == b[1] else f"{show(b[0])}–{show(b[1])}"


def _count(n: float) -> str:
    for unit, size in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if n >= size:
            return f"{n / size:.3g}{unit}"
    return str(int(n))


def _mb(x: float) -> str:
    return f"{x:.3g}"
