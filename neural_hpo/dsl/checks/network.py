"""Names, arguments and settings of a network: layers, optimizer, loss, metrics, training."""

from __future__ import annotations

from collections.abc import Iterator

from neural_hpo.dsl.constraints import OPERATORS, parse_bound

from ..arguments import bind, bind_layer, misspelt
from ..catalog import (
    EXECUTION_KEYS,
    LAYERS,
    LEARNING_RATE,
    LOSS_ALIASES,
    METRICS,
    OPTIMIZERS,
    SAMPLERS,
    SEARCH_METHODS,
    SETTINGS,
    TRAINING_KEYS,
    TUNABLE_TRAINING,
    ArgSpec,
    is_valid_device,
    metric_for,
)
from ..diagnostics import Diagnostic
from ..model import (
    Argument,
    Block,
    Call,
    DictValue,
    HpoSpec,
    Ident,
    Layer,
    ListValue,
    Literal,
    Network,
    Setting,
    Span,
    TupleValue,
    Value,
)
from ..space.build import hpo_specs
from ..space.model import SearchSpace
from ..training import written_name
from .values import check_value

#: layers that merge several inputs, which a chain of layers cannot feed
_MERGE_LAYERS = frozenset(("Add", "Concatenate", "Multiply", "Average", "Subtract"))
_ACTIVATION = ArgSpec("activation", "activation", "activation applied after the layer", None)
_REPEAT = ArgSpec("repeat", "int", "how many copies of the layer", 1, low=1)


def check_network(net: Network, space: SearchSpace) -> list[Diagnostic]:
    """Every name, argument and setting problem of ``net``."""
    out: list[Diagnostic] = []
    out += _check_settings(net, space)
    out += _batch_axis(net)
    out += _check_blocks(net, space)
    if not net.layers:
        out.append(Diagnostic("E113", f"network {net.name} has no layers", net.name_span))
    for layer in net.layers:
        out += _check_layer(layer, space)
    return out


# ---- layers -------------------------------------------------------------------------------------


def _check_layer(layer: Layer, space: SearchSpace) -> list[Diagnostic]:
    spec = LAYERS.get(layer.name)
    if spec is None and layer.name in _MERGE_LAYERS:
        return [
            Diagnostic(
                "E124",
                f"{layer.name} needs two inputs, and a network is one chain of layers",
                layer.name_span,
                hint="for x + block(x) write ResidualConnection { ...layers of the block... }",
            )
        ]
    if spec is None:
        return [
            misspelt(
                "E301", f"unknown layer {layer.name!r}", layer.name, list(LAYERS), layer.name_span
            )
        ]
    bound = bind_layer(layer, spec)
    out = list(bound.problems)
    for name, arg in bound.values.items():
        arg_spec = spec.arg(name) or _ACTIVATION
        problems = check_value(arg_spec, arg.value, space, layer.name)
        out += problems
        if arg_spec.caveat and not problems and not _is_default(arg.value, arg_spec):
            code, message = arg_spec.caveat
            out.append(Diagnostic(code, f"{layer.name}: {message}", arg.span))
    if layer.repeat is not None:
        out += check_value(_REPEAT, layer.repeat, space, layer.name)
    if layer.device is not None:
        out += _check_device(layer.device, f"{layer.name} @", space)
        if not any(d.code == "E313" for d in out):
            out.append(
                Diagnostic(
                    "W505",
                    "per-layer device placement is not honoured: the whole model runs on the "
                    "trial's device",
                    layer.device.span,
                )
            )
    if layer.sublayers is not None:
        out += _replaced_by_block(layer, bound.values)
        if not spec.sublayers:
            out.append(
                Diagnostic("E312", f"{layer.name} takes no sub-layer block", layer.name_span)
            )
        for sub in layer.sublayers:
            out += _check_layer(sub, space)
    return out


#: arguments of the part a sub-layer block replaces
_FEED_FORWARD = ("ff_dim", "ff_activation")


def _replaced_by_block(layer: Layer, values: dict[str, Argument]) -> list[Diagnostic]:
    """W524 for a TransformerEncoder's feed-forward arguments next to a sub-layer block."""
    return [
        Diagnostic(
            "W524",
            f"{layer.name}: {name} is not used: the sub-layer block is the feed-forward part",
            values[name].span,
        )
        for name in _FEED_FORWARD
        if name in values
    ]


