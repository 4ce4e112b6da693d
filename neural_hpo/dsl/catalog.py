"""The one catalog of layers, optimizers, activations, losses, metrics and settings.

It drives validation (checks), completion and hover docs (the language server) and the torch
builder. Pure data, no imports of torch. Shapes are channels-last, as written in
``input: (28, 28, 1)``.

A name added here is learnt everywhere once these tables, which cannot be derived from it, have
it too (``tests/test_dsl_catalog.py`` fails until they name exactly the catalog's names):

- a layer (``LAYERS``): its output-shape rule in ``dsl/checks/shapes.py`` (``SHAPE_RULES``), its
  torch module in ``engine/torch_builder.py`` (``LAYER_BUILDERS``) and its name in the TextMate
  grammar's ``layers`` regex (``grammars/neural.tmLanguage.json``, which the VS Code extension
  ships), plus its section in ``docs/dsl.md`` (``tests/test_docs.py``);
- an activation (``ACTIVATIONS``): ``ACTIVATION_MODULES`` in ``engine/torch_builder.py`` and the
  grammar's ``activation`` regex;
- a loss (``LOSSES``): ``LOSS_MODULES`` in ``engine/losses.py``;
- an optimizer (``OPTIMIZERS``): ``OPTIMIZER_CLASSES`` in ``engine/training.py``;
- a sampler (``SAMPLERS``): ``SAMPLER_FACTORIES`` in ``engine/samplers.py``
  (``tests/test_engine_sampling.py``);
- a metric (``METRIC_SPECS``): what ``engine/training.py`` measures; every other metric list
  (``METRICS``, ``METRIC_DIRECTIONS``, ``METRIC_ALIASES``, the engine's ``RECORDED_METRICS``, the
  editor's completion and hover) derives from the table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .lexicon import value_text

REQUIRED = object()

#: value types an argument can take
ArgType = str  # 'int' | 'float' | 'bool' | 'enum' | 'activation' | 'int_tuple' | 'shape' | 'str'
#  | 'constraints' ({metric: "op bound"}, checked by checks.network)
#  | 'rate_schedule' (a float, or a SCHEDULES call such as ExponentialDecay(...))


@dataclass(frozen=True)
class ArgSpec:
    """One argument: its type, domain, default and a one-line doc."""

    name: str
    type: ArgType
    doc: str
    default: object = REQUIRED
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    #: (warning code, message) when a value other than the default is written: what the engine
    #: does not honour of it
    caveat: tuple[str, str] | None = None

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def domain_text(self) -> str:
        """The domain in words, e.g. ``an int ≥ 1`` or ``a float in [0, 1)``."""
        text = self._number_domain()
        if self.type == "rate_schedule":
            text += " or a schedule (" + ", ".join(SCHEDULES) + ")"
        return text

    def _number_domain(self) -> str:
        base = {
            "int": "an int",
            "float": "a number",
            "bool": "true or false",
            "enum": "one of " + ", ".join(self.choices),
            "activation": "an activation",
            "int_tuple": "an int or a tuple of ints",
            "shape": "a tuple of ints",
            "str": "a string",
            "constraints": 'metric bounds such as { latency_ms: "< 100" }',
            "rate_schedule": "a number",
        }[self.type]
        if self.low is not None and self.high is not None:
            lb = "(" if self.low_open else "["
            rb = ")" if self.high_open else "]"
            return f"{base} in {lb}{_num(self.low)}, {_num(self.high)}{rb}"
        if self.low is not None:
            return f"{base} {'>' if self.low_open else '≥'} {_num(self.low)}"
        if self.high is not None:
            return f"{base} {'<' if self.high_open else '≤'} {_num(self.high)}"
        return base

    def problem(self, v: object) -> tuple[str, str] | None:
        """``(code, message)`` when the concrete scalar ``v`` is not valid here, else None.

        For tuple-typed arguments ``v`` is one element of the tuple. Codes: E303 wrong type,
        E304 outside the domain, E308 unknown activation.
        """
        t = self.type
        if t in ("int", "int_tuple", "shape"):
            if isinstance(v, bool) or not isinstance(v, int):
                return self._wrong(v)
        elif t in ("float", "rate_schedule"):
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                return self._wrong(v)
        elif t == "bool":
            return None if isinstance(v, bool) else self._wrong(v)
        elif t == "enum":
            ok = isinstance(v, str) and v.lower() in self.choices
            return (
                None
                if ok
                else (
                    "E304",
                    f"{self.name} takes {self.domain_text()}, not {value_text(v, quoted=True)}",
                )
            )
        elif t == "activation":
            if isinstance(v, str) and v.lower() in ACTIVATIONS:
                return None
            if v is None:
                return None
            return ("E308", f"{value_text(v, quoted=True)} is not an activation")
        elif t == "str":
            return None if isinstance(v, str) else self._wrong(v)
        if t == "shape" and v == -1:
            return None
        return self.bounds_problem(float(v))  # type: ignore[arg-type]

    def _wrong(self, v: object) -> tuple[str, str]:
        # worded only when wrong: most values are fine, and the words cost
        return ("E303", f"{self.name} takes {self.domain_text()}, not {value_text(v, quoted=True)}")

    def bounds_problem(self, x: float) -> tuple[str, str] | None:
        """``("E304", message)`` when the number ``x`` lies outside [low, high] or is not finite
        (``1e999`` reads as infinity: no argument takes it), else None."""
        if not math.isfinite(x):
            return ("E304", f"{self.name} must be a finite number, not {_num(x)}")
        if (self.low is not None and (x < self.low or (self.low_open and x == self.low))) or (
            self.high is not None and (x > self.high or (self.high_open and x == self.high))
        ):
            return ("E304", f"{self.name} must be {self.domain_text()}; {_num(x)} is outside")
        return None


def _num(x: float) -> str:
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:g}" if isinstance(x, float) else str(x)


@dataclass(frozen=True)
class LayerSpec:
    """A layer: arguments in positional order, accepted input ranks, a one-line doc."""

    name: str
    doc: str
    args: tuple[ArgSpec, ...] = ()
    input_ranks: tuple[int, ...] | None = None  # None: any rank
    sublayers: bool = False
    category: str = "core"

    def arg(self, name: str) -> ArgSpec | None:
        """The argument called ``name`` or one of its aliases."""
        for a in self.args:
            if a.name == name or name in a.aliases:
                return a
        return None

    def signature(self) -> str:
        """``Dense(units, activation=None, use_bias=true)`` for hovers and completion."""
        parts = []
        for a in self.args:
            if a.required:
                parts.append(a.name)
            else:
                parts.append(f"{a.name}={value_text(a.default, quoted=True)}")
        return f"{self.name}({', '.join(parts)})"


# ---- activations, losses, metrics, optimizers ---------------------------------------------------

ACTIVATIONS: dict[str, str] = {
    "relu": "max(0, x)",
    "leaky_relu": "x for x > 0, 0.01·x otherwise",
    "elu": "exponential linear unit",
    "selu": "scaled exponential linear unit",
    "gelu": "Gaussian error linear unit",
    "silu": "x·sigmoid(x) (also called swish)",
    "swish": "x·sigmoid(x) (same as silu)",
    "mish": "x·tanh(softplus(x))",
    "tanh": "hyperbolic tangent",
    "sigmoid": "1 / (1 + e^-x)",
    "softmax": "normalises the last axis to probabilities",
    "log_softmax": "log of softmax",
    "softplus": "log(1 + e^x)",
    "linear": "identity (no activation)",
    "none": "identity (no activation)",
}

#: loss name or alias -> canonical name
LOSS_ALIASES: dict[str, str] = {
    "cross_entropy": "cross_entropy",
    "crossentropy": "cross_entropy",
    "categorical_crossentropy": "cross_entropy",
    "sparse_categorical_crossentropy": "cross_entropy",
    "nll": "nll",
    "binary_cross_entropy": "binary_cross_entropy",
    "binary_crossentropy": "binary_cross_entropy",
    "mse": "mse",
    "mean_squared_error": "mse",
    "mae": "mae",
    "mean_absolute_error": "mae",
    "huber": "huber",
    "smooth_l1": "smooth_l1",
}

LOSSES: dict[str, str] = {
    "cross_entropy": "classification loss on logits (a final softmax is folded into it)",
    "nll": "negative log-likelihood on log-probabilities",
    "binary_cross_entropy": "two-class loss on one sigmoid output",
    "mse": "mean squared error (regression)",
    "mae": "mean absolute error (regression)",
    "huber": "squared error near 0, absolute error far from it (regression)",
    "smooth_l1": "Huber loss with delta 1 (regression)",
}


@dataclass(frozen=True)
class MetricSpec:
    """One metric a trial records: the direction in which it improves and its other names."""

    name: str
    doc: str
    direction: str  # 'maximize' | 'minimize'
    aliases: tuple[str, ...] = ()


#: the k of top_k_categorical_accuracy (Keras' default)
TOP_K = 5

#: the metrics a trial records (``engine/training.py`` measures each), what ``metrics: [...]``,
#: ``objectives``, ``constraints`` and ``--metric`` may name; every metric list derives from it
METRIC_SPECS: dict[str, MetricSpec] = {
    m.name: m
    for m in (
        MetricSpec(
            "accuracy", "fraction of validation samples classified right", "maximize", ("acc",)
        ),
        MetricSpec("loss", "validation loss", "minimize"),
        MetricSpec("precision", "macro-averaged precision on the validation set", "maximize"),
        MetricSpec("recall", "macro-averaged recall on the validation set", "maximize"),
        MetricSpec("f1", "macro-averaged F1 score on the validation set", "maximize"),
        MetricSpec(
            "mae",
            "mean absolute error on the validation set (class labels: one-hot against probabilities)",
            "minimize",
            ("mean_absolute_error",),
        ),
        MetricSpec(
            "mse",
            "mean squared error on the validation set (class labels: one-hot against probabilities)",
            "minimize",
            ("mean_squared_error",),
        ),
        MetricSpec(
            "top_k_categorical_accuracy",
            f"fraction of validation samples whose class is among the {TOP_K} highest scores",
            "maximize",
            ("top_k_accuracy", "top_5_accuracy"),
        ),
        MetricSpec(
            "auc", "macro one-vs-rest ROC-AUC on the validation set", "maximize", ("roc_auc",)
        ),
        MetricSpec("latency_ms", "inference time per sample in milliseconds", "minimize"),
        MetricSpec("params", "number of trainable parameters", "minimize"),
        MetricSpec("size_mb", "size of the parameters in MiB", "minimize"),
    )
}

#: ``{metric: doc}``, for completion, hover and messages
METRICS: dict[str, str] = {m.name: m.doc for m in METRIC_SPECS.values()}

#: other names of metrics (a loss name used as a metric is the validation loss: ``metric_for``)
METRIC_ALIASES: dict[str, str] = {a: m.name for m in METRIC_SPECS.values() for a in m.aliases}

#: the direction in which each recorded metric improves
METRIC_DIRECTIONS: dict[str, str] = {m.name: m.direction for m in METRIC_SPECS.values()}


def metric_for(name: str, losses: tuple[str, ...] = ()) -> str | None:
    """The recorded metric ``name`` stands for: itself, an alias's target, or ``loss`` for the
    name of the network's loss (``losses``: its canonical loss at every corner). None when it is
    not one. ``mae``/``mse`` are metrics in their own right, whatever the loss."""
    low = name.lower()
    if low in METRICS:
        return low
    if low in METRIC_ALIASES:
        return METRIC_ALIASES[low]
    if low in LOSS_ALIASES and losses and all(LOSS_ALIASES[low] == c for c in losses):
        return "loss"
    return None


#: the largest learning rate the checker accepts: above it every trial diverges (``1e300``)
MAX_LEARNING_RATE = 10.0
_LR = ArgSpec(
    "learning_rate",
    "rate_schedule",
    "step size of each update, or a schedule such as ExponentialDecay(0.01, 1000, 0.96)",
    1e-3,
    low=0,
    high=MAX_LEARNING_RATE,
    low_open=True,
    aliases=("lr",),
)
#: every optimizer's learning_rate (also what the legacy ``lr_schedule:`` setting takes)
LEARNING_RATE = _LR
_WD = ArgSpec("weight_decay", "float", "L2 penalty on the weights", 0.0, low=0)
_EPS = ArgSpec("epsilon", "float", "term added for numerical stability", 1e-8, low=0, low_open=True)
_BETA1 = ArgSpec("beta_1", "float", "decay of the first-moment estimate", 0.9, low=0, high=1)
_BETA2 = ArgSpec("beta_2", "float", "decay of the second-moment estimate", 0.999, low=0, high=1)
_AMSGRAD = ArgSpec("amsgrad", "bool", "use the AMSGrad variant", False)
_MOMENTUM = ArgSpec("momentum", "float", "momentum factor", 0.0, low=0, high=1)
_CLIP = (
    ArgSpec(
        "clipnorm",
        "float",
        "clip the gradient of each weight tensor to this norm, every step (Keras' clipnorm)",
        None,
        low=0,
        low_open=True,
    ),
    ArgSpec(
        "clipvalue",
        "float",
        "clip every gradient element to [-clipvalue, clipvalue], every step",
        None,
        low=0,
        low_open=True,
    ),
)


@dataclass(frozen=True)
class OptimizerSpec:
    """A named call with its arguments: an optimizer (names case-insensitive: ``Adam`` is
    ``adam``) or a learning-rate schedule."""

    name: str
    doc: str
    args: tuple[ArgSpec, ...]

    def arg(self, name: str) -> ArgSpec | None:
        for a in self.args:
            if a.name == name or name in a.aliases:
                return a
        return None


def _optimizer(name: str, doc: str, args: tuple[ArgSpec, ...]) -> OptimizerSpec:
    """Every optimizer also takes Keras' clipnorm and clipvalue (applied by the training loop)."""
    return OptimizerSpec(name, doc, args + _CLIP)


