"""Persistent studies: storage, creation, resume, and trials left behind by dead workers.

Studies live in an Optuna RDB storage (default: SQLite under ``.neural-hpo/``), so
``optuna-dashboard`` opens them. SQLite runs in WAL mode and its connections wait up to 60 s on
a lock, so several worker processes share one file.

Dead workers: every worker process registers itself on the study (a system attribute holding
host, pid and start time) once, when it starts. When a run starts, a RUNNING trial is failed
(``fail_reason`` "worker died") when no live worker of the study had started before it: a worker
on this host is live while its pid runs; workers on other hosts are assumed live. This costs
no storage write per trial, unlike Optuna's heartbeat.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import random
import re
import socket
import time
import warnings
from collections.abc import Sequence
from typing import Any

import optuna
import sqlalchemy
from optuna.trial import TrialState

from neural_hpo.dsl.catalog import METRIC_DIRECTIONS
from neural_hpo.storage import (
    IN_MEMORY,
    LINEAGE_ATTR,
    PARENT_ATTR,
    REUSED_FROM,
    StorageError,
    resolve_storage,
    sqlite_path,
)

from .config import LoadedNetwork
from .reuse import Reuse, find_parent, reuse_parent

WORKER_PREFIX = "neural_hpo:worker:"
SQLITE_BUSY_TIMEOUT_S = 60
WORKER_DIED = "worker died: the process running it ended mid-trial"


def open_storage(storage: str | None, *, create: bool = True) -> optuna.storages.BaseStorage:
    """The Optuna storage for URL ``storage`` (the default SQLite file when None).

    Without ``create`` (the read-only commands) a SQLite file that does not exist is an error
    rather than made. Any failure is a StorageError naming the storage, in one line.
    """
    url = resolve_storage(storage, create=create)
    path = sqlite_path(url)
    if not create and path is not None and not path.is_file():
        raise StorageError(f"no storage at {path}: run a study first, or pass --storage")
    try:
        return _open(url)
    except (sqlalchemy.exc.SQLAlchemyError, ImportError, RuntimeError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise StorageError(f"cannot open storage {url}: {reason}") from exc


def _open(url: str) -> optuna.storages.BaseStorage:
    if url == IN_MEMORY:
        return optuna.storages.InMemoryStorage()
    if not url.startswith("sqlite"):
        return optuna.storages._CachedStorage(rdb_storage(url))
    rdb = rdb_storage(url, {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_S}})
    sqlalchemy.event.listen(rdb.engine, "connect", _sqlite_pragmas)
    rdb.engine.dispose()  # connections opened while creating tables lack the pragmas
    return rdb


#: what a process sees when another one creates the same schema at the same moment: a table,
#: type or version row that was missing when checked exists when created (SQLite, PostgreSQL,
#: MySQL wordings)
_SCHEMA_RACE = re.compile(r"already exists|UNIQUE constraint|duplicate|database is locked", re.I)
SCHEMA_ATTEMPTS = 12


def rdb_storage(
    url: str, engine_kwargs: dict[str, Any] | None = None
) -> optuna.storages.RDBStorage:
    """Optuna's RDBStorage for ``url``, safe when several processes create a fresh schema at once.

    Optuna checks for each table (and the version rows) before creating it, so concurrent first
    opens collide. Each attempt runs in its own transaction where the database has
    transactional DDL (PostgreSQL) and is per table elsewhere (SQLite), so retrying after a
    collision finds what the other process made and creates only what is still missing.
    """
    for attempt in range(1, SCHEMA_ATTEMPTS):
        try:
            return _checked_rdb(url, engine_kwargs or {})
        except sqlalchemy.exc.DBAPIError as exc:
            if not _SCHEMA_RACE.search(str(exc.orig)):
                raise
        time.sleep(random.uniform(0.02, 0.1) * attempt)
    return _checked_rdb(url, engine_kwargs or {})


_schema_head: list[str] = []  # the installed Optuna's schema version, read once per process


def _checked_rdb(url: str, engine_kwargs: dict[str, Any]) -> optuna.storages.RDBStorage:
    """RDBStorage whose schema version is compared with a head read once per process: Optuna
    reads its ~30 migration scripts for that on every open (~0.4 s)."""
    rdb = optuna.storages.RDBStorage(
        url, engine_kwargs=dict(engine_kwargs), skip_compatibility_check=True
    )
    if not _schema_head:
        _schema_head.append(rdb.get_head_version())
    if rdb.get_current_version() != _schema_head[0]:  # Optuna's own check says what to do
        optuna.storages.RDBStorage(url, engine_kwargs=dict(engine_kwargs))
    if rdb.engine.dialect.name == "sqlite":  # the file stays in WAL mode once switched
        with rdb.engine.connect() as connection:  # may meet a lock: then retried
            connection.exec_driver_sql("PRAGMA journal_mode=WAL")
    return rdb


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    """synchronous=NORMAL: in WAL mode (readers never block the writer; switched once, when the
    storage opens: switching on every connection met other processes' locks) a commit survives
    a killed process (not a power cut) without an fsync per write (~20 ms a write)."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _name_key(
    loaded: LoadedNetwork,
    metric_names: Sequence[str],
    sampler: str,
    directions: Sequence[str],
    constraints: Sequence[object],
) -> list[str]:
    natural = [METRIC_DIRECTIONS.get(m) for m in metric_names]
    unusual = list(directions) if directions and list(directions) != natural else []
    return [*metric_names, sampler, *unusual, *map(str, constraints)]


