"""Completion from the catalog, chosen by the cursor's context (``context.py``): layers as
snippets with their required arguments, argument names with type/domain/doc, values (activations,
optimizers, losses, booleans, enum choices, samplers), the ``hpo(`` forms, macro names."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from neural_hpo.dsl.catalog import (
    ACTIVATIONS,
    EXECUTION_KEYS,
    LAYERS,
    LOSSES,
    METRICS,
    OPTIMIZERS,
    SAMPLERS,
    SCHEDULES,
    SEARCH_METHODS,
    SETTINGS,
    TRAINING_KEYS,
    TUNABLE_SETTINGS,
    TUNABLE_TRAINING,
    ArgSpec,
    call_spec,
)
from neural_hpo.dsl.lexicon import DEFINE, TERMINALS, code

from .context import Context, cursor_context

if TYPE_CHECKING:
    from .server import NeuralServer

K = lsp.CompletionItemKind
_NUMERIC = ("int", "float", "int_tuple", "rate_schedule")
_MACRO = (
    rf"(?m:^[ \t]*{DEFINE}[ \t]+(?P<macro>{TERMINALS['NAME']})[ \t]*(?:\((?P<params>[^)]*)\))?)"
)

#: (label, snippet, plain text, doc) of each hpo form
HPO_FORMS = (
    (
        "hpo(categorical: [...])",
        "hpo(categorical: [${1}])",
        "hpo(categorical: [])",
        "one of the listed values",
    ),
    (
        "hpo(range: [low, high])",
        "hpo(range: [${1:low}, ${2:high}])",
        "hpo(range: [])",
        "uniform in [low, high]; int when both are ints",
    ),
    (
        "hpo(range: [low, high, step=s])",
        "hpo(range: [${1:low}, ${2:high}, step=${3:step}])",
        "hpo(range: [])",
        "the grid low, low+step, ... ≤ high",
    ),
    (
        "hpo(log_range: [low, high])",
        "hpo(log_range: [${1:low}, ${2:high}])",
        "hpo(log_range: [])",
        "log-uniform in [low, high]; low > 0",
    ),
)
#: what may follow ``hpo(``
HPO_KEYS = (
    ("categorical", "categorical: [${1}]", "one of the listed values"),
    ("choice", "choice: [${1}]", "alias of categorical"),
    ("range", "range: [${1:low}, ${2:high}]", "uniform in [low, high] (add step=s for a grid)"),
    ("log_range", "log_range: [${1:low}, ${2:high}]", "log-uniform in [low, high]; low > 0"),
    ("name", 'name: "${1}"', "a stable name for the parameter in the study"),
)


def arg_detail(a: ArgSpec) -> str:
    """``an int ≥ 1 · required`` / ``… · default 1``: type and domain at a glance."""
    default = "required" if a.required else f"default {a.default!r}"
    return f"{a.domain_text()} · {default}"


def _item(
    label, kind, detail="", doc="", snippet=None, text=None, snippets=True
) -> lsp.CompletionItem:
    use_snippet = snippets and snippet is not None
    return lsp.CompletionItem(
        label=label,
        kind=kind,
        detail=detail or None,
        documentation=lsp.MarkupContent(lsp.MarkupKind.Markdown, doc) if doc else None,
        insert_text=(snippet if use_snippet else text) or label,
        insert_text_format=lsp.InsertTextFormat.Snippet
        if use_snippet
        else lsp.InsertTextFormat.PlainText,
    )


@lru_cache(maxsize=2)
def layer_items(snippets: bool) -> tuple[lsp.CompletionItem, ...]:
    items = []
    for spec in LAYERS.values():
        req = [a for a in spec.args if a.required]
        body = ", ".join(f"{a.name}: ${{{i}:{a.name}}}" for i, a in enumerate(req, 1))
        args = "\n".join(f"- `{a.name}`: {a.doc} ({arg_detail(a)})" for a in spec.args)
        items.append(
            _item(
                spec.name,
                K.Class,
                spec.signature(),
                f"{spec.doc}\n\n{args}",
                f"{spec.name}({body})$0",
                f"{spec.name}()",
                snippets,
            )
        )
    return tuple(items)


@lru_cache(maxsize=2)
def setting_items(snippets: bool) -> tuple[lsp.CompletionItem, ...]:
    snip = {
        "training": "training: {\n\t$0\n}",
        "execution": "execution: {\n\tdevice: ${1:auto}\n}",
        "metrics": "metrics: [${1:accuracy}]",
    }
    names = {
        **SETTINGS,
        "training": "training settings: batch_size, epochs, ...",
        "execution": "where trials run",
    }
    return tuple(
        _item(n, K.Property, doc, doc, snip.get(n, f"{n}: $0"), f"{n}: ", snippets)
        for n, doc in names.items()
    )


@lru_cache(maxsize=2)
def hpo_items(snippets: bool) -> tuple[lsp.CompletionItem, ...]:
    return tuple(
        _item(label, K.Snippet, doc, doc, snip, plain, snippets)
        for label, snip, plain, doc in HPO_FORMS
    )


@lru_cache(maxsize=2)
def hpo_key_items(snippets: bool) -> tuple[lsp.CompletionItem, ...]:
    return tuple(
        _item(n, K.Keyword, doc, doc, snip, f"{n}: ", snippets) for n, snip, doc in HPO_KEYS
    )


def _names(table: dict[str, str], kind: K) -> list[lsp.CompletionItem]:
    return [_item(n, kind, doc, doc) for n, doc in table.items()]


def setting_values(key: str | None) -> list[lsp.CompletionItem]:
    """Values of a network setting: losses after ``loss:``, optimizers after ``optimizer:``."""
    if key == "loss":
        return _names(LOSSES, K.Value)
    if key == "optimizer":
        return _names({n: o.doc for n, o in OPTIMIZERS.items()}, K.Function)
    if key == "lr_schedule":
        return list(schedule_items(False))
    return []


@lru_cache(maxsize=2)
def schedule_items(snippets: bool) -> tuple[lsp.CompletionItem, ...]:
    """The learning-rate schedules, with their required arguments as a snippet."""
    items = []
    for spec in SCHEDULES.values():
        req = [a for a in spec.args if a.required]
        body = ", ".join(f"{a.name}: ${{{i}:{a.name}}}" for i, a in enumerate(req, 1))
        items.append(
            _item(
                spec.name,
                K.Function,
                "learning-rate schedule",
                spec.doc,
                f"{spec.name}({body})",
                f"{spec.name}()",
                snippets,
            )
        )
    return tuple(items)


def _bools() -> list[lsp.CompletionItem]:
    return [_item("true", K.Keyword), _item("false", K.Keyword)]


def value_items(spec: ArgSpec | None, tunable: bool, snippets: bool) -> list[lsp.CompletionItem]:
    """Values an argument takes, and the hpo forms where it may be searched."""
    items: list[lsp.CompletionItem] = []
    if spec is not None:
        if spec.type == "activation":
            items += _names(ACTIVATIONS, K.EnumMember)
        elif spec.type == "bool":
            items += _bools()
        elif spec.type == "enum":
            items += [_item(c, K.EnumMember, spec.doc) for c in spec.choices]
        elif spec.type == "rate_schedule":
            items += schedule_items(snippets)
    forms = (
        hpo_items(snippets) if spec is None or spec.type in _NUMERIC else hpo_items(snippets)[:1]
    )
    return items + (list(forms) if tunable else [])


def _arg_spec(owner: str | None, key: str | None) -> ArgSpec | None:
    if owner is None or key is None:
        return None
    spec = call_spec(owner)
    if spec is not None:
        return spec.arg(key)
    if owner == "training":
        return TRAINING_KEYS.get(key)
    if owner == "execution":
        return EXECUTION_KEYS.get(key)
    return None


def macros(text: str) -> dict[str, list[str]]:
    """Macro names defined in ``text`` with their parameters."""
    return {
        m["macro"]: [p.strip() for p in (m["params"] or "").split(",") if p.strip()]
        for m in code(text, _MACRO)
    }


def items_for(ctx: Context, text: str, snippets: bool) -> list[lsp.CompletionItem]:
    """The completion items of one context."""
    w = ctx.where
    if w == "top":
        return [
            _item(
                "network",
                K.Keyword,
                snippet="network ${1:Name} {\n\tinput: ${2:(28, 28, 1)}\n\t$0\n}",
                snippets=snippets,
            ),
            _item("define", K.Keyword, snippet="define ${1:Block} {\n\t$0\n}", snippets=snippets),
        ]
    if w == "statement":
        defined = [
            _item(n, K.Module, "macro", f"macro `{n}({', '.join(ps)})`")
            for n, ps in macros(text).items()
        ]
        return [*layer_items(snippets), *setting_items(snippets), *defined]
    if w == "activation":
        return _names(ACTIVATIONS, K.EnumMember) + list(hpo_items(snippets))
    if w == "setting_value":
        tunable = ctx.key in TUNABLE_SETTINGS
        return setting_values(ctx.key) + (list(hpo_items(snippets)) if tunable else [])
    if w == "metrics":
        return _names(METRICS, K.Value)
    if w == "args":
        return _arg_name_items(ctx, text)
    if w in ("arg_value", "block_value", "hpo_value"):
        return _value_items(ctx, snippets and w != "hpo_value")
    if w == "block_key":
        keys = TRAINING_KEYS if ctx.owner == "training" else EXECUTION_KEYS
        return [_item(n, K.Property, arg_detail(a), a.doc, text=f"{n}: ") for n, a in keys.items()]
    if w == "hpo":
        return list(hpo_key_items(snippets))
    return []


def _arg_name_items(ctx: Context, text: str) -> list[lsp.CompletionItem]:
    owner = ctx.owner or ""
    spec = call_spec(owner)
    if spec is None:
        params = macros(text).get(owner, [])
        return [
            _item(p, K.Variable, f"parameter of macro {owner}", text=f"{p}: ")
            for p in params
            if p not in ctx.given
        ]
    return [
        _item(a.name, K.Field, arg_detail(a), a.doc, text=f"{a.name}: ")
        for a in spec.args
        if a.name not in ctx.given
    ]


def _value_items(ctx: Context, tunable: bool) -> list[lsp.CompletionItem]:
    if ctx.key == "activation" and ctx.owner is None:
        return _names(ACTIVATIONS, K.EnumMember)
    if ctx.owner == "network":  # options of an hpo(...) given to a setting
        return setting_values(ctx.key)
    if ctx.owner == "training" and ctx.key == "search_method":
        return _names({k: f"sampler {v}" for k, v in SEARCH_METHODS.items()}, K.EnumMember)
    if ctx.owner == "training" and ctx.key == "sampler":
        return _names(SAMPLERS, K.EnumMember)
    spec = _arg_spec(ctx.owner, ctx.key)
    tunable = (
        tunable
        and (ctx.owner != "training" or ctx.key in TUNABLE_TRAINING)
        and ctx.owner != "execution"
    )
    return value_items(spec, tunable, tunable)


def complete(ls: NeuralServer, params: lsp.CompletionParams) -> lsp.CompletionList | None:
    """Completion at a position of an open document, from its current text only."""
    doc = ls.documents.get(params.text_document.uri)
    if doc is None:
        return None
    offset = doc.index.offset(params.position)
    ctx = cursor_context(doc.text, offset)
    snippets = ls.client_supports("text_document.completion.completion_item.snippet_support")
    items = items_for(ctx, doc.text, snippets)
    return lsp.CompletionList(is_incomplete=False, items=items)


def register(ls: NeuralServer) -> None:
    ls.feature(
        lsp.TEXT_DOCUMENT_COMPLETION,
        lsp.CompletionOptions(trigger_characters=["(", ":", "=", ">", "[", ",", " "]),
    )(complete)
