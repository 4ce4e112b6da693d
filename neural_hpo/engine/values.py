"""A materialized network's values as plain Python, with the catalog's defaults filled in.

The builder and the training loop read layer arguments, the optimizer, the loss and training
keys only through these functions, so names, positional order and defaults come from the one
catalog (``neural_hpo.dsl.catalog``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from neural_hpo.dsl.arguments import bind, bind_layer
from neural_hpo.dsl.catalog import LAYERS, LOSS_ALIASES, OPTIMIZERS, TRAINING_KEYS, schedule_spec
from neural_hpo.dsl.model import (
    NO_SPAN,
    Call,
    DictValue,
    HpoSpec,
    Ident,
    Layer,
    ListValue,
    Literal,
    MacroRef,
    Network,
    TupleValue,
    Value,
)


def to_python(v: Value) -> Any:
    """The Python value of a concrete model value; an ``hpo(...)`` left in is a bug upstream."""
    if isinstance(v, Literal):
        return v.value
    if isinstance(v, Ident):
        return v.name
    if isinstance(v, TupleValue):
        return tuple(to_python(i) for i in v.items)
    if isinstance(v, ListValue):
        return [to_python(a.value) for a in v.items]
    if isinstance(v, DictValue):
        return {a.name: to_python(a.value) for a in v.items}
    if isinstance(v, Call):
        return v.name
    if isinstance(v, (HpoSpec, MacroRef)):
        raise ValueError(f"value at line {v.span.line + 1} is not concrete; materialize first")
    raise TypeError(f"unknown value node {type(v).__name__}")


def layer_args(layer: Layer) -> dict[str, Any]:
    """Every argument of ``layer`` by canonical name: as written, else the catalog default."""
    spec = LAYERS.get(layer.name)
    if spec is None:
        raise ValueError(f"unknown layer {layer.name!r}")
    bound = bind_layer(layer, spec)
    if bound.problems:
        raise ValueError(f"{layer.name}: {bound.problems[0].message}")
    args = {a.name: a.default for a in spec.args if not a.required}
    args.update({name: to_python(a.value) for name, a in bound.values.items()})
    if isinstance(args.get("activation"), str):
        args["activation"] = args["activation"].lower()
    return args


def repeat_count(layer: Layer) -> int:
    """How many copies ``* N`` asks for (1 without it)."""
    if layer.repeat is None:
        return 1
    n = to_python(layer.repeat)
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"{layer.name}: repetition must be a positive int, not {n!r}")
    return n


def input_shape(network: Network) -> tuple[int | None, ...]:
    """The declared ``input:`` shape (channels last; a legacy batch axis dropped)."""
    axes = network.input_axes()
    if axes is None:
        raise ValueError(f"network {network.name} declares no input shape")
    return tuple(to_python(a) for a in axes)


def training_value(network: Network, key: str) -> Any:
    """The ``training`` entry ``key``, or its catalog default."""
    arg = network.training(key)
    return to_python(arg.value) if arg is not None else TRAINING_KEYS[key].default


def loss_name(network: Network) -> str:
    """The canonical loss (catalog LOSS_ALIASES); cross_entropy when none is set."""
    setting = network.setting("loss")
    name = str(to_python(setting.value)).lower() if setting is not None else "cross_entropy"
    if name not in LOSS_ALIASES:
        raise ValueError(f"unknown loss {name!r}")
    return LOSS_ALIASES[name]


#: optimizer arguments the training loop applies (Keras' clipping), not the torch optimizer
CLIP_ARGS = ("clipnorm", "clipvalue")


@dataclass(frozen=True)
class TrainingOptions:
    """What the training loop does besides optimizer steps: clipping, early stopping and the
    learning-rate schedule (``(name, {canonical arg: value})``), all None when not asked for,
    and the precision of its forward passes (``precision``'s module)."""

    gradient_clip: float | None = None
    clipnorm: float | None = None
    clipvalue: float | None = None
    early_stopping: int | None = None
    schedule: tuple[str, dict[str, Any]] | None = None
    precision: str = "fp32"


def _optimizer_call(network: Network) -> tuple[str, dict[str, Any]]:
    """The optimizer's catalog name and every argument (defaults filled, schedules as Calls)."""
    setting = network.setting("optimizer")
    call_args = []
    if setting is None:
        name = "adam"
    elif isinstance(setting.value, Call):
        name, call_args = setting.value.name, setting.value.args
    else:
        name = str(to_python(setting.value))
    spec = OPTIMIZERS.get(name.lower())
    if spec is None:
        raise ValueError(f"unknown optimizer {name!r}")
    bound = bind(call_args, spec.args, name, setting.span if setting else NO_SPAN)
    if bound.problems:
        raise ValueError(bound.problems[0].message)
    args: dict[str, Any] = {a.name: a.default for a in spec.args}
    for k, a in bound.values.items():
        args[k] = a.value if isinstance(a.value, Call) else to_python(a.value)
    schedule = network.setting("lr_schedule")
    if schedule is not None:  # the legacy alias of learning_rate
        args["learning_rate"] = schedule.value
    return spec.name, args


def _schedule(value: Any) -> tuple[str, dict[str, Any]] | None:
    """``(name, args)`` of a schedule call (None for a plain learning rate)."""
    if not isinstance(value, Call):
        return None
    spec = schedule_spec(value.name)
    if spec is None:
        raise ValueError(f"unknown learning-rate schedule {value.name!r}")
    bound = bind(value.args, spec.args, spec.name, value.name_span)
    if bound.problems:
        raise ValueError(f"{spec.name}: {bound.problems[0].message}")
    args = {a.name: a.default for a in spec.args if not a.required}
    args.update({k: to_python(a.value) for k, a in bound.values.items()})
    return spec.name, args


def optimizer_config(network: Network) -> tuple[str, dict[str, Any]]:
    """``(name, {canonical arg: value})`` of the torch optimizer, defaults filled; adam when
    unset. A schedule's initial learning rate is the learning rate; clipping is left out
    (``training_options``)."""
    name, args = _optimizer_call(network)
    schedule = _schedule(args["learning_rate"])
    if schedule is not None:
        args["learning_rate"] = schedule[1]["initial_learning_rate"]
    return name, {k: v for k, v in args.items() if k not in CLIP_ARGS}


def training_options(network: Network) -> TrainingOptions:
    """The network's clipping, early stopping and learning-rate schedule."""
    _, args = _optimizer_call(network)
    return TrainingOptions(
        gradient_clip=training_value(network, "gradient_clip"),
        clipnorm=args["clipnorm"],
        clipvalue=args["clipvalue"],
        early_stopping=training_value(network, "early_stopping"),
        schedule=_schedule(args["learning_rate"]),
        precision=str(training_value(network, "precision")).lower(),
    )