def _is_default(value: Value, spec: ArgSpec) -> bool:
    """Whether ``value`` is written as the argument's default (``recurrent_dropout: 0``)."""
    return isinstance(value, Literal) and value.value == spec.default


def _check_device(value: Value, owner: str, space: SearchSpace) -> list[Diagnostic]:
    if isinstance(value, HpoSpec):
        return [_not_tunable(value, f"the device ({owner})")]
    if isinstance(value, (Literal, Ident)):
        text = value.value if isinstance(value, Literal) else value.name
        if isinstance(text, str) and is_valid_device(text):
            return []
    return [Diagnostic("E313", f"{owner}: device must be auto, cpu, cuda or cuda:N", value.span)]


def _not_tunable(spec: HpoSpec, what: str) -> Diagnostic:
    return Diagnostic("E210", f"the engine cannot vary {what}; write a fixed value", spec.span)


# ---- settings -----------------------------------------------------------------------------------


def _check_settings(net: Network, space: SearchSpace) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    seen: set[str] = set()
    for s in net.body:
        if not isinstance(s, Setting):
            continue
        if s.name in seen:
            out.append(Diagnostic("E111", f"{s.name} is set twice", s.name_span))
            continue
        seen.add(s.name)
        check = _SETTING_CHECKS.get(s.name)
        if check is None:
            known = [*SETTINGS, "training", "execution"]
            out.append(
                misspelt(
                    "E110",
                    f"unknown setting {s.name!r}",
                    s.name,
                    known,
                    s.name_span,
                    hint="a network holds input, layers, loss, optimizer, metrics, training and execution",
                )
            )
            continue
        out += check(s, space, net)
    if "input" not in seen and net.layers:
        out.append(
            Diagnostic(
                "E112",
                f"network {net.name} has no input shape",
                net.name_span,
                hint="add e.g. input: (28, 28, 1)",
            )
        )
    return out


def _batch_axis(net: Network) -> list[Diagnostic]:
    """W510 where a legacy network writes the batch axis (a leading None), which is dropped."""
    s, axes = net.setting("input"), net.input_axes()
    if s is None or not isinstance(s.value, TupleValue) or axes is None or axes == s.value.items:
        return []
    shown = "(" + ", ".join(_axis_text(a) for a in axes) + ("," if len(axes) == 1 else "") + ")"
    return [
        Diagnostic(
            "W510",
            f"the leading None is the batch axis (legacy form): dropped, the input is {shown}",
            s.value.items[0].span,
        )
    ]


def _axis_text(v: Value) -> str:
    return str(v.value) if isinstance(v, Literal) else "?"


def _check_input(s: Setting, space: SearchSpace, net: Network) -> list[Diagnostic]:
    for _, spec in hpo_specs(s.value, "input"):
        return [_not_tunable(spec, "the input shape")]
    if isinstance(s.value, DictValue):
        return [
            Diagnostic(
                "E125",
                "several inputs are not supported: a network takes one input shape",
                s.value.span,
                hint="write one shape, e.g. input: (28, 28, 1)",
            )
        ]
    if not isinstance(s.value, TupleValue) or not s.value.items:
        return [Diagnostic("E115", "input takes a shape such as (28, 28, 1)", s.value.span)]
    out = []
    for item in s.value.items:
        ok = isinstance(item, Literal) and (
            item.value is None
            or (isinstance(item.value, int) and not isinstance(item.value, bool) and item.value > 0)
        )
        if not ok:
            out.append(
                Diagnostic("E115", "each axis of input is a positive int or None", item.span)
            )
    return out


def _names_of(value: Value, space: SearchSpace) -> Iterator[tuple[str | None, Value]]:
    """The names a setting can take: a name or string, or each option of a categorical."""
    if isinstance(value, HpoSpec):
        if space.for_spec(value) is None:
            return
        if value.kind != "categorical":
            yield None, value
            return
        for option in value.choices:
            yield from _names_of(option, space)
    elif isinstance(value, Ident):
        yield value.name, value
    elif isinstance(value, Literal) and isinstance(value.value, str):
        yield value.value, value
    elif isinstance(value, Call) and value.name != "hpo":
        yield value.name, value
    elif not (isinstance(value, Call) and value.name == "hpo"):
        yield None, value


