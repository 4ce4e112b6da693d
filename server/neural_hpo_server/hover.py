"""Hover: catalog docs for layers, arguments and names; for an ``hpo(...)`` its parameter name,
distribution and size, and from the newest study of the network: importance ± uncertainty, the
best value and a "fix it" hint for unimportant parameters. Answers from the last analysis and the
current text, never waiting for a new analysis or reading the storage."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from neural_hpo.dsl.catalog import (
    ACTIVATIONS,
    EXECUTION_KEYS,
    LAYERS,
    LOSS_ALIASES,
    LOSSES,
    METRIC_ALIASES,
    METRIC_SPECS,
    OPTIMIZERS,
    SETTINGS,
    TRAINING_KEYS,
    ArgSpec,
    call_spec,
    schedule_spec,
)
from neural_hpo.dsl.lexicon import value_text

from .completion import arg_detail
from .context import cursor_context, word_at
from .costs import cost_of
from .locate import Found, locate, params_of
from .positions import map_offset
from .studies import StudyInfo

if TYPE_CHECKING:
    from neural_hpo.dsl.space.model import Param

    from .analyzer import Snapshot
    from .server import NeuralServer

#: importance below which a parameter is worth fixing (the seed's rule of thumb)
LOW_IMPORTANCE = 0.05


def arg_spec(owner: str | None, name: str | None) -> ArgSpec | None:
    """The catalog entry of argument ``name`` of a layer, optimizer, training or execution."""
    if owner is None or name is None:
        return None
    if owner == "training":
        return TRAINING_KEYS.get(name)
    if owner == "execution":
        return EXECUTION_KEYS.get(name)
    spec = call_spec(owner)
    return spec.arg(name) if spec is not None else None


def layer_doc(name: str) -> str | None:
    spec = LAYERS.get(name)
    if spec is None:
        return None
    args = "\n".join(f"- `{a.name}`: {a.doc} ({arg_detail(a)})" for a in spec.args)
    return f"```neural\n{spec.signature()}\n```\n{spec.doc}" + (f"\n\n{args}" if args else "")


def arg_doc(name: str, spec: ArgSpec) -> str:
    return f"**{name}**: {arg_detail(spec)}\n\n{spec.doc}"


def name_doc(word: str) -> str | None:
    """Docs of a bare name: a layer, activation, optimizer, loss, setting or metric."""
    low = word.lower()
    if word in LAYERS:
        return layer_doc(word)
    if low in OPTIMIZERS:
        o = OPTIMIZERS[low]
        return f"**optimizer {o.name}**: {o.doc}\n\narguments: " + ", ".join(a.name for a in o.args)
    schedule = schedule_spec(word)
    if schedule is not None:
        args = ", ".join(a.name if a.required else f"{a.name}={a.default!r}" for a in schedule.args)
        return f"**learning-rate schedule {schedule.name}**({args}): {schedule.doc}"
    if low in ACTIVATIONS:
        return f"**activation {low}**: {ACTIVATIONS[low]}"
    if low in LOSS_ALIASES:
        canonical = LOSS_ALIASES[low]
        return f"**loss {canonical}**: {LOSSES[canonical]}"
    if word in SETTINGS:
        return f"**{word}**: {SETTINGS[word]}"
    metric = METRIC_SPECS.get(METRIC_ALIASES.get(low, low))
    if metric is not None:
        return f"**metric {metric.name}** (to {metric.direction}): {metric.doc}"
    return None


def param_doc(p: Param, info: StudyInfo | None) -> str:
    """Parameter name, distribution, size and what the study says about it."""
    size = p.size()
    lines = [
        f"**{p.name}**: {p.describe()}",
        f"size: {size} values" if size else "size: continuous",
    ]
    if info is None:
        return "\n\n".join(lines)
    lines.append(
        f"study `{info.study}`: {info.n_complete} complete trials"
        + (
            f", best {info.metric} {value_text(info.best_value, digits=4)}"
            if info.best_value is not None
            else ""
        )
    )
    imp = (info.importance or {}).get(p.name)
    if imp is not None:
        std = f" ± {imp.std:.2f}" if imp.std is not None else ""
        lines.append(
            f"importance {imp.value:.2f}{std} ({imp.method}, {imp.n_trials} trials, {imp.confidence} confidence)"
        )
    elif info.importance is None:
        lines.append("importance: not computed yet")
    if p.name in info.best_params:
        best = value_text(info.best_params[p.name], digits=4)
        lines.append(f"best value: `{best}`")
        if imp is not None and imp.value < LOW_IMPORTANCE:
            lines.append(f"_importance below {LOW_IMPORTANCE}: fix it to {best}?_")
    return "\n\n".join(lines)


def describe(found: Found, snap: Snapshot, ls: NeuralServer) -> str | None:
    """Markdown for what ``locate`` found, innermost first."""
    net = found.network
    info = ls.studies.get(net.name) if net is not None else None
    if found.what == "layer" and found.layer is not None:
        return layer_doc(found.layer.name) or _macro_doc(found.layer.name, snap)
    if found.what in ("argument", "training", "execution") and found.argument is not None:
        spec = arg_spec(found.owner, found.argument.name)
        return arg_doc(found.argument.name, spec) if spec else None
    if found.hpo is not None:
        space = snap.analysis.spaces.get(net.name) if net is not None else None
        params = params_of(space, found.hpo)
        if params:
            return "\n\n---\n\n".join(param_doc(p, info) for p in params)
        return "`hpo(...)` in a macro: each use of the macro gets its own parameter"
    if found.what == "network" and net is not None:
        return _network_doc(net.name, snap, info)
    if found.what == "setting" and found.setting is not None:
        return name_doc(found.setting.name)
    if found.what == "optimizer" and found.call is not None:
        return name_doc(found.call.name)
    if found.what == "ident" and found.ident is not None:
        return name_doc(found.ident.name)
    return None


def _macro_doc(name: str, snap: Snapshot) -> str | None:
    macro = next((m for m in snap.analysis.file.macros if m.name == name), None)
    if macro is None:
        return None
    return f"**macro {name}**({', '.join(macro.params)}): {len(macro.body)} statements"


def _network_doc(name: str, snap: Snapshot, info: StudyInfo | None) -> str:
    space = snap.analysis.spaces.get(name)
    n = len(space) if space else 0
    size = space.size() if space else None
    text = f"**network {name}**: {n} parameters, " + (
        f"{size} configurations" if size else "continuous space"
    )
    cost = cost_of(snap, name)
    if cost is not None:
        text += f"\n\ncost over the space: {cost.text()}"
    if info is not None:
        text += f"\n\nnewest study `{info.study}`: {info.n_complete}/{info.n_total} trials complete"
        if info.best_value is not None:
            text += f", best {info.metric} {value_text(info.best_value, digits=4)}"
        if info.parent:
            text += f"; {info.reuse_note()}"
    return text


def text_doc(text: str, offset: int) -> str | None:
    """Docs from the text alone (no analysis of this spot): a name, or an argument of a call."""
    hit = word_at(text, offset)
    if hit is None:
        return None
    word, start, _ = hit
    ctx = cursor_context(text, start)
    if ctx.where in ("args", "block_key"):
        spec = arg_spec(ctx.owner, word)
        if spec is not None:
            return arg_doc(word, spec)
    return name_doc(word)


def hover(ls: NeuralServer, params: lsp.HoverParams) -> lsp.Hover | None:
    doc = ls.documents.get(params.text_document.uri)
    if doc is None:
        return None
    offset = doc.index.offset(params.position)
    snap = ls.analyzer.latest.get(doc.uri)
    md = None
    if snap is not None:
        old = map_offset(snap.text, doc.text, offset)
        if old is not None:
            md = describe(locate(snap.analysis.file, old), snap, ls)
    md = md or text_doc(doc.text, offset)
    return lsp.Hover(lsp.MarkupContent(lsp.MarkupKind.Markdown, md)) if md else None


def register(ls: NeuralServer) -> None:
    ls.feature(lsp.TEXT_DOCUMENT_HOVER)(hover)