OPTIMIZERS: dict[str, OptimizerSpec] = {
    o.name: o
    for o in (
        _optimizer("adam", "Adam: adaptive moments", (_LR, _BETA1, _BETA2, _EPS, _WD, _AMSGRAD)),
        _optimizer(
            "adamw",
            "AdamW: Adam with decoupled weight decay",
            (
                _LR,
                _BETA1,
                _BETA2,
                _EPS,
                ArgSpec("weight_decay", "float", "decoupled decay", 0.01, low=0),
                _AMSGRAD,
            ),
        ),
        _optimizer(
            "sgd",
            "stochastic gradient descent",
            (_LR, _MOMENTUM, ArgSpec("nesterov", "bool", "Nesterov momentum", False), _WD),
        ),
        _optimizer(
            "rmsprop",
            "RMSprop: divides by a running average of squared gradients",
            (
                _LR,
                ArgSpec(
                    "rho",
                    "float",
                    "decay of the running average",
                    0.99,
                    low=0,
                    high=1,
                    aliases=("alpha",),
                ),
                _MOMENTUM,
                _EPS,
                _WD,
            ),
        ),
        _optimizer("adagrad", "Adagrad: per-parameter learning rates", (_LR, _EPS, _WD)),
    )
}

#: learning-rate schedules, written as an optimizer's ``learning_rate`` (the legacy form)
SCHEDULES: dict[str, OptimizerSpec] = {
    s.name: s
    for s in (
        OptimizerSpec(
            "ExponentialDecay",
            "learning rate × decay_rate^(step / decay_steps), step counting optimizer steps "
            "(batches), as in Keras; built as torch's ExponentialLR or, staircase, StepLR",
            (
                ArgSpec(
                    "initial_learning_rate",
                    "float",
                    "learning rate at the first step",
                    low=0,
                    high=MAX_LEARNING_RATE,
                    low_open=True,
                ),
                ArgSpec("decay_steps", "int", "optimizer steps per decay by decay_rate", low=1),
                ArgSpec(
                    "decay_rate", "float", "factor per decay_steps", low=0, high=1, low_open=True
                ),
                ArgSpec("staircase", "bool", "decay in whole steps of decay_steps", False),
            ),
        ),
        OptimizerSpec(
            "StepDecay",
            "learning rate × gamma every step_size epochs; built as torch's StepLR",
            (
                ArgSpec(
                    "initial_learning_rate",
                    "float",
                    "learning rate of the first epochs",
                    low=0,
                    high=MAX_LEARNING_RATE,
                    low_open=True,
                ),
                ArgSpec(
                    "step_size",
                    "int",
                    "epochs between two drops",
                    low=1,
                    aliases=("epochs_drop", "drop_every"),
                ),
                ArgSpec(
                    "gamma",
                    "float",
                    "factor of each drop",
                    0.1,
                    low=0,
                    high=1,
                    low_open=True,
                    aliases=("decay_rate", "drop"),
                ),
            ),
        ),
    )
}

