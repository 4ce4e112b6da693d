"""Text edits that rewrite ``hpo(...)`` expressions from what a study found: fix to the best
value, narrow a range to the top trials. Code actions and the applyBestValues command share them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from neural_hpo.dsl.lexicon import value_text

from .locate import hpo_specs, params_of
from .values import replacement

if TYPE_CHECKING:
    from neural_hpo.dsl.model import HpoSpec

    from .analyzer import Snapshot
    from .server import NeuralServer
    from .studies import StudyInfo


def fix_edit(
    snap: Snapshot, spec: HpoSpec, network: str, info: StudyInfo
) -> tuple[str, lsp.TextEdit] | None:
    """``(parameter, edit)`` replacing ``spec`` with its best value, when the study has one."""
    params = params_of(snap.analysis.spaces.get(network), spec)
    if len(params) != 1 or params[0].name not in info.best_params:
        return None
    text = replacement(spec, info.best_params[params[0].name], snap.text)
    if text is None:
        return None
    return params[0].name, lsp.TextEdit(snap.index.span_range(spec.span), text)


def fix_to_best(
    snap: Snapshot, network: str, info: StudyInfo, names: Iterable[str] | None = None
) -> list[lsp.TextEdit]:
    """Edits fixing every parameter of ``network`` (or those in ``names``) to its best value."""
    wanted = set(names) if names is not None else None
    net = snap.analysis.file.network(network)
    out = []
    for spec in hpo_specs(net):
        hit = fix_edit(snap, spec, network, info)
        if hit is not None and (wanted is None or hit[0] in wanted):
            out.append(hit[1])
    return out


def narrow_edit(
    snap: Snapshot, spec: HpoSpec, network: str, info: StudyInfo
) -> tuple[str, lsp.TextEdit] | None:
    """``(parameter, edit)`` shrinking a range to [min, max] of the top trials' values."""
    params = params_of(snap.analysis.spaces.get(network), spec)
    if len(params) != 1 or spec.kind == "categorical":
        return None
    p = params[0]
    bounds = info.top_ranges.get(p.name)
    if bounds is None or bounds[0] >= bounds[1] or (bounds[0], bounds[1]) == (p.low, p.high):
        return None
    kind = float if p.kind == "float" else int  # a number that reads back as the same kind
    parts = [value_text(kind(bounds[0])), value_text(kind(bounds[1]))]
    if p.step:
        parts.append(f"step={value_text(kind(p.step))}")
    name = f', name: "{spec.name}"' if spec.name else ""
    text = f"hpo({spec.kind}: [{', '.join(parts)}]{name})"
    return p.name, lsp.TextEdit(snap.index.span_range(spec.span), text)


def workspace_edit(ls: NeuralServer, uri: str, text_edits: list[lsp.TextEdit]) -> lsp.WorkspaceEdit:
    """A versioned document edit where the client takes one, else a plain change map."""
    doc = ls.documents.get(uri)
    if ls.client_supports("workspace.workspace_edit.document_changes"):
        ident = lsp.OptionalVersionedTextDocumentIdentifier(
            uri=uri, version=doc.version if doc else None
        )
        return lsp.WorkspaceEdit(document_changes=[lsp.TextDocumentEdit(ident, list(text_edits))])
    return lsp.WorkspaceEdit(changes={uri: list(text_edits)})
