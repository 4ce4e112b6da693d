"""Shape propagation over every corner of the search space at once, by intervals.

Each axis is an ``Interval`` of sizes (or None for a free axis). A layer maps the input
intervals to output intervals using the argument intervals, taking the smallest output from the
corner that minimises it; when that smallest output is empty the corner is named in the error.
Shapes are channels-last, without the batch axis.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ..arguments import bind_layer
from ..catalog import LAYERS
from ..diagnostics import Diagnostic
from ..intervals import Interval, corner_text, interval, intervals_nd, merge, options
from ..model import Layer, Literal, Network, TupleValue
from ..space.model import SearchSpace

Shape = list[Interval | None]


class ShapeError(Exception):
    """A layer cannot take its input at some corner of the space."""

    def __init__(self, code: str, message: str, hint: str | None = None, named: bool = False):
        super().__init__(message)
        self.code, self.hint, self.named = code, hint, named  # named: the message names the layer


#: layers whose weights are sized by the last axis of their input, which must then be fixed
_SIZED_BY_FEATURES = frozenset(
    (
        "Conv1D",
        "Conv2D",
        "Conv3D",
        "BatchNormalization",
        "LayerNormalization",
        "LSTM",
        "GRU",
        "MultiHeadAttention",
        "TransformerEncoder",
    )
)


def check_shapes(net: Network, space: SearchSpace) -> list[Diagnostic]:
    """Propagate the input shape through the layers; one diagnostic per broken layer, after
    which propagation stops (later shapes would only echo the first error)."""
    shape = input_shape(net)
    if shape is None:
        return []
    out: list[Diagnostic] = []
    propagate(net.layers, shape, space, out)
    return out


def input_shape(net: Network) -> Shape | None:
    """The declared ``input`` as intervals, a legacy batch axis dropped (None when absent or
    invalid: reported elsewhere)."""
    axes = net.input_axes()
    if not axes:
        return None
    shape: Shape = []
    for item in axes:
        if not isinstance(item, Literal):
            return None
        v = item.value
        if v is None:
            shape.append(None)
        elif isinstance(v, int) and not isinstance(v, bool) and v > 0:
            shape.append(Interval.point(v))
        else:
            return None
    return shape


def propagate(
    layers: list[Layer], shape: Shape | None, space: SearchSpace, out: list[Diagnostic]
) -> Shape | None:
    """The shape after ``layers``; errors are appended to ``out``."""
    for layer in layers:
        if shape is None:
            return None
        shape = _through(layer, shape, space, out)
    return shape


def _through(layer: Layer, shape: Shape, space: SearchSpace, out: list[Diagnostic]) -> Shape | None:
    if SHAPE_RULES.get(layer.name) is None or layer.name not in LAYERS:
        return None  # unknown layer: reported by the name checks
    counts = _repeat_counts(layer, space)
    if counts is None:
        return None
    results: list[Shape] = []
    for n in counts:
        s: Shape | None = shape
        try:
            for _ in range(n):
                s = layer_output(layer, s, space, out)
                if s is None:
                    break
        except ShapeError as e:
            message = str(e) if e.named else f"{layer.name}: {e}"
            out.append(Diagnostic(e.code, message, layer.origin or layer.name_span, hint=e.hint))
            return None
        if s is None:
            return None
        results.append(s)
    return _union_shapes(results)


def layer_output(
    layer: Layer, shape: Shape, space: SearchSpace, out: list[Diagnostic]
) -> Shape | None:
    """The shape after one copy of a catalog ``layer`` (None: not known here, or an error
    already in ``out``); raises ShapeError where the layer cannot take ``shape``. The torch
    builder sizes its modules by this, so what is checked is what is built."""
    spec = LAYERS[layer.name]
    if spec.input_ranks is not None and len(shape) not in spec.input_ranks:
        ranks = " or ".join(f"{r}-D" for r in spec.input_ranks)
        if layer.name == "Embedding":
            raise ShapeError(
                "E402",
                f"Embedding takes token ids: one sequence of ids per sample (a 1-D input), "
                f"got {_shape_text(shape)}",
                "declare the sequence length as the input, e.g. input: (128,)",
                named=True,
            )
        hint = _rank_hint(layer.name, len(shape))
        if shape[0] is None and len(shape) - 1 in spec.input_ranks:
            hint = "input leaves out the batch axis: drop the leading None"
        raise ShapeError(
            "E402",
            f"{layer.name} takes a {ranks} input, got {_shape_text(shape)}",
            hint,
            named=True,
        )
    if layer.name in _SIZED_BY_FEATURES and shape and shape[-1] is None:
        raise ShapeError("E410", _free_message(shape, "its last axis sizes its weights"))
    args = {k: a.value for k, a in bind_layer(layer, spec).values.items()}
    return SHAPE_RULES[layer.name](layer, args, shape, space, out)


def _free_message(shape: Shape, why: str) -> str:
    return (
        f"its input {_shape_text(shape)} has a free axis (None) and {why}: give that axis "
        "a size in input"
    )


def _repeat_counts(layer: Layer, space: SearchSpace) -> list[int] | None:
    if layer.repeat is None:
        return [1]
    iv = interval(layer.repeat, space)
    if iv is None or iv.lo < 1:
        return None  # reported by the value checks
    return sorted({int(iv.lo), int(min(iv.hi, iv.lo + 64))})


def _union_shapes(shapes: list[Shape]) -> Shape | None:
    first = shapes[0]
    if len(shapes) == 1:  # no repeat range: the common case
        return list(first)
    if any(len(s) != len(first) for s in shapes):
        return None
    out: Shape = []
    for axis in zip(*shapes):
        if any(a is None for a in axis):
            out.append(None)
        else:
            iv = axis[0]
            for a in axis[1:]:
                iv = iv.union(a)  # type: ignore[union-attr]
            out.append(iv)
    return out


def _shape_text(shape: Shape) -> str:
    parts = []
    for a in shape:
        if a is None:
            parts.append("None")
        elif a.fixed:
            parts.append(str(int(a.lo)))
        else:
            parts.append(f"{int(a.lo)}..{int(a.hi)}")
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def _rank_hint(layer: str, rank: int) -> str | None:
    if layer.startswith(("Conv", "MaxPooling", "AveragePooling", "GlobalAverage")) and rank == 1:
        return "its input was flattened; put Flatten or Dense after the convolutional part"
    return None


# ---- rules --------------------------------------------------------------------------------------

Rule = Callable[[Layer, dict, Shape, SearchSpace, list[Diagnostic]], Shape | None]


def _same(layer, args, shape, space, out):
    return shape


def _flat(shape: Shape) -> Interval | None:
    if any(a is None for a in shape):
        return None
    lo = math.prod(a.lo for a in shape)  # type: ignore[union-attr]
    hi = math.prod(a.hi for a in shape)  # type: ignore[union-attr]
    return Interval(lo, hi, merge(*(a.lo_w for a in shape)), merge(*(a.hi_w for a in shape)))  # type: ignore[union-attr]


def _flatten(layer, args, shape, space, out):
    return [_flat(shape)]


def _dense(layer, args, shape, space, out):
    if _flat(shape) is None:
        why = "it flattens it into its weights" if len(shape) > 1 else "it sizes its weights"
        raise ShapeError("E410", _free_message(shape, why))
    units = interval(args.get("units"), space)
    return [units] if units is not None else None


def _window(rank: int, pooled: bool, channels: str = "filters") -> Rule:
    """A sliding-window layer; ``channels``: ``filters``, or ``depthwise`` (input channels ×
    depth_multiplier) for DepthwiseConv2D; pooling keeps the input's channels."""

    def rule(layer, args, shape, space, out):
        size_arg = "pool_size" if pooled else "kernel_size"
        default = 2 if pooled else None
        k = intervals_nd(args.get(size_arg), rank, space) if size_arg in args else None
        if k is None:
            if default is None:
                return None
            k = [Interval.point(default)] * rank
        s = (
            intervals_nd(args["strides"], rank, space)
            if "strides" in args
            else (k if pooled else [Interval.point(1)] * rank)
        )
        d = (
            intervals_nd(args["dilation"], rank, space)
            if "dilation" in args
            else [Interval.point(1)] * rank
        )
        pads = options(args["padding"], space) if "padding" in args else [("valid", ())]
        if s is None or d is None or pads is None:
            return None
        spatial = []
        for i in range(rank):
            spatial.append(_axis_out(shape[i], k[i], s[i], d[i], pads, i, rank, size_arg))
        if pooled:
            out_channels = shape[rank]
        elif channels == "depthwise":
            out_channels = _times(shape[rank], args.get("depth_multiplier"), space)
        else:
            out_channels = interval(args.get("filters"), space)
        if out_channels is None and not pooled:
            return None
        return [*spatial, out_channels]

    return rule