_SCHEDULES_LOWER = {k.lower(): v for k, v in SCHEDULES.items()}

# ---- layers -------------------------------------------------------------------------------------

_ACT = ArgSpec("activation", "activation", "activation applied to the output", None)
_BIAS = ArgSpec("use_bias", "bool", "add a learned bias", True)
_UNITS = ArgSpec("units", "int", "number of output features", low=1)
_PAD = ArgSpec(
    "padding",
    "enum",
    "'valid' (no padding) or 'same' (keep size at stride 1)",
    "valid",
    choices=("valid", "same"),
)
_RATE = ArgSpec(
    "rate", "float", "fraction of inputs zeroed during training", low=0, high=1, high_open=True
)


_FILTERS = ArgSpec("filters", "int", "number of output channels", low=1)
_KERNEL = ArgSpec("kernel_size", "int_tuple", "size of the convolution window", low=1)
_STRIDES = ArgSpec("strides", "int_tuple", "step of the window", 1, low=1, aliases=("stride",))
_DILATION = ArgSpec(
    "dilation", "int_tuple", "spacing between kernel elements", 1, low=1, aliases=("dilation_rate",)
)
_DEPTH = ArgSpec(
    "depth_multiplier", "int", "output channels per input channel of the depthwise part", 1, low=1
)


