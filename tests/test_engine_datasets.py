"""Datasets: the bundled digits, and small fake files of the real formats built in tmp_path."""

from __future__ import annotations

import gzip
import logging
import pickle
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from neural_hpo.engine.datasets import load_dataset, read_idx


def write_idx(path: Path, array: np.ndarray, gz: bool) -> None:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(struct.pack(">I", d) for d in array.shape)
    data = header + array.astype(np.uint8).tobytes()
    if gz:
        path = path.with_name(path.name + ".gz")
        path.write_bytes(gzip.compress(data))
    else:
        path.write_bytes(data)


def fake_idx_dataset(root: Path, name: str, n: int, gz: bool, raw: bool = False) -> None:
    d = root / name / "raw" if raw else root / name
    d.mkdir(parents=True)
    rng = np.random.default_rng(0)
    write_idx(d / "train-images-idx3-ubyte", rng.integers(0, 256, (n, 28, 28)), gz)
    write_idx(d / "train-labels-idx1-ubyte", np.arange(n) % 10, gz)


def test_digits_resized_to_the_seed_input_with_a_log_line(caplog):
    with caplog.at_level(logging.INFO, logger="neural_hpo.engine.datasets"):
        d = load_dataset("digits", (28, 28, 1), validation_split=0.25, seed=3)
    assert d.x_train.shape[1:] == (28, 28, 1) and len(d.x_train) + len(d.x_val) == 1797
    assert abs(len(d.x_val) - 0.25 * 1797) <= 1
    assert d.x_train.min() >= 0.0 and d.x_train.max() <= 1.0
    assert "resizing" in caplog.text and "bilinear" in caplog.text


def test_digits_are_scikit_learns_without_importing_it():
    """Read from the file in scikit-learn's wheel: its arrays, and no 2 s import per worker."""
    code = (
        "import sys, numpy as np\n"
        "from neural_hpo.engine.datasets import _load_digits\n"
        "x, y = _load_digits()\n"
        "assert 'sklearn' not in sys.modules\n"
        "from sklearn.datasets import load_digits\n"
        "b = load_digits()\n"
        "assert x.dtype == np.float32 and x.shape == (1797, 8, 8, 1)\n"
        "assert np.array_equal(x, b.images[..., None].astype(np.float32) / 16.0)\n"
        "assert np.array_equal(y, b.target) and y.dtype == np.int64\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_digits_flattened_and_split_seeded():
    a = load_dataset("digits", (64,), seed=1)
    b = load_dataset("digits", (64,), seed=1)
    c = load_dataset("digits", (64,), seed=2)
    assert a.x_train.shape[1:] == (64,)
    assert np.array_equal(a.y_val, b.y_val) and not np.array_equal(a.y_val, c.y_val)


@pytest.mark.parametrize(
    ("name", "gz", "raw"), [("MNIST", True, False), ("FashionMNIST", False, True)]
)
def test_idx_files(tmp_path, name, gz, raw):
    fake_idx_dataset(tmp_path, name, 20, gz, raw)
    d = load_dataset(name.lower(), (28, 28, 1), data_dir=tmp_path, validation_split=0.2)
    assert d.x_train.shape == (16, 28, 28, 1) and d.x_val.shape == (4, 28, 28, 1)
    assert sorted(np.concatenate([d.y_train, d.y_val]).tolist()) == sorted(
        (np.arange(20) % 10).tolist()
    )


def test_data_dir_from_environment(tmp_path, monkeypatch):
    fake_idx_dataset(tmp_path, "MNIST", 10, gz=False)
    monkeypatch.setenv("NEURAL_HPO_DATA", str(tmp_path))
    assert load_dataset("MNIST", (784,)).x_train.shape == (8, 784)


def test_read_idx_rejects_other_files(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(ValueError, match="not an IDX file"):
        read_idx(tmp_path / "bad")


def test_cifar10_pickle_batches(tmp_path):
    d = tmp_path / "CIFAR10" / "cifar-10-batches-py"
    d.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(1, 6):
        batch = {b"data": rng.integers(0, 256, (4, 3072), dtype=np.uint8), b"labels": [0, 1, 2, i]}
        (d / f"data_batch_{i}").write_bytes(pickle.dumps(batch))
    data = load_dataset("CIFAR10", (32, 32, 3), data_dir=tmp_path, validation_split=0.25)
    assert data.x_train.shape == (15, 32, 32, 3) and data.x_val.shape == (5, 32, 32, 3)


def test_missing_files_offline_say_where_to_put_them(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        load_dataset("MNIST", (28, 28, 1), data_dir=tmp_path / "nothing")
    text = str(info.value)
    assert str(tmp_path / "nothing" / "MNIST") in text
    assert "train-images-idx3-ubyte" in text and "train-labels-idx1-ubyte" in text
    assert "digits" in text
    with pytest.raises(FileNotFoundError, match="data_batch_1"):
        load_dataset("CIFAR10", (32, 32, 3), data_dir=tmp_path / "nothing")


def test_npz_and_csv_files(tmp_path):
    x = np.random.default_rng(0).normal(size=(30, 4)).astype(np.float32)
    y = np.arange(30) % 3
    np.savez(tmp_path / "d.npz", x=x, y=y)
    np.savetxt(tmp_path / "d.csv", np.column_stack([x, y]), delimiter=",")
    for f in ("d.npz", "d.csv"):
        d = load_dataset(str(tmp_path / f), (4,), validation_split=0.2)
        assert d.x_train.shape == (24, 4) and d.y_train.dtype == np.int64


def test_callables_with_two_or_four_arrays():
    x = np.zeros((10, 2, 2, 1), dtype=np.float32)
    y = np.arange(10) % 2
    two = load_dataset(lambda: (x, y), (4,), validation_split=0.3)
    assert two.x_train.shape == (7, 4) and two.x_val.shape == (3, 4)
    four = load_dataset(lambda: (x[:6], y[:6], x[6:], y[6:]), (2, 2, 1))
    assert len(four.x_train) == 6 and len(four.x_val) == 4


def test_unknown_dataset_and_unfittable_shape():
    with pytest.raises(ValueError, match="unknown dataset"):
        load_dataset("imagenet", (3,))
    with pytest.raises(ValueError, match="cannot be fitted"):
        load_dataset("digits", (5, 7))
