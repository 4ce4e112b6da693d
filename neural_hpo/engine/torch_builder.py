"""A ``torch.nn.Module`` from a materialized network.

Layer names, argument names, positional order and defaults come from the catalog through
``values.layer_args``; this module only knows how each catalog layer maps to torch.

Tensors stay channels-last between layers, as shapes are written (``input: (28, 28, 1)`` is
height, width, channels); convolution, pooling and batch normalization move channels first
inside themselves. ``Dense``/``Output`` flatten a multi-dimensional input (a language rule, see
the catalog), ``padding: same`` gives ceil(L / stride) with explicit padding, pooling strides
default to the pool size. Each module is sized by the shape the checker computes for its input
(``checks.shapes.layer_output``), never by running it on a guessed size: a free axis (``None``)
stays free, and one reaching a layer that needs a fixed size is the checker's located error.
Per-layer device placement (``@ "cuda:0"``) is not honoured: the whole model runs on the trial's
device.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from neural_hpo.dsl.catalog import ACTIVATIONS
from neural_hpo.dsl.checks.shapes import ShapeError, layer_output
from neural_hpo.dsl.diagnostics import Diagnostic
from neural_hpo.dsl.intervals import Interval
from neural_hpo.dsl.model import Layer, Network
from neural_hpo.dsl.space.model import SearchSpace

from .losses import LossHead, make_loss
from .memory import is_out_of_memory
from .values import input_shape, layer_args, loss_name, repeat_count

Shape = tuple[int | None, ...]

#: catalog activation name -> torch module factory
ACTIVATION_MODULES: dict[str, Callable[[], nn.Module]] = {
    "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(0.01),
    "elu": nn.ELU,
    "selu": nn.SELU,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "swish": nn.SiLU,
    "mish": nn.Mish,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "softmax": lambda: nn.Softmax(dim=-1),
    "log_softmax": lambda: nn.LogSoftmax(dim=-1),
    "softplus": nn.Softplus,
    "linear": nn.Identity,
    "none": nn.Identity,
}


def activation_module(name: str) -> nn.Module:
    """The torch module of a catalog activation."""
    if name.lower() not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}")
    return ACTIVATION_MODULES[name.lower()]()


# ---- helper modules ------------------------------------------------------------------------------


class ChannelsFirst(nn.Module):
    """Runs ``body`` with the channel axis moved from last to first (after the batch)."""

    def __init__(self, *body: nn.Module):
        super().__init__()
        self.body = nn.Sequential(*body)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x.movedim(-1, 1)).movedim(1, -1)


class SamePad(nn.Module):
    """Pads channels-first input so that a window op gives ceil(L / stride) outputs per axis."""

    def __init__(self, kernel: Shape, stride: Shape, dilation: Shape, value: float = 0.0):
        super().__init__()
        self.kernel, self.stride, self.dilation, self.value = kernel, stride, dilation, value

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pads: list[int] = []
        sizes = x.shape[-len(self.kernel) :]
        for k, s, d, n in reversed(list(zip(self.kernel, self.stride, self.dilation, sizes))):
            total = max((math.ceil(n / s) - 1) * s + (k - 1) * d + 1 - n, 0)
            pads += [total // 2, total - total // 2]
        return F.pad(x, pads, value=self.value)


class SameAvgPool(nn.Module):
    """Average pooling with ``same`` padding; padded cells do not count in the average."""

    def __init__(self, pool: nn.Module, pad: SamePad):
        super().__init__()
        self.pool, self.pad = pool, pad

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        ones = torch.ones_like(x[:1, :1])
        return self.pool(self.pad(x)) / self.pool(self.pad(ones))


class MeanOver(nn.Module):
    """Global average pooling over the spatial axes of channels-last input."""

    def __init__(self, rank: int):
        super().__init__()
        self.dims = tuple(range(1, rank + 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=self.dims)


class Reshape(nn.Module):
    """Reshape every sample to ``target`` (one axis may be -1)."""

    def __init__(self, target: Sequence[int]):
        super().__init__()
        self.target = tuple(target)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(x.shape[0], *self.target)


class TokenEmbedding(nn.Embedding):
    """An embedding that accepts token ids stored as floats (datasets are float arrays)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.long())


