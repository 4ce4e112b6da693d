"""Training data for trials: bundled, on-disk, downloaded on first use, or user-supplied.

``digits`` (scikit-learn's bundled 8x8 digits) is the default and works offline. MNIST,
FashionMNIST and CIFAR10 are read from the data directory in torchvision's layout and fetched
there on first use (``downloads``); offline (``$NEURAL_HPO_OFFLINE=1``, or no mirror answers)
the error says exactly which files go where. Samples are shaped to the network's
declared input (channels last); images are resized bilinearly when the sizes differ.
"""

from __future__ import annotations

import gzip
import importlib.util
import logging
import os
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from .downloads import DownloadError, fetch

log = logging.getLogger(__name__)

DATA_ENV = "NEURAL_HPO_DATA"

#: the file-backed datasets and the files each needs (raw or .gz for IDX files)
_IDX_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte")
_CIFAR_FILES = tuple(f"data_batch_{i}" for i in range(1, 6))

DatasetSource = str | os.PathLike | Callable[[], tuple]


@dataclass
class Dataset:
    """Train and validation arrays, samples channels-last, labels as ints (or floats)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    name: str


def data_root(data_dir: str | os.PathLike | None = None) -> Path:
    """``data_dir``, else ``$NEURAL_HPO_DATA``, else ``~/.neural-hpo/data``."""
    if data_dir:
        return Path(data_dir)
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV])
    return Path.home() / ".neural-hpo" / "data"


# ---- readers ----------------------------------------------------------------------------------


def _open(path: Path):
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


def read_idx(path: Path) -> np.ndarray:
    """An IDX file (the MNIST format): big-endian header with dims, then unsigned bytes."""
    with _open(path) as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError(f"{path} is not an IDX file of unsigned bytes")
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(dims)):
        raise ValueError(f"{path}: header says {dims}, file holds {body.size} values")
    return body.reshape(dims)


def _find(directory_options: list[Path], names: tuple[str, ...], gz: bool) -> list[Path] | None:
    for d in directory_options:
        found = []
        for n in names:
            candidates = [d / n, d / f"{n}.gz"] if gz else [d / n]
            hit = next((c for c in candidates if c.is_file()), None)
            if hit is None:
                break
            found.append(hit)
        else:
            return found
    return None


def _missing(
    name: str, dirs: list[Path], names: tuple[str, ...], gz: bool, why: Exception
) -> FileNotFoundError:
    listed = "\n".join(f"  {n}" + (" (or .gz)" if gz else "") for n in names)
    return FileNotFoundError(
        f"{why}\nPut these files in {dirs[0]}:\n{listed}\n(the data directory is "
        f"data_dir=..., ${DATA_ENV}, or ~/.neural-hpo/data; also looked in "
        f"{', '.join(str(d) for d in dirs[1:])}), or run `neural-hpo data fetch {name}` where "
        "there is a network. Without them, use dataset_name='digits', which ships with "
        "scikit-learn."
    )


def _found_or_fetched(
    name: str, root: Path, dirs: list[Path], names: tuple[str, ...], gz: bool
) -> list[Path]:
    """The dataset's files, downloaded first when they are not there."""
    files = _find(dirs, names, gz)
    if files is not None:
        return files
    try:
        fetch(name, root)
    except DownloadError as exc:
        raise _missing(name, dirs, names, gz, exc) from None
    files = _find(dirs, names, gz)
    if files is None:
        raise _missing(name, dirs, names, gz, DownloadError(f"{name}: fetched, yet incomplete"))
    return files


def _load_idx(name: str, root: Path) -> tuple[np.ndarray, np.ndarray]:
    dirs = [root / name / "raw", root / name]
    files = _found_or_fetched(name, root, dirs, _IDX_FILES, gz=True)
    images, labels = read_idx(files[0]), read_idx(files[1])
    return images[..., None].astype(np.float32) / 255.0, labels.astype(np.int64)


