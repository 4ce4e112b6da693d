"""Where studies live: one Optuna storage, by default SQLite under ``.neural-hpo/``.

The storage is the single source of truth: the engine writes trials there, and the CLI, the
report, importance caching and the language server read them back from it.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # optuna loads on first use: the language server reads these constants
    import optuna

STORAGE_DIR = ".neural-hpo"
STORAGE_FILE = "studies.db"


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
    """``storage`` as given (an Optuna URL), or the default one when None."""
    return storage if storage else default_storage_url(root, create=create)


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
