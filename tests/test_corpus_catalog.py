"""The catalog's legacy corpus (``tests/corpus/legacy/cat_*.neural``): every file is accepted,
and every network builds and trains one epoch of two steps on random data of its declared shape
with its own options (clipping, early stopping, schedules), at the last value of every
parameter (the widest corner). That each parses alike on the fast and the lark path, and formats
keeping its meaning, ``test_fastparse`` and ``test_formatter`` check for every corpus file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from neural_hpo.dsl.analysis import analyze
from neural_hpo.dsl.space.materialize import materialize
from neural_hpo.engine.config import load_network
from neural_hpo.engine.datasets import Dataset
from neural_hpo.engine.torch_builder import build_model
from neural_hpo.engine.training import train
from neural_hpo.engine.values import layer_args, optimizer_config, training_options

CORPUS = sorted((Path(__file__).parent / "corpus" / "legacy").glob("cat_*.neural"))


def test_the_corpus_has_its_files() -> None:
    assert len(CORPUS) >= 8


def _widest(space) -> dict:
    """Every parameter at its last value."""
    return {p.name: (p.grid() or [p.high])[-1] for p in space}


def _random_data(model, network, n: int = 8) -> Dataset:
    """Random samples of the declared shape: token ids below the vocabulary for an Embedding
    first, class labels for a classifier, floats for a regression."""
    rng = np.random.default_rng(0)
    first = network.layers[0]
    if first.name == "Embedding":
        x = rng.integers(0, layer_args(first)["input_dim"], (n, *model.input_shape))
    else:
        x = rng.standard_normal((n, *model.input_shape))
    outputs = model.output_shape[-1]
    if model.head.name in ("mse", "mae", "huber", "smooth_l1"):
        y = rng.standard_normal((n, outputs)).astype(np.float32)
    else:
        y = np.arange(n) % max(outputs, 2)
    x = x.astype(np.float32)
    return Dataset(x, y, x.copy(), y.copy(), "random")


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_corpus_file_is_accepted_built_and_trains_a_step(path: Path) -> None:
    analysis = analyze(path.read_text(), str(path))
    assert analysis.errors == [], [d.message for d in analysis.errors]
    for net in analysis.file.networks:
        loaded = load_network(str(path), net.name)
        concrete = materialize(loaded.network, _widest(loaded.space), loaded.space)
        torch.manual_seed(0)
        model = build_model(concrete)
        before = [p.detach().clone() for p in model.module.parameters()]
        metrics = train(
            model,
            _random_data(model, concrete),
            epochs=1,
            batch_size=4,
            optimizer=optimizer_config(concrete),
            options=training_options(concrete),
            device=torch.device("cpu"),
            seed=0,
        )
        assert np.isfinite(metrics["loss"]), path.name
        changed = [not torch.equal(b, p) for b, p in zip(before, model.module.parameters())]
        assert any(changed), f"{path.name}: no weight moved"