def _load_cifar10(root: Path) -> tuple[np.ndarray, np.ndarray]:
    dirs = [root / "cifar-10-batches-py", root / "CIFAR10" / "cifar-10-batches-py"]
    files = _found_or_fetched("CIFAR10", root, dirs, _CIFAR_FILES, gz=False)
    xs, ys = [], []
    for f in files:
        with open(f, "rb") as fh:
            batch = pickle.load(fh, encoding="bytes")
        xs.append(np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32))
        ys.append(np.asarray(batch[b"labels"], dtype=np.int64))
    x = np.concatenate(xs).transpose(0, 2, 3, 1).astype(np.float32) / 255.0
    return x, np.concatenate(ys)


def _load_digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled digits (8x8, values 0-16), read from the file in its wheel: the
    same arrays as ``sklearn.datasets.load_digits``, without importing scikit-learn, which took
    2 s of every trial process's start-up."""
    spec = importlib.util.find_spec("sklearn")  # finds the package without running it
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "the digits dataset comes with scikit-learn: pip install scikit-learn"
        )
    path = Path(spec.submodule_search_locations[0]) / "datasets" / "data" / "digits.csv.gz"
    with gzip.open(path, "rt") as fh:
        table = np.loadtxt(fh, delimiter=",", dtype=np.float32)
    return table[:, :-1].reshape(-1, 8, 8, 1) / 16.0, table[:, -1].astype(np.int64)


def _load_file(path: Path) -> tuple[np.ndarray, np.ndarray]:
    if not path.is_file():
        raise FileNotFoundError(f"no dataset file at {path}")
    if path.suffix == ".npz":
        with np.load(path) as z:
            missing = {"x", "y"} - set(z.files)
            if missing:
                raise ValueError(f"{path} needs arrays x and y; it has {', '.join(z.files)}")
            return z["x"].astype(np.float32), _labels(z["y"])
    table = np.loadtxt(path, delimiter=",", dtype=np.float64, ndmin=2)
    return table[:, :-1].astype(np.float32), _labels(table[:, -1])


def _labels(y: np.ndarray) -> np.ndarray:
    """Integer class labels when the values are whole numbers, floats (regression) otherwise."""
    y = np.asarray(y)
    if np.issubdtype(y.dtype, np.integer) or np.all(np.mod(y, 1) == 0):
        return y.astype(np.int64)
    return y.astype(np.float32)


@lru_cache(maxsize=8)
def _raw(name: str, root: str) -> tuple[np.ndarray, np.ndarray]:
    """All samples and labels of a named or file dataset (cached per process)."""
    key = name.lower()
    if key == "digits":
        return _load_digits()
    if key in ("mnist", "fashionmnist", "fashion_mnist", "fashion-mnist"):
        return _load_idx("MNIST" if key == "mnist" else "FashionMNIST", Path(root))
    if key in ("cifar10", "cifar-10"):
        return _load_cifar10(Path(root))
    if key.endswith((".npz", ".csv")):
        return _load_file(Path(name))
    raise ValueError(
        f"unknown dataset {name!r}: use digits, MNIST, FashionMNIST, CIFAR10, a .npz or .csv "
        "path, or a callable returning (x_train, y_train, x_val, y_val) or (x, y)"
    )


# ---- shaping and splitting ----------------------------------------------------------------------


def fit_to_shape(x: np.ndarray, shape: tuple[int | None, ...], name: str) -> np.ndarray:
    """``x`` (N, ...) shaped as the network's input: reshaped when the sizes agree, images
    resized bilinearly (channels repeated or averaged) when they differ."""
    sample = x.shape[1:]
    if None in shape:
        return x
    if sample == tuple(shape):
        return x
    if int(np.prod(sample)) == int(np.prod(shape)):
        return x.reshape(len(x), *shape)
    if len(sample) == 3 and len(shape) in (1, 3):
        target = shape if len(shape) == 3 else _square(shape[0], sample[-1])
        if target is not None:
            return fit_to_shape(_resize(x, target, name), shape, name)
    raise ValueError(
        f"dataset {name} has samples of shape {sample}, which cannot be fitted to the "
        f"network's input {tuple(shape)}"
    )