def _check_loss(s: Setting, space: SearchSpace, net: Network) -> list[Diagnostic]:
    out = []
    for name, node in _names_of(s.value, space):
        if name is None or isinstance(node, Call) or name.lower() not in LOSS_ALIASES:
            shown = f"{name!r}" if name is not None else "this value"
            out.append(
                misspelt(
                    "E310",
                    f"unknown loss {shown}",
                    name or "",
                    list(LOSS_ALIASES),
                    node.span,
                    hint="losses: " + ", ".join(sorted(set(LOSS_ALIASES.values()))),
                    quoted=isinstance(node, Literal),
                )
            )
    return out


def _check_optimizer(s: Setting, space: SearchSpace, net: Network) -> list[Diagnostic]:
    out = []
    for name, node in _names_of(s.value, space):
        spec = OPTIMIZERS.get(name.lower()) if name is not None else None
        if spec is None:
            shown = f"{name!r}" if name is not None else "this value"
            out.append(
                misspelt(
                    "E309",
                    f"unknown optimizer {shown}",
                    name or "",
                    list(OPTIMIZERS),
                    getattr(node, "name_span", node.span) if isinstance(node, Call) else node.span,
                    hint="optimizers: " + ", ".join(OPTIMIZERS),
                    quoted=isinstance(node, Literal),
                )
            )
            continue
        if isinstance(node, Call):
            bound = bind(node.args, spec.args, spec.name, node.name_span)
            out += bound.problems
            for arg_name, arg in bound.values.items():
                out += check_value(spec.arg(arg_name), arg.value, space, spec.name)  # type: ignore[arg-type]
    return out


def _check_metrics(s: Setting, space: SearchSpace, net: Network) -> list[Diagnostic]:
    for _, spec in hpo_specs(s.value, "metrics"):
        return [_not_tunable(spec, "the metrics")]
    items: list[Value]
    items = [a.value for a in s.value.items] if isinstance(s.value, ListValue) else [s.value]
    losses = network_losses(net, space)
    out = []
    for item in items:
        name = item.name if isinstance(item, Ident) else getattr(item, "value", None)
        problem = _metric_problem(name, item.span, losses, isinstance(item, Literal))
        if problem is not None:
            out.append(problem)
    return out


def network_losses(net: Network, space: SearchSpace) -> tuple[str, ...] | None:
    """The canonical loss at every corner of the space (cross_entropy when none is set); None
    when one is unknown (reported by the loss check)."""
    s = net.setting("loss")
    if s is None:
        return ("cross_entropy",)
    names = [name for name, _ in _names_of(s.value, space)]
    if not names or any(n is None or n.lower() not in LOSS_ALIASES for n in names):
        return None
    return tuple(dict.fromkeys(LOSS_ALIASES[n.lower()] for n in names))  # type: ignore[union-attr]


def _metric_problem(
    name: object, span: Span, losses: tuple[str, ...] | None, quoted: bool = False
) -> Diagnostic | None:
    """E314 for a name that is no metric (suggesting only a near spelling), E320 for a loss
    other than the network's: only the network's own loss is measured (as ``loss``)."""
    if not isinstance(name, str):
        return Diagnostic("E314", "a metric is a name such as accuracy", span)
    if metric_for(name, losses or ()) is not None:
        return None
    if name.lower() in LOSS_ALIASES:
        if losses is None:
            return None
        return Diagnostic(
            "E320",
            f"{name!r} is a loss, but this network trains with {' or '.join(losses)}: only the "
            "network's own loss is measured (as loss)",
            span,
            hint="write loss to record the validation loss",
        )
    return misspelt(
        "E314",
        f"unknown metric {name!r}",
        name,
        list(METRICS),
        span,
        hint="metrics: " + ", ".join(METRICS),
        cutoff=0.8,
        quoted=quoted,
    )