def _conv(rank: int) -> LayerSpec:
    return LayerSpec(
        f"Conv{rank}D",
        f"{rank}-D convolution over {'a sequence' if rank == 1 else 'an image' if rank == 2 else 'a volume'} (channels last)",
        (
            _FILTERS,
            _KERNEL,
            _STRIDES,
            _PAD,
            _DILATION,
            _ACT,
            _BIAS,
        ),
        input_ranks=(rank + 1,),
        category="convolution",
    )


def _depthwise() -> tuple[LayerSpec, LayerSpec]:
    """Keras' DepthwiseConv2D (one filter set per channel) and SeparableConv2D (depthwise, then
    a 1×1 convolution to ``filters``)."""
    window = (_KERNEL, _STRIDES, _PAD, _DEPTH, _DILATION, _ACT, _BIAS)
    return (
        LayerSpec(
            "DepthwiseConv2D",
            "2-D convolution of each channel on its own: depth_multiplier × channels outputs",
            window,
            input_ranks=(3,),
            category="convolution",
        ),
        LayerSpec(
            "SeparableConv2D",
            "depthwise 2-D convolution, then a 1×1 convolution to filters channels",
            (_FILTERS, *window),
            input_ranks=(3,),
            category="convolution",
        ),
    )


def _pool(kind: str, rank: int) -> LayerSpec:
    return LayerSpec(
        f"{kind}Pooling{rank}D",
        f"{rank}-D {'max' if kind == 'Max' else 'average'} pooling (channels last)",
        (
            ArgSpec("pool_size", "int_tuple", "size of the pooling window", 2, low=1),
            ArgSpec(
                "strides",
                "int_tuple",
                "step of the window (default: pool_size)",
                None,
                low=1,
                aliases=("stride",),
            ),
            _PAD,
        ),
        input_ranks=(rank + 1,),
        category="pooling",
    )


