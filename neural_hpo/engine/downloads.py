"""Fetching MNIST, FashionMNIST and CIFAR-10 on first use, in torchvision's layout.

Each dataset is a list of files with their published MD5 sums (torchvision's ``resources``) and
a list of mirrors tried in order; ``$NEURAL_HPO_DATA_MIRROR`` (one or more base URLs, comma
separated) replaces them, laid out as ``<mirror>/<NAME>/<file>``. A file downloads to
``<file>.part`` (resumed with an HTTP range request when a previous attempt left one), is
checked against its sum, and only then renamed into place, so an interrupted or corrupt
download never looks like data. A lock file keeps two processes from fetching the same dataset
at once. ``$NEURAL_HPO_OFFLINE=1`` never touches the network. Standard library only (and tqdm
for the progress bar).
"""

from __future__ import annotations

import contextlib
import fcntl
import gzip
import hashlib
import os
import shutil
import tarfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

MIRROR_ENV = "NEURAL_HPO_DATA_MIRROR"
OFFLINE_ENV = "NEURAL_HPO_OFFLINE"
CHUNK = 1 << 16
TIMEOUT_S = 30


@dataclass(frozen=True)
class Remote:
    """A downloadable dataset: where its files land under the data root, what they are (name
    and MD5) and where they come from. ``extract``: gunzip each ``.gz`` beside itself (MNIST, as
    torchvision does) or unpack the one tar archive into ``folder`` (CIFAR-10)."""

    name: str
    folder: str
    files: tuple[tuple[str, str], ...]
    mirrors: tuple[str, ...]
    extract: str  # "gunzip" | "untar"
    ready: tuple[str, ...]  # paths under ``folder`` that mean "fetched"
    about: str


_IDX_READY = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte")

#: the datasets, with torchvision's mirrors and published MD5 sums
REMOTES: dict[str, Remote] = {
    "MNIST": Remote(
        "MNIST",
        "MNIST/raw",
        (
            ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
            ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
            ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
            ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
        ),
        ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"),
        "gunzip",
        _IDX_READY,
        "handwritten digits, 28x28 grey, 60,000 training images (11 MB)",
    ),
    "FashionMNIST": Remote(
        "FashionMNIST",
        "FashionMNIST/raw",
        (
            ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
            ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
            ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
            ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
        ),
        ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
        "gunzip",
        _IDX_READY,
        "clothing items, 28x28 grey, 60,000 training images (30 MB)",
    ),
    "CIFAR10": Remote(
        "CIFAR10",
        "",
        (("cifar-10-python.tar.gz", "c58f30108f718f92721af3b95e74349a"),),
        ("https://www.cs.toronto.edu/~kriz/",),
        "untar",
        tuple(f"cifar-10-batches-py/data_batch_{i}" for i in range(1, 6)),
        "objects in 10 classes, 32x32 colour, 50,000 training images (163 MB)",
    ),
}


class DownloadError(FileNotFoundError):
    """No mirror delivered a dataset's file intact (the message lists each attempt), or the
    machine is offline; the dataset's files are then still missing."""


def remote(name: str) -> Remote:
    """The dataset called ``name`` (case-insensitive; ``fashion_mnist``, ``cifar-10`` too)."""
    key = name.lower().replace("_", "").replace("-", "")
    for r in REMOTES.values():
        if r.name.lower() == key:
            return r
    raise KeyError(f"no downloadable dataset {name!r}: use {', '.join(REMOTES)}")


def offline() -> bool:
    """Whether ``$NEURAL_HPO_OFFLINE`` forbids downloads (any value but empty, 0 or false)."""
    return os.environ.get(OFFLINE_ENV, "").strip().lower() not in ("", "0", "false", "no")


def mirrors(r: Remote) -> list[str]:
    """Base URLs to try for ``r``'s files, in order (``$NEURAL_HPO_DATA_MIRROR`` first-class)."""
    given = [m.strip() for m in os.environ.get(MIRROR_ENV, "").split(",") if m.strip()]
    if given:
        return [f"{m.rstrip('/')}/{r.name}/" for m in given]
    return list(r.mirrors)


def is_fetched(r: Remote, root: Path) -> bool:
    """Whether ``r``'s files are in place under ``root``."""
    return all((root / r.folder / p).is_file() for p in r.ready)


