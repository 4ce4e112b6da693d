"""Code actions: fix an ``hpo(...)`` to its best value (or every unimportant one at once), narrow a
range to the top trials, convert legacy syntax with the formatter, and "did you mean" quick fixes."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from neural_hpo.dsl.model import Block, Call, LayersMarker, Setting

from .edits import fix_edit, fix_to_best, narrow_edit, workspace_edit
from .hover import LOW_IMPORTANCE
from .locate import hpo_specs, locate

if TYPE_CHECKING:
    from neural_hpo.dsl.model import File

    from .analyzer import Snapshot
    from .server import NeuralServer

log = logging.getLogger(__name__)
QUICKFIX = lsp.CodeActionKind.QuickFix
REWRITE = lsp.CodeActionKind.RefactorRewrite


def _action(ls, uri, title, kind, text_edits, diagnostics=None, preferred=False) -> lsp.CodeAction:
    return lsp.CodeAction(
        title,
        kind=kind,
        edit=workspace_edit(ls, uri, text_edits),
        diagnostics=diagnostics,
        is_preferred=preferred or None,
    )


def did_you_mean(
    ls: NeuralServer, uri: str, diagnostics: list[lsp.Diagnostic]
) -> list[lsp.CodeAction]:
    """Write the suggestion a diagnostic carries in its data (``diagnostics.suggestion_data``)."""
    out = []
    for d in diagnostics:
        fix = _suggestion(d.data)
        if fix is not None:
            text, rng = fix
            edit = lsp.TextEdit(rng, text)
            out.append(_action(ls, uri, f"Replace with {text}", QUICKFIX, [edit], [d], True))
    return out


def _suggestion(data: object) -> tuple[str, lsp.Range] | None:
    """The text and range in a diagnostic's ``data``, if it is a suggestion of ours (a client
    sends back what we published, or anything)."""
    if not isinstance(data, dict) or not isinstance(data.get("suggestion"), str):
        return None
    try:
        ends = [data["range"][k] for k in ("start", "end")]
        start, end = (lsp.Position(int(p["line"]), int(p["character"])) for p in ends)
    except (KeyError, TypeError, ValueError):
        return None  # not our shape: no quick fix for it
    return data["suggestion"], lsp.Range(start, end)


def study_actions(ls: NeuralServer, uri: str, snap: Snapshot, offset: int) -> list[lsp.CodeAction]:
    """Fix / narrow the ``hpo(...)`` at ``offset``, and fix every unimportant parameter."""
    found = locate(snap.analysis.file, offset)
    net = found.network
    info = ls.studies.get(net.name) if net is not None else None
    if info is None:
        return []
    out = []
    if found.hpo is not None:
        fix = fix_edit(snap, found.hpo, net.name, info)
        if fix is not None:
            out.append(
                _action(
                    ls, uri, f"Fix {fix[0]} to its best value {fix[1].new_text}", REWRITE, [fix[1]]
                )
            )
        narrow = narrow_edit(snap, found.hpo, net.name, info)
        if narrow is not None:
            out.append(
                _action(
                    ls,
                    uri,
                    f"Narrow {narrow[0]} to the top trials: {narrow[1].new_text}",
                    REWRITE,
                    [narrow[1]],
                )
            )
    low = [n for n, imp in (info.importance or {}).items() if imp.value < LOW_IMPORTANCE]
    text_edits = fix_to_best(snap, net.name, info, low) if low else []
    if text_edits:
        title = f"Fix the {len(text_edits)} parameter(s) with importance below {LOW_IMPORTANCE} to their best values"
        out.append(_action(ls, uri, title, REWRITE, text_edits))
    return out


def is_legacy(file: File) -> bool:
    """Whether the file uses legacy syntax that the formatter would convert."""
    bodies = [n.body for n in file.networks] + [m.body for m in file.macros]
    for body in bodies:
        for s in body:
            if isinstance(s, LayersMarker) or (
                isinstance(s, Block) and s.keyword not in ("training", "execution")
            ):
                return True
            if _optimizer_block(s, file.source):
                return True
    return any(spec.legacy for body in (*file.networks, *file.macros) for spec in hpo_specs(body))


def _optimizer_block(s: object, source: str) -> bool:
    """``optimizer: "Adam" { ... }``: the legacy form, read as a call that ends with ``}``."""
    return (
        isinstance(s, Setting)
        and s.name == "optimizer"
        and isinstance(s.value, Call)
        and source[s.value.span.end - 1 : s.value.span.end] == "}"
    )


def convert_legacy(ls: NeuralServer, uri: str, snap: Snapshot) -> list[lsp.CodeAction]:
    if not is_legacy(snap.analysis.file) or snap.analysis.errors:
        return []
    from neural_hpo.dsl.formatter import format_source

    new = format_source(snap.text)
    whole = snap.index.range(0, len(snap.text))
    return [
        _action(ls, uri, "Convert legacy syntax to canonical", REWRITE, [lsp.TextEdit(whole, new)])
    ]


def register(ls: NeuralServer) -> None:
    @ls.feature(
        lsp.TEXT_DOCUMENT_CODE_ACTION,
        lsp.CodeActionOptions(code_action_kinds=[QUICKFIX, REWRITE]),
    )
    async def code_action(ls: NeuralServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        doc = ls.documents.get(params.text_document.uri)
        if doc is None:
            return []

        out = did_you_mean(ls, doc.uri, params.context.diagnostics)
        snap = await ls.snapshot(params, exact=True)
        if snap is None:
            return out
        out += study_actions(ls, doc.uri, snap, snap.index.offset(params.range.start))
        out += convert_legacy(ls, doc.uri, snap)
        return out
