"""Inlay hints: the best value found so far, after each ``hpo(...)`` of a network with a study."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from neural_hpo.dsl.lexicon import value_text

from .locate import hpo_specs, params_of

if TYPE_CHECKING:
    from .server import NeuralServer


def hints(ls: NeuralServer, snap, lo: int, hi: int) -> list[lsp.InlayHint]:
    out = []
    for net in snap.analysis.file.networks:
        info = ls.studies.get(net.name)
        if info is None or not info.best_params or net.span.end < lo or net.span.start > hi:
            continue
        space = snap.analysis.spaces.get(net.name)
        best = info.best_fitting(space)
        if best is None:  # no trial of the study is a configuration of the edited space
            continue
        for spec in hpo_specs(net):
            params = params_of(space, spec)
            if len(params) == 1 and params[0].name in best and lo <= spec.span.end <= hi:
                label = f"best: {value_text(best[params[0].name], digits=4)}"
                out.append(
                    lsp.InlayHint(snap.index.position(spec.span.end), label, padding_left=True)
                )
    return out


def register(ls: NeuralServer) -> None:
    @ls.feature(lsp.TEXT_DOCUMENT_INLAY_HINT, lsp.InlayHintOptions(resolve_provider=False))
    async def inlay_hint(ls: NeuralServer, params: lsp.InlayHintParams) -> list[lsp.InlayHint]:
        snap = await ls.snapshot(params, exact=True)
        if snap is None:
            return []
        lo, hi = snap.index.offset(params.range.start), snap.index.offset(params.range.end)
        return hints(ls, snap, lo, hi)
