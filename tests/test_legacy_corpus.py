"""Files in the legacy dialect, as the old releases wrote them, are accepted and built as meant.

Every file of ``tests/corpus/legacy/`` (a glob: other work adds files there) is accepted without
errors, and each of its networks builds and runs one training step on random data of its
declared shape. Over the corpus, the examples and the test networks, torch's output shape at
every layer (seen by forward hooks) equals the shape the checker gives that layer at that corner
of the search space: the builder guesses no size.
"""

from __future__ import annotations

from pathlib import Path

import optuna
import pytest
import torch
from corpus import CANONICAL, LEGACY, SEED

from neural_hpo.dsl.analysis import analyze, format_diagnostic
from neural_hpo.dsl.space.materialize import materialize
from neural_hpo.engine.optuna_space import suggest_space
from neural_hpo.engine.torch_builder import BuiltModel, build_model
from neural_hpo.engine.training import make_optimizer
from neural_hpo.engine.values import layer_args, optimizer_config

ROOT = Path(__file__).parent.parent
CORPUS = sorted((ROOT / "tests" / "corpus" / "legacy").glob("*.neural"))
EXAMPLES = sorted((ROOT / "examples").glob("*.neural"))
#: the length a free axis (``None``) gets in the random data
FREE = 9
BATCH = 3
optuna.logging.set_verbosity(optuna.logging.WARNING)


def _networks(source: str, path: str):
    analysis = analyze(source, path)
    errors = [format_diagnostic(d, source, path) for d in analysis.errors]
    assert errors == [], "\n".join(errors)
    return [(net, analysis.spaces[net.name]) for net in analysis.file.networks]


def _corners(space, count: int, seed: int) -> list[dict]:
    """``count`` random corners of ``space`` (the first is always the same for a seed)."""
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    return [suggest_space(space, study.ask()) for _ in range(count)]


def _inputs(built: BuiltModel, network) -> torch.Tensor:
    shape = (BATCH, *(FREE if d is None else d for d in built.input_shape))
    first = network.layers[0]
    if first.name == "Embedding":
        return torch.randint(0, layer_args(first)["input_dim"], shape).float()
    return torch.randn(shape)


def _targets(built: BuiltModel, outputs: torch.Tensor) -> torch.Tensor:
    if built.head.name in ("cross_entropy", "nll"):
        return torch.randint(0, outputs.shape[-1], (BATCH,))
    if built.head.name == "binary_cross_entropy":
        return torch.randint(0, 2, outputs.shape).float()
    return torch.randn(outputs.shape)


def test_the_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 30


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_corpus_file_is_accepted_built_and_trains_one_step(path: Path) -> None:
    torch.manual_seed(0)
    for net, space in _networks(path.read_text(), str(path)):
        concrete = materialize(net, _corners(space, 1, seed=0)[0], space)
        built = build_model(concrete)
        x = _inputs(built, concrete)
        name, args = optimizer_config(concrete)
        opt = make_optimizer(name, args, built.module.parameters())
        outputs = built.module(x)
        loss = built.head(outputs, _targets(built, outputs))
        loss.backward()
        opt.step()
        assert torch.isfinite(loss), path.name
        assert tuple(outputs.shape[1:]) == tuple(
            FREE if d is None else d for d in built.output_shape
        )


def _shape_sources() -> list[tuple[str, str]]:
    files = [(str(p.relative_to(ROOT)), p.read_text()) for p in [*EXAMPLES, *CORPUS]]
    return [*files, ("seed", SEED), ("legacy", LEGACY), ("canonical", CANONICAL)]


def _assert_hooked_shapes(built: BuiltModel, x: torch.Tensor, where: str) -> None:
    seen: list[tuple[tuple, tuple]] = []
    hooks = [
        module.register_forward_hook(
            lambda _m, _i, out, want=want: seen.append((tuple(out.shape[1:]), want))
        )
        for module, want in built.layer_shapes
    ]
    try:
        with torch.no_grad():
            built.module.eval()(x)
    finally:
        for h in hooks:
            h.remove()
    assert len(seen) == len(built.layer_shapes), where
    for got, want in seen:
        assert len(got) == len(want) and all(w is None or g == w for g, w in zip(got, want)), (
            f"{where}: torch gives {got}, the checker {want}"
        )


@pytest.mark.parametrize(
    ("where", "source"), _shape_sources(), ids=[w for w, _ in _shape_sources()]
)
def test_torch_shapes_equal_the_checkers_at_every_layer(where: str, source: str) -> None:
    torch.manual_seed(0)
    for net, space in _networks(source, where):
        for i, corner in enumerate(_corners(space, 3, seed=1)):
            concrete = materialize(net, corner, space)
            built = build_model(concrete)
            assert built.layer_shapes, where
            _assert_hooked_shapes(built, _inputs(built, concrete), f"{where} {net.name} #{i}")


def test_the_legacy_resnet_example_runs_a_real_study(tmp_path: Path) -> None:
    from neural_hpo import optimize_and_return

    result = optimize_and_return(
        str(ROOT / "examples" / "legacy_resnet.neural"),
        n_trials=1,
        epochs=1,
        limit=300,
        seed=0,
        storage=f"sqlite:///{tmp_path / 'study.db'}",
    )
    assert 0.0 <= result.best_value <= 1.0
    assert set(result.params) == {
        "dropout_1.rate",
        "optimizer.learning_rate",
        "training.batch_size",
    }