def _square(features: int, channels: int) -> tuple[int, int, int] | None:
    side = round((features / channels) ** 0.5)
    return (side, side, channels) if side * side * channels == features else None


def _resize(x: np.ndarray, target: tuple[int, ...], name: str) -> np.ndarray:
    import torch
    from torch.nn import functional as F

    h, w, c = target
    log.info(
        "dataset %s: resizing %s images to %s (bilinear) to match the network's input",
        name,
        x.shape[1:],
        tuple(target),
    )
    t = torch.from_numpy(np.ascontiguousarray(x)).permute(0, 3, 1, 2)
    t = F.interpolate(t, size=(h, w), mode="bilinear", align_corners=False)
    if t.shape[1] != c:
        t = (
            t.mean(dim=1, keepdim=True)
            if c == 1
            else t.mean(dim=1, keepdim=True).repeat(1, c, 1, 1)
        )
    return t.permute(0, 2, 3, 1).contiguous().numpy()


def split(
    x: np.ndarray, y: np.ndarray, validation_split: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A seeded shuffle, then the last ``validation_split`` fraction for validation."""
    if not 0 < validation_split < 1:
        raise ValueError(f"validation_split must lie in (0, 1), not {validation_split}")
    order = np.random.default_rng(seed).permutation(len(x))
    n_val = max(1, round(len(x) * validation_split))
    if n_val >= len(x):
        raise ValueError(f"{len(x)} samples are too few for validation_split={validation_split}")
    val, train = order[:n_val], order[n_val:]
    return x[train], y[train], x[val], y[val]


def load_dataset(
    source: DatasetSource,
    shape: tuple[int | None, ...],
    *,
    validation_split: float = 0.2,
    seed: int = 0,
    data_dir: str | os.PathLike | None = None,
    limit: int | None = None,
) -> Dataset:
    """The dataset ``source`` fitted to ``shape`` and split for validation.

    ``limit`` keeps the first ``limit`` samples of a shuffled order (tests and benches).
    """
    if callable(source):
        return _from_callable(source, shape, validation_split, seed)
    root = str(data_root(data_dir))
    return _prepared(os.fspath(source), tuple(shape), validation_split, seed, root, limit)


@lru_cache(maxsize=8)
def _prepared(
    name: str,
    shape: tuple[int | None, ...],
    validation_split: float,
    seed: int,
    root: str,
    limit: int | None,
) -> Dataset:
    """A named or file dataset fitted and split (cached: trials of one process share it)."""
    x, y = _raw(name, root)
    if limit is not None and limit < len(x):
        keep = np.random.default_rng(seed).permutation(len(x))[:limit]
        x, y = x[keep], y[keep]
    x = fit_to_shape(x, shape, name)
    return Dataset(*split(x, y, validation_split, seed), name=name)


def _from_callable(
    fn: Callable[[], tuple], shape: tuple[int | None, ...], validation_split: float, seed: int
) -> Dataset:
    name = getattr(fn, "__name__", "callable")
    out: Any = fn()
    if not isinstance(out, tuple) or len(out) not in (2, 4):
        raise ValueError(
            f"dataset callable {name} must return (x_train, y_train, x_val, y_val) or (x, y)"
        )
    arrays = [np.asarray(a) for a in out]
    xs = [fit_to_shape(a.astype(np.float32), shape, name) for a in arrays[0::2]]
    ys = [_labels(a) for a in arrays[1::2]]
    if len(out) == 2:
        return Dataset(*split(xs[0], ys[0], validation_split, seed), name=name)
    return Dataset(xs[0], ys[0], xs[1], ys[1], name=name)