def _axis_out(
    length: Interval | None,
    k: Interval,
    s: Interval,
    d: Interval,
    pads: list,
    axis: int,
    rank: int,
    size_arg: str,
) -> Interval | None:
    if length is None:
        return None
    lo: Interval | None = None
    for pad, pad_w in pads:
        if str(pad).lower() == "same":
            cand = Interval(
                math.ceil(length.lo / s.hi),
                math.ceil(length.hi / s.lo),
                merge(pad_w, length.lo_w, s.hi_w),
                merge(pad_w, length.hi_w, s.lo_w),
            )
        else:
            span_lo = d.hi * (k.hi - 1) + 1  # the widest window
            if length.lo < span_lo:
                where = corner_text(merge(pad_w, length.lo_w, k.hi_w, d.hi_w))
                axis_text = f" on axis {axis + 1}" if rank > 1 else ""
                raise ShapeError(
                    "E401",
                    f"the {size_arg} ({int(k.hi)}{', dilated to ' + str(int(span_lo)) if d.hi > 1 else ''}) "
                    f"is larger than its input ({int(length.lo)}){axis_text} {where}",
                )
            cand = Interval(
                (length.lo - span_lo) // s.hi + 1,
                (length.hi - (d.lo * (k.lo - 1) + 1)) // s.lo + 1,
                merge(pad_w, length.lo_w, k.hi_w, d.hi_w, s.hi_w),
                merge(pad_w, length.hi_w, k.lo_w, d.lo_w, s.lo_w),
            )
        lo = cand if lo is None else lo.union(cand)
    return lo