def _global_pool(rank: int) -> LayerSpec:
    return LayerSpec(
        f"GlobalAveragePooling{rank}D",
        f"average over the {rank} spatial axes, keeping channels",
        (),
        input_ranks=(rank + 1,),
        category="pooling",
    )


def _recurrent(name: str, doc: str) -> LayerSpec:
    return LayerSpec(
        name,
        doc,
        (
            ArgSpec("units", "int", "size of the hidden state", low=1),
            ArgSpec("return_sequences", "bool", "output every step instead of the last", False),
            ArgSpec("num_layers", "int", "stacked recurrent layers", 1, low=1),
            ArgSpec(
                "dropout",
                "float",
                "dropout between stacked layers",
                0.0,
                low=0,
                high=1,
                high_open=True,
            ),
            ArgSpec("bidirectional", "bool", "run forwards and backwards", False),
            ArgSpec(
                "recurrent_dropout",
                "float",
                "Keras' dropout on the recurrent state: torch's RNNs have none, so it is ignored",
                0.0,
                low=0,
                high=1,
                high_open=True,
                caveat=(
                    "W521",
                    "recurrent_dropout is ignored: torch's LSTM and GRU have no dropout on the "
                    "recurrent state (dropout applies between stacked layers)",
                ),
            ),
        ),
        input_ranks=(2,),
        category="recurrent",
    )