def default_study_name(
    loaded: LoadedNetwork,
    metric_names: Sequence[str],
    sampler: str,
    directions: Sequence[str] = (),
    constraints: Sequence[object] = (),
) -> str:
    """Network name and a short hash of source, objectives and sampler: rerunning an unchanged
    file with the same settings resumes its study; another sampler or metric starts its own.
    Directions against a metric's nature and constraints join the hash only when present, so
    the names of studies without them do not change."""
    key = "\0".join(
        [loaded.source_hash, *_name_key(loaded, metric_names, sampler, directions, constraints)]
    )
    return f"{loaded.network.name}-{hashlib.sha256(key.encode()).hexdigest()[:8]}"


def default_lineage(
    loaded: LoadedNetwork,
    metric_names: Sequence[str],
    sampler: str,
    directions: Sequence[str] = (),
    constraints: Sequence[object] = (),
) -> str:
    """What the default studies of every version of a network share (the default name without
    the source): a new version's study reuses the trials of the newest study of its lineage."""
    key = "\0".join(_name_key(loaded, metric_names, sampler, directions, constraints))
    return f"{loaded.network.name}:{hashlib.sha256(key.encode()).hexdigest()[:8]}"


def open_study(
    storage: optuna.storages.BaseStorage,
    study_name: str,
    loaded: LoadedNetwork,
    metric_names: Sequence[str],
    directions: Sequence[str],
    sampler: optuna.samplers.BaseSampler,
    pruner: optuna.pruners.BasePruner,
    *,
    allow_space_change: bool = False,
    constraints: Sequence[str] = (),
    lineage: str | None = None,
    fresh: bool = False,
) -> tuple[optuna.Study, Reuse | None]:
    """Create the study, or resume it when it exists with the same search space, and seed it
    with the fitting trials of its parent (see ``reuse``); returns it and what it reused.

    A stored study ``study_name`` with another space is resumed as is with
    ``allow_space_change``; otherwise its child ``<study_name>-<space hash>`` is opened, which
    reuses its trials. ``lineage`` (default: ``study_name``) names the studies a new one may
    reuse; ``fresh`` reuses none. ValueError when the stored objectives or constraints
    (``["latency_ms < 100"]``) differ.
    """
    lineage = lineage or study_name
    signature = loaded.space.signature()
    names = set(optuna.get_all_study_names(storage))
    if study_name in names:
        stored = optuna.load_study(study_name=study_name, storage=storage)
        _check_objectives(stored, metric_names, directions)
        old = stored.user_attrs.get("space_signature")
        if old is not None and old != signature and not allow_space_change:
            study_name = f"{study_name}-{signature[:8]}"
    exists = study_name in names
    if exists and fresh:
        exists = not _drop_for_fresh(storage, study_name)
    study = optuna.create_study(
        storage=storage,
        study_name=study_name,
        directions=list(directions),
        sampler=sampler,
        pruner=pruner,
        load_if_exists=True,
    )
    if exists:
        _check_objectives(study, metric_names, directions)
        stored = study.user_attrs.get("constraints", [])
        if list(stored) != list(constraints):
            raise ValueError(
                f"study {study.study_name!r} was run with constraints {stored or 'none'}; this "
                f"run asks for {list(constraints) or 'none'}: use another study_name"
            )
    else:
        _describe_new(study, loaded, metric_names, constraints, lineage)
    attrs = study.user_attrs
    if attrs.get("space_signature") != signature:
        study.set_user_attr("space_signature", signature)
        study.set_user_attr("space", {p.name: p.describe() for p in loaded.space})
    if attrs.get("dsl_hash") != loaded.source_hash:
        study.set_user_attr("dsl_source", loaded.source)
        study.set_user_attr("dsl_hash", loaded.source_hash)
    parent = attrs.get(PARENT_ATTR) if exists else None
    if not exists and not fresh:
        parent = find_parent(study, lineage)
        if parent is not None:
            study.set_user_attr(PARENT_ATTR, parent)
    if not isinstance(parent, str) or parent not in names:
        return study, None
    return study, reuse_parent(study, loaded, parent)