class PositionalEncoding(nn.Module):
    """Adds a position signal to (steps, features): the fixed sines and cosines of "Attention
    is all you need", or one learned vector per position. A sequence longer than ``max_len``
    is an error, as in the checker."""

    def __init__(self, max_len: int, features: int, learnable: bool):
        super().__init__()
        self.max_len = max_len
        if learnable:
            self.table = nn.Parameter(torch.randn(max_len, features) * 0.02)
        else:
            self.register_buffer("table", _sinusoids(max_len, features), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        steps = x.shape[1]
        if steps > self.max_len:
            raise ValueError(f"the sequence has {steps} steps, more than max_len ({self.max_len})")
        return x + self.table[:steps]


def _sinusoids(length: int, features: int) -> torch.Tensor:
    position = torch.arange(length, dtype=torch.float32)[:, None]
    rate = torch.exp(
        torch.arange(0, features, 2, dtype=torch.float32) * (-math.log(1e4) / features)
    )
    table = torch.zeros(length, features)
    table[:, 0::2] = torch.sin(position * rate)
    table[:, 1::2] = torch.cos(position * rate)[:, : features // 2]
    return table


class Residual(nn.Module):
    """``x + block(x)`` (``ResidualConnection { ... }``)."""

    def __init__(self, block: nn.Module):
        super().__init__()
        self.block = block

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.block(x)


class Recurrent(nn.Module):
    """LSTM/GRU over (steps, features); the last step's output unless ``return_sequences``."""

    def __init__(self, rnn: nn.RNNBase, return_sequences: bool):
        super().__init__()
        self.rnn, self.return_sequences = rnn, return_sequences

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(x)
        return out if self.return_sequences else out[:, -1]


class SelfAttention(nn.Module):
    """Multi-head self-attention over (steps, features)."""

    def __init__(self, features: int, num_heads: int, dropout: float):
        super().__init__()
        self.attn = nn.MultiheadAttention(features, num_heads, dropout=dropout, batch_first=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.attn(x, x, x, need_weights=False)[0]


class HeadAttention(nn.Module):
    """Keras' MultiHeadAttention with its own head sizes: queries and keys in ``key_dim`` per
    head, values in ``value_dim``, projected back to the input's features."""

    def __init__(self, features: int, heads: int, key_dim: int, value_dim: int, dropout: float):
        super().__init__()
        self.heads, self.dropout = heads, dropout
        self.query = nn.Linear(features, heads * key_dim)
        self.key = nn.Linear(features, heads * key_dim)
        self.value = nn.Linear(features, heads * value_dim)
        self.out = nn.Linear(heads * value_dim, features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, _ = x.shape
        q, k, v = (
            proj(x).reshape(b, t, self.heads, -1).transpose(1, 2)
            for proj in (self.query, self.key, self.value)
        )
        drop = self.dropout if self.training else 0.0
        y = F.scaled_dot_product_attention(q, k, v, dropout_p=drop)
        return self.out(y.transpose(1, 2).reshape(b, t, -1))


class EncoderBlock(nn.Module):
    """A post-norm transformer encoder layer whose feed-forward part is a user sub-layer block.

    The block runs on each position's features and keeps their size (the checker's rule), so
    the residual connection holds.
    """

    def __init__(self, features: int, num_heads: int, dropout: float, ff: nn.Module):
        super().__init__()
        self.attn = SelfAttention(features, num_heads, dropout)
        self.ff = ff
        self.norm1, self.norm2 = nn.LayerNorm(features), nn.LayerNorm(features)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.norm1(x + self.drop(self.attn(x)))
        b, t, d = x.shape
        y = self.ff(x.reshape(b * t, d)).reshape(b, t, d)
        return self.norm2(x + self.drop(y))


# ---- layers --------------------------------------------------------------------------------------


def _tuple(v: Any, rank: int, what: str) -> Shape:
    t = (v,) * rank if isinstance(v, int) else tuple(v)
    if len(t) != rank:
        raise ValueError(f"{what} needs {rank} value(s), got {v!r}")
    return t


def _window_conv(
    rank: int, a: dict[str, Any], channels: int, out: int, groups: int, bias: bool
) -> list[nn.Module]:
    """A channels-first convolution with the layer's window (and ``same`` padding)."""
    kernel = _tuple(a["kernel_size"], rank, "kernel_size")
    stride = _tuple(a["strides"], rank, "strides")
    dilation = _tuple(a["dilation"], rank, "dilation")
    conv_cls = (nn.Conv1d, nn.Conv2d, nn.Conv3d)[rank - 1]
    conv = conv_cls(channels, out, kernel, stride, 0, dilation, groups=groups, bias=bias)
    return [SamePad(kernel, stride, dilation), conv] if a["padding"] == "same" else [conv]


def _conv(rank: int, a: dict[str, Any], shape: Shape) -> nn.Module:
    return ChannelsFirst(*_window_conv(rank, a, shape[-1], a["filters"], 1, a["use_bias"]))


def _depthwise(a: dict[str, Any], shape: Shape, filters: int | None) -> nn.Module:
    """DepthwiseConv2D (``filters`` None) or SeparableConv2D: a depthwise convolution of
    depth_multiplier outputs per channel, then (separable) a 1×1 convolution to ``filters``;
    as in Keras, the depthwise part of a separable convolution has no bias."""
    channels = shape[-1]
    depth = channels * a["depth_multiplier"]
    bias = a["use_bias"] and filters is None
    body = _window_conv(2, a, channels, depth, channels, bias)
    if filters is not None:
        body.append(nn.Conv2d(depth, filters, 1, bias=a["use_bias"]))
    return ChannelsFirst(*body)


def _pool(kind: str, rank: int, a: dict[str, Any], shape: Shape) -> nn.Module:
    kernel = _tuple(a["pool_size"], rank, "pool_size")
    stride = kernel if a["strides"] is None else _tuple(a["strides"], rank, "strides")
    ones = (1,) * rank
    if kind == "max":
        pool = (nn.MaxPool1d, nn.MaxPool2d)[rank - 1](kernel, stride)
        if a["padding"] == "same":
            return ChannelsFirst(SamePad(kernel, stride, ones, value=-math.inf), pool)
        return ChannelsFirst(pool)
    pool = (nn.AvgPool1d, nn.AvgPool2d)[rank - 1](kernel, stride)
    if a["padding"] == "same":
        return ChannelsFirst(SameAvgPool(pool, SamePad(kernel, stride, ones)))
    return ChannelsFirst(pool)


def _dense(a: dict[str, Any], shape: Shape) -> nn.Module:
    linear = nn.Linear(math.prod(shape), a["units"], bias=a["use_bias"])
    return nn.Sequential(nn.Flatten(), linear) if len(shape) > 1 else linear


def _batch_norm(a: dict[str, Any], shape: Shape) -> nn.Module:
    cls = (nn.BatchNorm1d, nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)[len(shape) - 1]
    norm = cls(shape[-1], eps=a["epsilon"], momentum=a["momentum"])
    return norm if len(shape) == 1 else ChannelsFirst(norm)


def _recurrent(cls: type[nn.RNNBase], a: dict[str, Any], shape: Shape) -> nn.Module:
    rnn = cls(
        shape[-1],
        a["units"],
        num_layers=a["num_layers"],
        dropout=a["dropout"] if a["num_layers"] > 1 else 0.0,
        bidirectional=a["bidirectional"],
        batch_first=True,
    )
    return Recurrent(rnn, a["return_sequences"])


def _attention(a: dict[str, Any], shape: Shape) -> nn.Module:
    """torch's attention, or Keras' own head sizes when key_dim or value_dim is written."""
    features, heads = shape[-1], a["num_heads"]
    if a["key_dim"] is None and a["value_dim"] is None:
        return SelfAttention(features, heads, a["dropout"])
    key_dim = a["key_dim"] or features // heads
    return HeadAttention(features, heads, key_dim, a["value_dim"] or key_dim, a["dropout"])


def _transformer(layer: Layer, a: dict[str, Any], shape: Shape) -> nn.Module:
    """``num_layers`` encoder layers, each with its own weights."""
    blocks = [_encoder_layer(layer, a, shape[-1]) for _ in range(a["num_layers"])]
    return blocks[0] if len(blocks) == 1 else nn.Sequential(*blocks)


def _encoder_layer(layer: Layer, a: dict[str, Any], features: int) -> nn.Module:
    if not layer.sublayers:
        act = a["ff_activation"].lower()
        return nn.TransformerEncoderLayer(
            features,
            a["num_heads"],
            a["ff_dim"],
            a["dropout"],
            activation=act if act in ("relu", "gelu") else activation_module(act),
            batch_first=True,
        )
    ff, ff_shape, _, inner = build_layers(layer.sublayers, (features,))
    if ff_shape != (features,):
        raise ValueError(
            f"the sub-layer block must keep the feature size {features}, not {ff_shape}"
        )
    block = EncoderBlock(features, a["num_heads"], a["dropout"], nn.Sequential(*ff))
    block.inner_shapes = inner  # per position, as the checker propagates the block
    return block


def _residual(layer: Layer, shape: Shape) -> nn.Module:
    block, out, _, inner = build_layers(layer.sublayers or [], shape)
    if out != shape:
        raise ValueError(f"the block must keep the shape {shape}, not {out}")
    residual = Residual(nn.Sequential(*block))
    residual.inner_shapes = inner
    return residual


#: catalog layer name -> builder(layer, args, input shape) -> module (None: activation only)
LAYER_BUILDERS: dict[str, Callable[[Layer, dict[str, Any], Shape], nn.Module | None]] = {
    "Dense": lambda _, a, s: _dense(a, s),
    "Output": lambda _, a, s: _dense(a, s),
    "Conv1D": lambda _, a, s: _conv(1, a, s),
    "Conv2D": lambda _, a, s: _conv(2, a, s),
    "Conv3D": lambda _, a, s: _conv(3, a, s),
    "DepthwiseConv2D": lambda _, a, s: _depthwise(a, s, None),
    "SeparableConv2D": lambda _, a, s: _depthwise(a, s, a["filters"]),
    "MaxPooling1D": lambda _, a, s: _pool("max", 1, a, s),
    "MaxPooling2D": lambda _, a, s: _pool("max", 2, a, s),
    "AveragePooling1D": lambda _, a, s: _pool("avg", 1, a, s),
    "AveragePooling2D": lambda _, a, s: _pool("avg", 2, a, s),
    "GlobalAveragePooling1D": lambda _, a, s: MeanOver(1),
    "GlobalAveragePooling2D": lambda _, a, s: MeanOver(2),
    "Flatten": lambda _, a, s: nn.Flatten(),
    "Dropout": lambda _, a, s: nn.Dropout(a["rate"]),
    "BatchNormalization": lambda _, a, s: _batch_norm(a, s),
    "LayerNormalization": lambda _, a, s: nn.LayerNorm(s[-1], eps=a["epsilon"]),
    "Embedding": lambda _, a, s: TokenEmbedding(
        a["input_dim"], a["output_dim"], padding_idx=0 if a["mask_zero"] else None
    ),
    "PositionalEncoding": lambda _, a, s: PositionalEncoding(
        a["max_len"], s[-1], a["encoding"] == "learnable"
    ),
    "LSTM": lambda _, a, s: _recurrent(nn.LSTM, a, s),
    "GRU": lambda _, a, s: _recurrent(nn.GRU, a, s),
    "Activation": lambda _, a, s: None,
    "Reshape": lambda _, a, s: Reshape(a["target_shape"]),
    "MultiHeadAttention": lambda _, a, s: _attention(a, s),
    "TransformerEncoder": _transformer,
    "ResidualConnection": lambda layer, a, s: _residual(layer, s),
}


def _checked_output(layer: Layer, shape: Shape) -> Shape:
    """The checker's output shape of one copy of ``layer``; its error, if any, as ValueError."""
    found: list[Diagnostic] = []
    dsl_shape = [None if d is None else Interval.point(d) for d in shape]
    try:
        out = layer_output(layer, dsl_shape, SearchSpace(""), found)
    except ShapeError as exc:
        raise ValueError(str(exc)) from exc
    if found:
        raise ValueError(found[0].message)
    if out is None:
        raise ValueError("its output shape is not known")
    return tuple(None if a is None else int(a.lo) for a in out)


def build_layers(
    layers: Sequence[Layer], shape: Shape
) -> tuple[list[nn.Module], Shape, str | None, list[tuple[nn.Module, Shape]]]:
    """Modules for ``layers`` (repetitions expanded) from input ``shape``.

    Returns the modules, the output shape, the last layer's activation name (None when the
    last layer has none), which the loss may fold in, and each layer's module with the output
    shape the checker gave it (what the shape-equality test holds torch to), the layers of
    sub-layer blocks included (a block module lists them as ``inner_shapes``).
    """
    modules: list[nn.Module] = []
    shapes: list[tuple[nn.Module, Shape]] = []
    last_activation: str | None = None
    for layer in layers:
        builder = LAYER_BUILDERS.get(layer.name)
        if builder is None:
            raise ValueError(f"the torch builder has no layer {layer.name!r}")
        args = layer_args(layer)
        for _ in range(repeat_count(layer)):
            try:
                out = _checked_output(layer, shape)
                body = builder(layer, args, shape)
            except (RuntimeError, ValueError, AssertionError) as exc:
                if is_out_of_memory(exc):
                    raise  # not a shape problem: the trial fails "out of memory: ..."
                raise ValueError(
                    f"{layer.name} at line {layer.span.line + 1} cannot take input {shape}: {exc}"
                ) from exc
            shape = out
            if body is not None:
                modules.append(body)
                shapes.append((body, shape))
                shapes.extend(getattr(body, "inner_shapes", ()))
            last_activation = args.get("activation")
            if last_activation is not None:
                modules.append(activation_module(last_activation))
    return modules, shape, last_activation, shapes


@dataclass
class BuiltModel:
    """The torch model of one trial and how its outputs meet the targets."""

    module: nn.Sequential
    head: LossHead
    input_shape: Shape
    output_shape: Shape
    layer_shapes: list[tuple[nn.Module, Shape]]

    def parameter_count(self) -> int:
        """Trainable parameters."""
        return sum(p.numel() for p in self.module.parameters() if p.requires_grad)

    def size_mb(self) -> float:
        """Size of parameters and buffers in MiB."""
        tensors = [*self.module.parameters(), *self.module.buffers()]
        return sum(t.numel() * t.element_size() for t in tensors) / 2**20


def build_model(network: Network) -> BuiltModel:
    """The torch model of a materialized network; a final softmax/sigmoid that the loss takes
    on logits is folded into the loss (the module then outputs logits)."""
    shape = input_shape(network)
    modules, out_shape, last_activation, shapes = build_layers(network.layers, shape)
    head = make_loss(loss_name(network), last_activation)
    if head.folded:
        modules.pop()
    return BuiltModel(nn.Sequential(*modules), head, shape, out_shape, shapes)