LAYERS: dict[str, LayerSpec] = {
    spec.name: spec
    for spec in (
        LayerSpec(
            "Dense",
            "fully connected layer; flattens a multi-dimensional input",
            (_UNITS, _ACT, _BIAS),
        ),
        LayerSpec(
            "Output",
            "classifier head: a Dense layer whose activation defaults to softmax",
            (
                _UNITS,
                ArgSpec("activation", "activation", "activation of the head", "softmax"),
                _BIAS,
            ),
        ),
        _conv(1),
        _conv(2),
        _conv(3),
        *_depthwise(),
        _pool("Max", 1),
        _pool("Max", 2),
        _pool("Average", 1),
        _pool("Average", 2),
        _global_pool(1),
        _global_pool(2),
        LayerSpec("Flatten", "flattens the input to one axis", (), category="reshape"),
        LayerSpec(
            "Dropout",
            "zeroes a random fraction of inputs while training",
            (_RATE,),
            category="regularization",
        ),
        LayerSpec(
            "BatchNormalization",
            "normalises each channel over the batch",
            (
                ArgSpec(
                    "momentum", "float", "momentum of the running statistics", 0.1, low=0, high=1
                ),
                ArgSpec("epsilon", "float", "added to the variance", 1e-5, low=0, low_open=True),
            ),
            category="normalization",
        ),
        LayerSpec(
            "LayerNormalization",
            "normalises the last axis of each sample",
            (ArgSpec("epsilon", "float", "added to the variance", 1e-5, low=0, low_open=True),),
            category="normalization",
        ),
        LayerSpec(
            "Embedding",
            "maps integer tokens to dense vectors",
            (
                ArgSpec("input_dim", "int", "vocabulary size", low=1),
                ArgSpec("output_dim", "int", "size of each vector", low=1),
                ArgSpec(
                    "mask_zero",
                    "bool",
                    "token 0 is padding: its vector is zero and never trained "
                    "(later layers still see the padded steps)",
                    False,
                    caveat=(
                        "W520",
                        "mask_zero makes token 0 a zero vector, but later layers do not skip the "
                        "masked steps (a recurrent layer still reads them)",
                    ),
                ),
            ),
            input_ranks=(1,),
            category="embedding",
        ),
        LayerSpec(
            "PositionalEncoding",
            "adds a position signal to a sequence (steps, features): fixed sines or learned vectors",
            (
                ArgSpec(
                    "max_len",
                    "int",
                    "longest sequence it encodes; a longer input is an error",
                    512,
                    low=1,
                    aliases=("max_length", "sequence_length"),
                ),
                ArgSpec(
                    "encoding",
                    "enum",
                    "'sinusoidal' (fixed, no weights) or 'learnable' (one trained vector per position)",
                    "sinusoidal",
                    choices=("sinusoidal", "learnable"),
                    aliases=("type", "mode"),
                ),
            ),
            input_ranks=(2,),
            category="embedding",
        ),
        _recurrent("LSTM", "long short-term memory over a sequence (steps, features)"),
        _recurrent("GRU", "gated recurrent unit over a sequence (steps, features)"),
        LayerSpec(
            "Activation",
            "applies an activation",
            (ArgSpec("activation", "activation", "the activation"),),
        ),
        LayerSpec(
            "Reshape",
            "reshapes to target_shape (one axis may be -1)",
            (ArgSpec("target_shape", "shape", "the new shape, without the batch axis"),),
            category="reshape",
        ),
        LayerSpec(
            "MultiHeadAttention",
            "self-attention over a sequence (steps, features)",
            (
                ArgSpec("num_heads", "int", "attention heads; must divide the feature size", low=1),
                ArgSpec(
                    "key_dim",
                    "int",
                    "size of each query and key head (default: features / num_heads)",
                    None,
                    low=1,
                ),
                ArgSpec(
                    "value_dim",
                    "int",
                    "size of each value head (default: key_dim)",
                    None,
                    low=1,
                ),
                ArgSpec(
                    "dropout",
                    "float",
                    "dropout on attention weights",
                    0.0,
                    low=0,
                    high=1,
                    high_open=True,
                ),
            ),
            input_ranks=(2,),
            category="attention",
        ),
        LayerSpec(
            "TransformerEncoder",
            "self-attention block with a feed-forward part; a sub-layer block replaces the feed-forward part",
            (
                ArgSpec(
                    "num_heads", "int", "attention heads; must divide the feature size", 8, low=1
                ),
                ArgSpec("ff_dim", "int", "hidden size of the feed-forward part", 512, low=1),
                ArgSpec(
                    "dropout",
                    "float",
                    "dropout rate inside the block",
                    0.1,
                    low=0,
                    high=1,
                    high_open=True,
                ),
                ArgSpec(
                    "num_layers",
                    "int",
                    "encoder layers stacked, each with its own weights",
                    1,
                    low=1,
                ),
                ArgSpec(
                    "ff_activation",
                    "activation",
                    "activation inside the feed-forward part",
                    "relu",
                    aliases=("activation",),
                ),
                ArgSpec(
                    "use_attention_mask",
                    "bool",
                    "Keras' padding mask: not applied here, every position attends to all",
                    False,
                    caveat=(
                        "W522",
                        "use_attention_mask is not applied: every position attends to every "
                        "other, padding included",
                    ),
                ),
            ),
            input_ranks=(2,),
            sublayers=True,
            category="attention",
        ),
        LayerSpec(
            "ResidualConnection",
            "x + block(x): runs its sub-layer block and adds the block's input back; the block "
            "must keep the shape",
            (),
            sublayers=True,
            category="structure",
        ),
    )
}