def fetch(name: str, root: Path, *, progress: bool = True) -> Path:
    """Download, check and unpack dataset ``name`` into ``root`` unless it is there; returns
    the folder holding it. Raises DownloadError when offline or when every mirror fails."""
    r = remote(name)
    target = root / r.folder
    if is_fetched(r, root):
        return target
    if offline():
        raise DownloadError(f"dataset {r.name} is not on this machine and ${OFFLINE_ENV} is set")
    target.mkdir(parents=True, exist_ok=True)
    with _locked(target / f".{r.name}.lock"):
        if not is_fetched(r, root):  # another process may have fetched it meanwhile
            for filename, md5 in r.files:
                path = target / filename
                if not (path.is_file() and md5_of(path) == md5):
                    _download(r, filename, md5, path, progress)
                _unpack(r, path, target)
    return target


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def md5_of(path: Path) -> str:
    """The MD5 hex digest of a file (the sums torchvision publishes)."""
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _download(r: Remote, filename: str, md5: str, path: Path, progress: bool) -> None:
    """``filename`` from the first mirror that delivers it with the right sum, into ``path``."""
    part = path.with_name(path.name + ".part")
    failures = []
    for base in mirrors(r):
        resumed = part.exists()
        problem = _attempt(base + filename, part, md5, progress)
        if problem is not None and resumed and not part.exists():  # corrupt resume: afresh
            problem = _attempt(base + filename, part, md5, progress)
        if problem is None:
            os.replace(part, path)
            return
        failures.append(f"{base}{filename}: {problem}")
    raise DownloadError(
        f"could not download {r.name}'s {filename}:\n  " + "\n  ".join(failures) + f"\n(set "
        f"${MIRROR_ENV} to a mirror laid out as <mirror>/{r.name}/{filename})"
    )


def _attempt(url: str, part: Path, md5: str, progress: bool) -> str | None:
    """Fetch ``url`` into ``part`` (resuming); None when its sum is ``md5``, else what went
    wrong (a corrupt copy is deleted, a partial one kept to resume from)."""
    try:
        _get(url, part, progress)
    except (OSError, urllib.error.URLError) as exc:  # dead mirror, refused, timed out
        return str(getattr(exc, "reason", exc))
    got = md5_of(part)
    if got == md5:
        return None
    part.unlink()
    return f"checksum mismatch (md5 {got}, expected {md5})"


def _get(url: str, part: Path, progress: bool) -> None:
    """``url`` appended to ``part``, resuming from its size with a range request."""
    from tqdm import tqdm

    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    try:
        response = urllib.request.urlopen(request, timeout=TIMEOUT_S)
    except urllib.error.HTTPError as exc:
        if exc.code != 416 or not have:  # 416: the part already holds the whole file
            raise
        return
    with response:
        if response.status != 206:  # the server ignored the range: start over
            have = 0
        size = response.headers.get("Content-Length")
        total = have + int(size) if size is not None else None
        with (
            open(part, "ab" if have else "wb") as out,
            tqdm(
                total=total,
                initial=have,
                unit="B",
                unit_scale=True,
                desc=part.name.removesuffix(".part"),
                disable=None if progress else True,
                leave=False,
            ) as bar,
        ):
            for block in iter(lambda: response.read(CHUNK), b""):
                out.write(block)
                bar.update(len(block))


def _unpack(r: Remote, path: Path, target: Path) -> None:
    """Gunzip ``path`` beside itself or untar it into ``target``, atomically per file."""
    if r.extract == "gunzip":
        out = path.with_suffix("")
        if out.is_file():
            return
        tmp = out.with_name(out.name + ".part")
        with gzip.open(path, "rb") as src, open(tmp, "wb") as dst:
            shutil.copyfileobj(src, dst, CHUNK)
        os.replace(tmp, out)
        return
    inside = target.resolve()
    with tarfile.open(path, "r:gz") as tar:
        members = [
            m
            for m in tar.getmembers()
            if (m.isfile() or m.isdir()) and (inside / m.name).resolve().is_relative_to(inside)
        ]
        if hasattr(tarfile, "data_filter"):  # Python >= 3.10.12: the stdlib's own checks too
            tar.extractall(target, members=members, filter="data")
        else:
            tar.extractall(target, members=members)


def describe(root: Path) -> list[dict[str, object]]:
    """One row per downloadable dataset: name, whether it is here, where, and what it is."""
    return [
        {
            "name": r.name,
            "fetched": is_fetched(r, root),
            "path": str(root / r.folder if r.folder else root / r.ready[0].split("/")[0]),
            "about": r.about,
        }
        for r in REMOTES.values()
    ]