def _check_lr_schedule(s: Setting, space: SearchSpace, net: Network) -> list[Diagnostic]:
    """The legacy network-level ``lr_schedule:``: the optimizer's learning rate, with a warning;
    an optimizer that sets its own learning_rate as well is E306."""
    out = check_value(LEARNING_RATE, s.value, space, "lr_schedule")
    if _optimizer_sets_learning_rate(net):
        out.append(
            Diagnostic(
                "E306",
                "the learning rate is given twice: by lr_schedule and by the optimizer's "
                "learning_rate",
                s.name_span,
            )
        )
    out.append(
        Diagnostic(
            "W523",
            "lr_schedule is read as the optimizer's learning_rate",
            s.name_span,
            hint="write optimizer: adam(learning_rate: ExponentialDecay(...))",
        )
    )
    return out


def _optimizer_sets_learning_rate(net: Network) -> bool:
    opt = net.setting("optimizer")
    if opt is None or not isinstance(opt.value, Call):
        return False
    spec = OPTIMIZERS.get(opt.value.name.lower())
    return (
        spec is not None and "learning_rate" in bind(opt.value.args, spec.args, "", opt.span).values
    )


_SETTING_CHECKS = {
    "input": _check_input,
    "loss": _check_loss,
    "optimizer": _check_optimizer,
    "metrics": _check_metrics,
    "lr_schedule": _check_lr_schedule,
}


# ---- training and execution blocks --------------------------------------------------------------


def _check_blocks(net: Network, space: SearchSpace) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    seen: set[tuple[str, str]] = set()
    for block in (s for s in net.body if isinstance(s, Block)):
        keys = TRAINING_KEYS if block.kind == "training" else EXECUTION_KEYS
        for item in block.items:
            out += _check_block_item(block, item, keys, seen, space, net)
    return out


def _check_block_item(
    block: Block,
    item: Argument,
    keys: dict[str, ArgSpec],
    seen: set,
    space: SearchSpace,
    net: Network,
) -> list[Diagnostic]:
    name = item.name or ""
    span = item.name_span or item.span
    if (block.kind, name) in seen:
        return [Diagnostic("E111", f"{block.kind}.{name} is set twice", span)]
    seen.add((block.kind, name))
    spec = keys.get(name)
    if spec is None:
        return [
            misspelt(
                "E116",
                f"unknown {block.kind} key {name!r}",
                name,
                list(keys),
                span,
                hint=f"{block.kind} takes " + ", ".join(keys),
            )
        ]
    if block.kind == "training" and name not in TUNABLE_TRAINING:
        for _, spec_node in hpo_specs(item.value, name):
            return [_not_tunable(spec_node, f"{block.kind}.{name}")]
    if name in ("sampler", "search_method"):
        return _check_sampler(name, item.value)
    if name == "device":
        return _check_device(item.value, "execution", space)
    if name == "constraints":
        return _check_constraints(item.value, network_losses(net, space))
    return check_value(spec, item.value, space, block.kind)


def _check_sampler(key: str, value: Value) -> list[Diagnostic]:
    choices = list(SEARCH_METHODS) + list(SAMPLERS) if key == "search_method" else list(SAMPLERS)
    text = written_name(value)
    if isinstance(text, str) and text.lower() in choices:
        return []
    shown = f"{text!r}" if isinstance(text, str) else "this value"
    return [
        misspelt(
            "E315",
            f"unknown {key} {shown}",
            text if isinstance(text, str) else "",
            choices,
            value.span,
            hint=f"{key} takes " + ", ".join(dict.fromkeys(choices)),
            quoted=isinstance(value, Literal),
        )
    ]


def _check_constraints(value: Value, losses: tuple[str, ...] | None) -> list[Diagnostic]:
    """``{ metric: "op bound" ... }``: E303 for another kind of value, E314 for an unknown
    metric, E316 for a bound that is not ``<``, ``<=``, ``>`` or ``>=`` and a number."""
    if not isinstance(value, DictValue):
        return [
            Diagnostic(
                "E303",
                'constraints takes a block such as { latency_ms: "< 100" }',
                value.span,
            )
        ]
    out = []
    for item in value.items:
        metric = item.name or ""
        problem = _metric_problem(metric, item.name_span or item.span, losses)
        if problem is not None:
            out.append(problem)
        text = item.value.value if isinstance(item.value, Literal) else None
        if parse_bound(text) is None:
            out.append(
                Diagnostic(
                    "E316",
                    f'constraint on {metric} must be a quoted bound such as "< 100"',
                    item.value.span,
                    hint="operators: " + ", ".join(OPERATORS),
                )
            )
    return out