# ---- network settings and training --------------------------------------------------------------

#: what ``search_method`` (legacy) maps to
SEARCH_METHODS: dict[str, str] = {
    "bayesian": "tpe",
    "random": "random",
    "grid": "grid",
    "evolutionary": "cmaes",
}

SAMPLERS: dict[str, str] = {
    "auto": "the default: Gaussian process while the study is small, then TPE",
    "tpe": "Tree-structured Parzen Estimator: good all round",
    "cmaes": "CMA-ES: continuous parameters with interactions",
    "random": "independent uniform sampling: a baseline",
    "gp": "Gaussian-process Bayesian optimization: small budgets",
    "qmc": "quasi-Monte Carlo: even coverage of the space",
    "grid": "every combination of a discrete space",
    "nsgaii": "NSGA-II: several objectives",
}

#: settings a network body may hold (``name: value``)
SETTINGS: dict[str, str] = {
    "input": "shape of one sample, channels last, e.g. (28, 28, 1); None for a free axis",
    "loss": "the loss minimised in training",
    "optimizer": "the optimizer, e.g. adam or adam(learning_rate: 0.001)",
    "metrics": "metrics to record, e.g. [accuracy]",
    "lr_schedule": "legacy: the optimizer's learning-rate schedule, e.g. ExponentialDecay(0.01, 1000, 0.96)",
}

