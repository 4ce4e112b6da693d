"""Where studies live: one Optuna storage, by default SQLite under ``.neural-hpo/``.

The storage is the single source of truth: the engine writes trials there, and the CLI, the
report, importance caching and the language server read them back from it. An RDB URL
(``postgresql://user@host/db``) lets several machines share one study; ``NEURAL_HPO_STORAGE``
sets that URL for every command, the library and the language server alike.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # optuna loads on first use: the language server reads these constants
    import optuna

STORAGE_DIR = ".neural-hpo"
STORAGE_FILE = "studies.db"
#: the environment variable holding the default storage URL (else the SQLite file above)
STORAGE_ENV = "NEURAL_HPO_STORAGE"
#: the ``--storage`` help of every command
STORAGE_HELP = f"Optuna storage URL (default: ${STORAGE_ENV}, else {STORAGE_DIR}/{STORAGE_FILE})"
#: what to install for a database whose driver SQLAlchemy cannot import, by dialect
DRIVER_EXTRAS = {
    "postgresql": 'pip install "neural-hpo[postgres]" (psycopg 3)',
    "mysql": 'pip install "neural-hpo[mysql]" and write the URL as mysql+pymysql://...',
}
#: study user attributes of a study seeded from another (``engine.reuse``): its parent's name,
#: and what the studies that may be one another's parents share
PARENT_ATTR = "parent_study"
LINEAGE_ATTR = "lineage"
#: trial system attribute of a reused trial: ``<parent study>#<trial number>``
REUSED_FROM = "neural_hpo:reused_from"
#: ``storage=":memory:"``: an Optuna in-memory storage, for benchmarks and throwaway studies
IN_MEMORY = ":memory:"


class StorageError(ValueError):
    """A storage that cannot be opened or read: the message names it and says why."""


class StudyNotFoundError(KeyError):
    """No study of that name in the storage; the message lists the ones there."""

    def __str__(self) -> str:
        return str(self.args[0])


def default_storage_url(root: str | Path | None = None, *, create: bool = True) -> str:
    """The SQLite URL under ``<root>/.neural-hpo/`` (root: the working directory); the folder
    is made only when ``create``."""
    path = Path(root or Path.cwd()).resolve() / STORAGE_DIR / STORAGE_FILE
    if create:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot create {path.parent}: {exc.strerror}") from exc
    return f"sqlite:///{path}"


def resolve_storage(
    storage: str | None, root: str | Path | None = None, *, create: bool = True
) -> str:
    """``storage`` as given (an Optuna URL), else ``$NEURAL_HPO_STORAGE``, else the SQLite file
    under ``root`` (its folder made only when ``create``); checked to name a database whose
    driver is installed."""
    url = storage or os.environ.get(STORAGE_ENV) or default_storage_url(root, create=create)
    check_driver(url)
    return url


def check_driver(url: str) -> None:
    """StorageError for a URL that names no database SQLAlchemy knows, or one whose driver is
    missing, saying what to install (SQLAlchemy's own message names neither)."""
    if url.startswith("sqlite:") or url == IN_MEMORY:
        return
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        dialect = make_url(url).get_dialect()
    except (ArgumentError, NoSuchModuleError) as exc:
        raise StorageError(
            f"storage {url!r} is no database URL SQLAlchemy knows "
            "(e.g. sqlite:///studies.db, postgresql://user@host/db)"
        ) from exc
    try:
        dialect.import_dbapi()
    except ImportError as exc:
        hint = DRIVER_EXTRAS.get(dialect.name, f"install the Python driver {dialect.driver!r}")
        raise StorageError(
            f"storage {url.split('://')[0]}://...: its database driver is not installed "
            f"({exc}): {hint}"
        ) from exc


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL (None for other databases and in-memory SQLite)."""
    rest = url.split("://", 1)[1] if url.startswith("sqlite") and "://" in url else ""
    return Path(rest[1:]) if rest.startswith("/") and rest != "/" else None


def load_study(study_name: str, storage: str | optuna.storages.BaseStorage) -> optuna.Study:
    """An existing study; a clear error that lists the stored studies when it is not there."""
    import optuna

    names = optuna.get_all_study_names(storage)
    if study_name not in names:
        listed = ", ".join(repr(n) for n in sorted(names)) or "none"
        where = getattr(storage, "url", storage)
        raise StudyNotFoundError(
            f"no study named {study_name!r} in {where} (studies there: {listed})"
        )
    return optuna.load_study(study_name=study_name, storage=storage)


def report_file_name(study_name: str) -> str:
    """A file name for ``study_name``'s report that is safe whatever the name holds (a stored
    study may be named ``../../x``): a slug of its ordinary characters plus a hash of it all."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "_", study_name).strip("_")[:60] or "study"
    return f"{slug}-{hashlib.sha256(study_name.encode()).hexdigest()[:10]}.html"
