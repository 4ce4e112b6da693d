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


def default_storage_url(root: str | Path | None = None) -> str:
    """The SQLite URL under ``<root>/.neural-hpo/`` (root: the working directory)."""
    path = Path(root or Path.cwd()).resolve() / STORAGE_DIR / STORAGE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def resolve_storage(storage: str | None, root: str | Path | None = None) -> str:
    """``storage`` as given (an Optuna URL), or the default one when None."""
    return storage if storage else default_storage_url(root)


def load_study(study_name: str, storage: str | None = None) -> optuna.Study:
    """An existing study; a clear error that lists the stored studies when it is not there."""
    import optuna

    url = resolve_storage(storage)
    names = optuna.get_all_study_names(url)
    if study_name not in names:
        listed = ", ".join(sorted(names)) or "none"
        raise KeyError(f"no study named {study_name!r} in {url} (studies there: {listed})")
    return optuna.load_study(study_name=study_name, storage=url)


def report_file_name(study_name: str) -> str:
    """A file name for ``study_name``'s report that is safe whatever the name holds (a stored
    study may be named ``../../x``): a slug of its ordinary characters plus a hash of it all."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "_", study_name).strip("_")[:60] or "study"
    return f"{slug}-{hashlib.sha256(study_name.encode()).hexdigest()[:10]}.html"