#: ``training: { precision: ... }``: fp32 everywhere; bf16/fp16 autocast on CUDA only
PRECISIONS = ("fp32", "bf16", "fp16")

TRAINING_KEYS: dict[str, ArgSpec] = {
    a.name: a
    for a in (
        ArgSpec("batch_size", "int", "samples per gradient step", 32, low=1),
        ArgSpec("epochs", "int", "passes over the training data", 10, low=1),
        ArgSpec(
            "validation_split",
            "float",
            "fraction of the data held out for validation",
            0.2,
            low=0,
            high=1,
            low_open=True,
            high_open=True,
        ),
        ArgSpec(
            "search_method",
            "enum",
            "legacy name of the sampler",
            "bayesian",
            choices=tuple(SEARCH_METHODS),
        ),
        ArgSpec("sampler", "enum", "the Optuna sampler", "auto", choices=tuple(SAMPLERS)),
        ArgSpec("n_trials", "int", "trial budget of a study of this network", 20, low=1),
        ArgSpec("seed", "int", "random seed of data split, initialisation and sampler", 0, low=0),
        ArgSpec(
            "constraints",
            "constraints",
            'bounds a trial must meet to count, e.g. { latency_ms: "< 100" }',
            None,
        ),
        ArgSpec(
            "gradient_clip",
            "float",
            "clip the norm of all gradients together to this value, every step",
            None,
            low=0,
            low_open=True,
        ),
        ArgSpec(
            "early_stopping",
            "int",
            "patience: stop after this many epochs without a lower validation loss",
            None,
            low=1,
        ),
        ArgSpec(
            "precision",
            "enum",
            "training arithmetic on a GPU: fp32, bf16 or fp16 autocast (fp16 with a grad scaler)",
            "fp32",
            choices=PRECISIONS,
        ),
    )
}

EXECUTION_KEYS: dict[str, ArgSpec] = {
    a.name: a for a in (ArgSpec("device", "str", "auto, cpu, cuda or cuda:N", "auto"),)
}

#: where ``hpo(...)`` may stand outside layer arguments
TUNABLE_SETTINGS = ("loss", "optimizer", "lr_schedule")
TUNABLE_TRAINING = ("batch_size", "epochs", "validation_split", "gradient_clip", "early_stopping")


def call_spec(name: str) -> LayerSpec | OptimizerSpec | None:
    """The catalog entry of a call named ``name``: a layer, an optimizer or a schedule."""
    return LAYERS.get(name) or OPTIMIZERS.get(name.lower()) or schedule_spec(name)


def schedule_spec(name: str) -> OptimizerSpec | None:
    """The learning-rate schedule ``name`` (case-insensitive: ``exponentialdecay`` too)."""
    return _SCHEDULES_LOWER.get(name.lower())


def is_valid_device(text: str) -> bool:
    """``auto``, ``cpu``, ``mps``, ``cuda`` or ``cuda:N``."""
    t = text.lower()
    if t in ("auto", "cpu", "cuda", "mps", "gpu"):
        return True
    return t.startswith("cuda:") and t[5:].isdigit()