def _describe_new(
    study: optuna.Study,
    loaded: LoadedNetwork,
    metric_names: Sequence[str],
    constraints: Sequence[str],
    lineage: str,
) -> None:
    with warnings.catch_warnings():  # stable in practice; Optuna still labels it experimental
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        study.set_metric_names(list(metric_names))
    study.set_user_attr("network", loaded.network.name)
    study.set_user_attr("metric", metric_names[0] if len(metric_names) == 1 else list(metric_names))
    study.set_user_attr(LINEAGE_ATTR, lineage)
    if constraints:
        study.set_user_attr("constraints", list(constraints))


def _drop_for_fresh(storage: optuna.storages.BaseStorage, study_name: str) -> bool:
    """``fresh`` on a stored study: one that holds only reused trials is deleted (they stay in
    its parent) and started again; one with trials of its own is an error."""
    trials = optuna.load_study(study_name=study_name, storage=storage).get_trials(deepcopy=False)
    own = sum(1 for t in trials if REUSED_FROM not in t.system_attrs)
    if own:
        raise ValueError(
            f"study {study_name!r} already has {own} trial(s) of its own; --fresh (fresh=True) "
            "starts an empty study: pass another study name"
        )
    optuna.delete_study(study_name=study_name, storage=storage)
    return True


def _check_objectives(
    study: optuna.Study, metric_names: Sequence[str], directions: Sequence[str]
) -> None:
    stored = [d.name.lower() for d in study.directions]
    if stored != list(directions) or list(study.metric_names or metric_names) != list(metric_names):
        raise ValueError(
            f"study {study.study_name!r} optimizes {study.metric_names} ({', '.join(stored)}); "
            f"this run asks for {list(metric_names)}: use another study_name"
        )


# ---- workers and stale trials -------------------------------------------------------------------


def _study_id(study: optuna.Study) -> int:
    return study._storage.get_study_id_from_name(study.study_name)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed child not yet reaped is a zombie: dead for our purpose
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def register_worker(study: optuna.Study) -> str:
    """Record this process as a worker of ``study``; returns the key to pass to unregister."""
    key = f"{WORKER_PREFIX}{socket.gethostname()}:{os.getpid()}"
    study._storage.set_study_system_attr(_study_id(study), key, dt.datetime.now().isoformat())
    return key


def unregister_worker(study: optuna.Study, key: str) -> None:
    """Mark this worker finished (an empty start time), so a reused pid is not taken for it."""
    study._storage.set_study_system_attr(_study_id(study), key, "")


def _live_worker_starts(study: optuna.Study) -> list[dt.datetime]:
    """When each live worker of ``study`` started (those on other hosts count as live)."""
    host = socket.gethostname()
    starts = []
    for key, started in study._storage.get_study_system_attrs(_study_id(study)).items():
        if not key.startswith(WORKER_PREFIX) or not started:
            continue
        worker_host, pid = key[len(WORKER_PREFIX) :].rsplit(":", 1)
        if worker_host != host or _alive(int(pid)):
            starts.append(dt.datetime.fromisoformat(started))
    return starts


def fail_orphaned_trials(study: optuna.Study) -> list[int]:
    """Fail RUNNING trials that no live worker can be running; returns their numbers.

    The trials are read before the workers: a worker registers before it starts a trial, so
    every trial seen running has its worker in the later read, and a trial another process
    starts meanwhile is not taken for an orphan. A trial that finishes meanwhile is left alone.
    """
    running = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
    if not running:
        return []
    live_since = _live_worker_starts(study)
    failed = []
    for t in running:
        if t.datetime_start is not None and any(s <= t.datetime_start for s in live_since):
            continue
        if fail_as_orphan(study, t):
            failed.append(t.number)
    return failed


def fail_as_orphan(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> bool:
    """Fail ``trial`` as "worker died"; False when it finished meanwhile (it is left alone)."""
    try:
        study._storage.set_trial_user_attr(trial._trial_id, "fail_reason", WORKER_DIED)
        study._storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)
    except optuna.exceptions.UpdateFinishedTrialError:
        return False
    return True