def _times(axis: Interval | None, factor, space: SearchSpace) -> Interval | None:
    """``axis`` × an int argument (1 when not written)."""
    f = interval(factor, space) if factor is not None else Interval.point(1)
    if axis is None or f is None:
        return None
    return Interval(
        axis.lo * f.lo, axis.hi * f.hi, merge(axis.lo_w, f.lo_w), merge(axis.hi_w, f.hi_w)
    )


def _global_pool(layer, args, shape, space, out):
    return [shape[-1]]


def _embedding(layer, args, shape, space, out):
    dim = interval(args.get("output_dim"), space)
    return [shape[0], dim] if dim is not None else None


def _positional(layer, args, shape, space, out):
    steps = shape[0]
    default = LAYERS["PositionalEncoding"].arg("max_len").default  # type: ignore[union-attr]
    longest = interval(args["max_len"], space) if "max_len" in args else Interval.point(default)
    if steps is not None and longest is not None and steps.hi > longest.lo:
        raise ShapeError(
            "E420",
            f"the sequence has {int(steps.hi)} steps, more than max_len ({int(longest.lo)}) "
            f"{corner_text(merge(steps.hi_w, longest.lo_w))}",
        )
    return shape


def _recurrent(layer, args, shape, space, out):
    units = interval(args.get("units"), space)
    seq = options(args["return_sequences"], space) if "return_sequences" in args else [(False, ())]
    bi = options(args["bidirectional"], space) if "bidirectional" in args else [(False, ())]
    if units is None or seq is None or bi is None:
        return None
    factors = {2 if b else 1 for b, _ in bi}
    feat = Interval(units.lo * min(factors), units.hi * max(factors), units.lo_w, units.hi_w)
    kinds = {bool(v) for v, _ in seq}
    if len(kinds) > 1:
        return None  # the rank itself varies; later shapes are not checked
    return [shape[0], feat] if kinds == {True} else [feat]


