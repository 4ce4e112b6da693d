"""Keeping the trials when the search space changes: a child study seeded from its parent.

A study opened for a new version of a network (another source, hence another default name, or a
named study whose space changed) looks for its parent: the newest study of the same lineage (the
same network, objectives, sampler and constraints, or the same ``--study`` name) that has
finished trials. It records the parent's name (user attribute ``parent_study``) and copies every
finished parent trial that ``neural_hpo.dsl.carry`` carries into the new space: parameters,
values, intermediate values, metrics and state (pruned stay pruned). Each copy names its origin
(system attribute ``neural_hpo:reused_from``), so opening the study again copies only what is
new in the parent, never a trial twice.
"""

from __future__ import annotations

from typing import NamedTuple

import optuna
from optuna.trial import FrozenTrial, TrialState

from neural_hpo.dsl.carry import carry
from neural_hpo.dsl.model import Network
from neural_hpo.dsl.space.model import SearchSpace
from neural_hpo.storage import LINEAGE_ATTR, PARENT_ATTR, REUSED_FROM

from .config import LoadedNetwork, load_network
from .optuna_space import distribution

FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)


class Reuse(NamedTuple):
    """``reused`` of the parent's ``of`` finished trials are in the child (``copied`` of them
    by this call)."""

    parent: str
    reused: int
    of: int
    copied: int

    def message(self) -> str:
        return f"reused {self.reused} of {self.of} trials from {self.parent}"


def find_parent(study: optuna.Study, lineage: str) -> str | None:
    """The newest other study of ``lineage`` with a finished trial, with the same objectives."""
    storage = study._storage
    best: tuple[int, str] | None = None
    for s in storage.get_all_studies():
        if s.study_name == study.study_name or s.user_attrs.get(LINEAGE_ATTR) != lineage:
            continue
        if list(s.directions) != list(study.directions):
            continue
        sid = s._study_id
        if best is not None and sid < best[0]:
            continue
        trials = storage.get_all_trials(sid, deepcopy=False, states=FINISHED)
        if trials:
            best = (sid, s.study_name)
    return None if best is None else best[1]


def reuse_parent(study: optuna.Study, loaded: LoadedNetwork, parent_name: str) -> Reuse:
    """Copy into ``study`` every finished trial of ``parent_name`` that fits ``loaded``'s space
    and is not copied yet."""
    parent = optuna.load_study(study_name=parent_name, storage=study._storage)
    old = _parent_network(parent, loaded)
    done = {
        t.system_attrs.get(REUSED_FROM)
        for t in study.get_trials(deepcopy=False)
        if REUSED_FROM in t.system_attrs
    }
    finished = parent.get_trials(deepcopy=False, states=FINISHED)
    copies = []
    reused = 0
    for t in finished:
        key = f"{parent_name}#{t.number}"
        if key in done:
            reused += 1
            continue
        params = None if old is None else carry(*old, t.params, loaded.network, loaded.space)
        if params is not None:
            copies.append(_copy(t, params, loaded.space, key))
    study.add_trials(copies)
    return Reuse(parent_name, reused + len(copies), len(finished), len(copies))


def _parent_network(
    parent: optuna.Study, loaded: LoadedNetwork
) -> tuple[Network, SearchSpace] | None:
    """The network the parent trained, from the source it recorded (None when it has none)."""
    source = parent.user_attrs.get("dsl_source")
    if not isinstance(source, str):
        return None
    if source == loaded.source:
        return loaded.network, loaded.space
    try:
        old = load_network(source, loaded.network.name)
    except (ValueError, KeyError):  # a source this version no longer accepts: nothing fits
        return None
    return old.network, old.space


def _copy(t: FrozenTrial, params: dict, space: SearchSpace, key: str) -> FrozenTrial:
    copy = optuna.trial.create_trial(
        state=t.state,
        values=t.values if t.state == TrialState.COMPLETE else None,
        params=params,
        distributions={name: distribution(space.param(name)) for name in params},
        user_attrs=dict(t.user_attrs),
        system_attrs={**t.system_attrs, REUSED_FROM: key},
        intermediate_values=dict(t.intermediate_values),
    )
    copy.datetime_start, copy.datetime_complete = t.datetime_start, t.datetime_complete
    return copy


def reuse_summary(study: optuna.Study) -> Reuse | None:
    """How many trials ``study`` holds from its parent (None without a parent), for listings."""
    parent = study.user_attrs.get(PARENT_ATTR)
    if not isinstance(parent, str):
        return None
    trials = study.get_trials(deepcopy=False)
    reused = sum(1 for t in trials if REUSED_FROM in t.system_attrs)
    try:
        of = len(
            optuna.load_study(study_name=parent, storage=study._storage).get_trials(
                deepcopy=False, states=FINISHED
            )
        )
    except KeyError:  # the parent was deleted since
        of = reused
    return Reuse(parent, reused, of, 0)
