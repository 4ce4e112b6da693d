"""Datasets fetched on first use, tested against loopback HTTP mirrors serving small files in
the real formats (gzipped IDX, CIFAR-10's pickled batches in a tar.gz), with those files' own
checksums: mirror fallback, a corrupt download, resume, offline. The real mirrors' published
checksums are replaced for the test (the internet is out of reach here)."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import io
import pickle
import socket
import tarfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar

import numpy as np
import pytest

from neural_hpo.cli import main
from neural_hpo.engine import downloads
from neural_hpo.engine.datasets import load_dataset
from neural_hpo.engine.downloads import DownloadError, Remote, fetch


def _idx(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 8, array.ndim]) + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return gzip.compress(header + array.astype(np.uint8).tobytes())


def _mnist_files() -> dict[str, bytes]:
    rng = np.random.default_rng(0)
    files = {}
    for split, n in (("train", 40), ("t10k", 10)):
        files[f"{split}-images-idx3-ubyte.gz"] = _idx(rng.integers(0, 256, (n, 28, 28)))
        files[f"{split}-labels-idx1-ubyte.gz"] = _idx(np.arange(n) % 10)
    return files


def _cifar_archive() -> bytes:
    rng = np.random.default_rng(1)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
        for name in names:
            batch = {b"data": rng.integers(0, 256, (4, 3072), dtype=np.uint8), b"labels": [1] * 4}
            blob = pickle.dumps(batch)
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    return buffer.getvalue()


class _Mirror(http.server.BaseHTTPRequestHandler):
    """Serves ``files`` (path -> bytes) with range requests; ``ranges`` records those asked."""

    files: ClassVar[dict[str, bytes]] = {}
    ranges: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        body = self.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        start = 0
        asked = self.headers.get("Range")
        if asked:
            self.ranges.append(asked)
            start = int(asked.removeprefix("bytes=").split("-")[0])
        self.send_response(206 if asked else 200)
        self.send_header("Content-Length", str(len(body) - start))
        self.end_headers()
        self.wfile.write(body[start:])

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def _serve(files: dict[str, bytes]) -> Iterator[tuple[str, type[_Mirror]]]:
    handler = type("Handler", (_Mirror,), {"files": files, "ranges": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()


def _dead_url() -> str:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


@pytest.fixture
def mnist_files() -> dict[str, bytes]:
    return _mnist_files()


@pytest.fixture
def online(monkeypatch: pytest.MonkeyPatch, mnist_files: dict[str, bytes]) -> dict[str, bytes]:
    """Downloads allowed, MNIST's and CIFAR-10's sums those of the test files."""
    monkeypatch.setenv(downloads.OFFLINE_ENV, "0")
    sums = {n: hashlib.md5(b).hexdigest() for n, b in mnist_files.items()}
    archive = _cifar_archive()
    mnist, cifar = downloads.REMOTES["MNIST"], downloads.REMOTES["CIFAR10"]
    test_remotes = {
        "MNIST": Remote(**{**mnist.__dict__, "files": tuple((n, sums[n]) for n, _ in mnist.files)}),
        "CIFAR10": Remote(
            **{
                **cifar.__dict__,
                "files": (("cifar-10-python.tar.gz", hashlib.md5(archive).hexdigest()),),
            }
        ),
    }
    monkeypatch.setattr(downloads, "REMOTES", {**downloads.REMOTES, **test_remotes})
    served = {f"/MNIST/{n}": b for n, b in mnist_files.items()}
    served["/CIFAR10/cifar-10-python.tar.gz"] = archive
    return served


def test_falls_back_from_a_dead_and_a_corrupt_mirror(tmp_path, monkeypatch, online):
    corrupt = {path: body[:-7] + b"garbage" for path, body in online.items()}
    with _serve(corrupt) as (bad_url, _), _serve(online) as (good_url, _):
        mirrors = f"{_dead_url()},{bad_url},{good_url}"
        monkeypatch.setenv(downloads.MIRROR_ENV, mirrors)
        data = load_dataset("MNIST", (28, 28, 1), data_dir=tmp_path, validation_split=0.25)
    assert data.x_train.shape == (30, 28, 28, 1) and data.y_val.dtype == np.int64
    raw = tmp_path / "MNIST" / "raw"  # torchvision's layout: the .gz and the unpacked file
    assert (raw / "train-images-idx3-ubyte.gz").read_bytes() == online[
        "/MNIST/train-images-idx3-ubyte.gz"
    ]
    assert (raw / "t10k-labels-idx1-ubyte").is_file()
    assert not list(raw.glob("*.part"))


def test_every_mirror_failing_is_one_clear_error(tmp_path, monkeypatch, online):
    corrupt = {path: b"not the file" for path in online}
    with _serve(corrupt) as (bad_url, _):
        monkeypatch.setenv(downloads.MIRROR_ENV, f"{_dead_url()},{bad_url}")
        with pytest.raises(FileNotFoundError) as info:
            load_dataset("MNIST", (28, 28, 1), data_dir=tmp_path)
    text = str(info.value)
    assert "checksum mismatch" in text and "train-images-idx3-ubyte" in text
    assert "Connection refused" in text and "neural-hpo data fetch MNIST" in text
    assert not (tmp_path / "MNIST" / "raw" / "train-images-idx3-ubyte.gz").exists()


def test_a_partial_download_resumes(tmp_path, monkeypatch, online):
    name = "train-images-idx3-ubyte.gz"
    body = online[f"/MNIST/{name}"]
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    (raw / f"{name}.part").write_bytes(body[:100])
    with _serve(online) as (url, handler):
        monkeypatch.setenv(downloads.MIRROR_ENV, url)
        fetch("MNIST", tmp_path, progress=False)
    assert handler.ranges == ["bytes=100-"]
    assert (raw / name).read_bytes() == body


def test_cifar_archive_unpacks_in_torchvisions_layout(tmp_path, monkeypatch, online, capsys):
    with _serve(online) as (url, _):
        monkeypatch.setenv(downloads.MIRROR_ENV, url)
        assert main(["data", "fetch", "CIFAR10", "--data-dir", str(tmp_path)]) == 0
    assert (tmp_path / "cifar-10-batches-py" / "test_batch").is_file()
    data = load_dataset("CIFAR10", (32, 32, 3), data_dir=tmp_path, validation_split=0.25)
    assert data.x_train.shape == (15, 32, 32, 3)
    assert main(["data", "list", "--data-dir", str(tmp_path)]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert any(line.startswith("CIFAR10") and " here " in line for line in listing)
    assert any(line.startswith("MNIST") and "not fetched" in line for line in listing)


def test_offline_never_downloads_and_says_where_files_go(tmp_path, monkeypatch, online, capsys):
    monkeypatch.setenv(downloads.OFFLINE_ENV, "1")
    with _serve(online) as (url, _):
        monkeypatch.setenv(downloads.MIRROR_ENV, url)
        with pytest.raises(FileNotFoundError) as info:
            load_dataset("MNIST", (28, 28, 1), data_dir=tmp_path)
        assert main(["data", "fetch", "MNIST", "--data-dir", str(tmp_path)]) == 1
    assert "NEURAL_HPO_OFFLINE" in str(info.value) and "train-labels-idx1-ubyte" in str(info.value)
    assert "NEURAL_HPO_OFFLINE" in capsys.readouterr().err
    assert not (tmp_path / "MNIST" / "raw").exists() or not any(
        (tmp_path / "MNIST" / "raw").iterdir()
    )


def test_unknown_dataset_name(tmp_path, capsys):
    assert main(["data", "fetch", "ImageNet", "--data-dir", str(tmp_path)]) == 1
    assert "no downloadable dataset 'ImageNet'" in capsys.readouterr().err


def test_published_checksums_are_torchvisions() -> None:
    """The real mirrors' sums are torchvision's published ones (mnist.py, cifar.py)."""
    assert (
        dict(downloads.REMOTES["MNIST"].files)["train-images-idx3-ubyte.gz"]
        == "f68b3c2dcbeaaa9fbdd348bbdeb94873"
    )
    assert (
        dict(downloads.REMOTES["FashionMNIST"].files)["train-labels-idx1-ubyte.gz"]
        == "25c81989df183df01b3e8a0aad5dffbe"
    )
    assert downloads.REMOTES["CIFAR10"].files[0][1] == "c58f30108f718f92721af3b95e74349a"
    assert issubclass(DownloadError, FileNotFoundError)


def test_the_seeds_first_example_with_mnist_as_written(tmp_path, monkeypatch, online):
    """``dataset_name='MNIST'`` as the seed README writes it: fetched on first use (here from the
    loopback mirror, the test's small MNIST files), then trained on."""
    from engine_helpers import SEED_CONFIG

    from neural_hpo import optimize_and_return

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEURAL_HPO_DATA", str(tmp_path / "data"))
    with _serve(online) as (url, _):
        monkeypatch.setenv(downloads.MIRROR_ENV, url)
        results = optimize_and_return(
            config=SEED_CONFIG, n_trials=1, dataset_name="MNIST", device="auto", epochs=1
        )
    assert (tmp_path / "data" / "MNIST" / "raw" / "train-images-idx3-ubyte").is_file()
    assert results.study.trials[0].state.name == "COMPLETE"