def _reshape(layer, args, shape, space, out):
    target = args.get("target_shape")
    if not isinstance(target, TupleValue):
        return None
    dims: list[int] = []
    for item in target.items:
        if not isinstance(item, Literal) or not isinstance(item.value, int):
            return None
        dims.append(item.value)
    size = _flat(shape)
    if size is None or not size.fixed:
        return [None if d == -1 else Interval.point(d) for d in dims]
    total = int(size.lo)
    known = math.prod(d for d in dims if d != -1)
    if dims.count(-1) == 1 and known > 0 and total % known == 0:
        dims = [total // known if d == -1 else d for d in dims]
    elif dims.count(-1) > 1 or math.prod(dims) != total:
        raise ShapeError(
            "E403", f"cannot reshape {_shape_text(shape)} ({total} values) to {tuple(dims)}"
        )
    return [Interval.point(d) for d in dims]


def _attention(layer, args, shape, space, out):
    feat = shape[-1]
    heads = options(args["num_heads"], space) if "num_heads" in args else [(8, ())]
    if "key_dim" in args:  # heads of their own size: the features need not divide
        heads = None
    if feat is not None and feat.fixed and heads is not None:
        for h, w in heads:
            if isinstance(h, int) and h > 0 and int(feat.lo) % h != 0:
                raise ShapeError(
                    "E404",
                    f"the feature size {int(feat.lo)} is not divisible by num_heads={h} {corner_text(merge(w, feat.lo_w))}",
                )
    if layer.sublayers:
        inner = propagate(layer.sublayers, [feat], space, out)
        if inner is not None and feat is not None and feat.fixed:
            size = _flat(inner)
            if size is not None and size.fixed and size.lo != feat.lo:
                raise ShapeError(
                    "E402",
                    f"the sub-layer block maps each position to {int(size.lo)} features; "
                    f"it must keep the feature size {int(feat.lo)}",
                )
    return shape


def _residual(layer, args, shape, space, out):
    """``x + block(x)``: the block must give back the shape it was given, at every corner."""
    inner = propagate(layer.sublayers or [], shape, space, out)
    if inner is None:
        return None
    if len(inner) != len(shape):
        raise ShapeError(
            "E411",
            f"the block turns {_shape_text(shape)} into {_shape_text(inner)}; "
            "x + block(x) needs the same shape",
        )
    for i, (a, b) in enumerate(zip(shape, inner)):
        if a == b or (a is None and b is None):
            continue
        if a is not None and b is not None and (a.lo, a.hi) == (b.lo, b.hi) and a.fixed:
            continue
        where = _mismatch_corner(a, b)
        raise ShapeError(
            "E411",
            f"the block changes axis {i + 1} of {_shape_text(shape)} to {_shape_text(inner)} "
            f"{where}; x + block(x) needs the same shape",
        )
    return shape


def _mismatch_corner(a: Interval | None, b: Interval | None) -> str:
    """The corner where the block's output axis ``b`` differs from its input axis ``a``."""
    if a is None or b is None:
        return "for every setting"
    if a.fixed:
        return corner_text(b.lo_w if b.lo != a.lo else b.hi_w)
    return corner_text(merge(a.lo_w, b.hi_w) if b.hi != a.lo else merge(a.hi_w, b.lo_w))


#: catalog layer name -> its output-shape rule (the catalog's docstring: tables that follow it)
SHAPE_RULES: dict[str, Rule] = {
    "Dense": _dense,
    "Output": _dense,
    "Conv1D": _window(1, pooled=False),
    "Conv2D": _window(2, pooled=False),
    "Conv3D": _window(3, pooled=False),
    "DepthwiseConv2D": _window(2, pooled=False, channels="depthwise"),
    "SeparableConv2D": _window(2, pooled=False),
    "MaxPooling1D": _window(1, pooled=True),
    "MaxPooling2D": _window(2, pooled=True),
    "AveragePooling1D": _window(1, pooled=True),
    "AveragePooling2D": _window(2, pooled=True),
    "GlobalAveragePooling1D": _global_pool,
    "GlobalAveragePooling2D": _global_pool,
    "Flatten": _flatten,
    "Dropout": _same,
    "BatchNormalization": _same,
    "LayerNormalization": _same,
    "Activation": _same,
    "Embedding": _embedding,
    "PositionalEncoding": _positional,
    "LSTM": _recurrent,
    "GRU": _recurrent,
    "Reshape": _reshape,
    "MultiHeadAttention": _attention,
    "TransformerEncoder": _attention,
    "ResidualConnection": _residual,
}
