"""Trials per minute on one GPU shared by 1, 2, 4 and 8 workers (``trials_per_gpu``), for the
seed example (examples/seed_mlp.neural) and the small CNN (examples/mnist_cnn.neural) on the
bundled digits (resized to 28x28), each in fp32 and in bf16, with the best accuracy reached;
prints the speed-up over one worker. Target on one H200: >= 5x the trials per minute with 8
workers than with 1, the best accuracy within 1 point.

Throughput is counted from the trials' timestamps (first start to last end), which leaves out
process start-up; the wall time including it is printed too. Needs a CUDA GPU: without one it
says so and exits with status 2 (the figures in docs/engine.md come from a GPU session).

    python bench/gpu.py [--trials N] [--workers 1,2,4,8] [--networks seed_mlp,mnist_cnn]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

import optuna

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NETWORKS = ("seed_mlp", "mnist_cnn")
PRECISIONS = ("fp32", "bf16")
SPEED_UP_TARGET = 5.0
ACCURACY_SLACK = 0.01


def with_precision(source: str, precision: str) -> str:
    """The network's source with ``training: { precision: ... }`` added."""
    if precision == "fp32":
        return source
    out, n = re.subn(r"training:\s*\{", f"training: {{\n        precision: {precision}", source)
    if n != 1:
        raise ValueError("the network has no single training block to add a precision to")
    return out


def measure(source: str, workers: int, n_trials: int, url: str, name: str) -> dict[str, float]:
    """One study of ``n_trials`` trials with ``workers`` workers on the GPU."""
    from neural_hpo import optimize_and_return

    start = time.perf_counter()
    kwargs = {"trials_per_gpu": workers} if workers > 1 else {}
    result = optimize_and_return(
        source, n_trials, device="cuda", seed=0, storage=url, study_name=name, **kwargs
    )
    wall = time.perf_counter() - start
    trials = [t for t in result.study.get_trials(deepcopy=False) if t.datetime_complete]
    span = max(t.datetime_complete for t in trials) - min(t.datetime_start for t in trials)
    return {
        "rate": len(trials) / span.total_seconds() * 60,
        "wall": wall,
        "best": float(result.best_value),
    }


def report(network: str, precision: str, rows: dict[int, dict[str, float]]) -> bool:
    """Print one configuration's rows and speed-ups; True when it meets the targets."""
    base = rows[min(rows)]
    for workers, row in rows.items():
        print(
            f"{network:10s} {precision:5s} {workers} worker(s): {row['rate']:7.1f} trials/min "
            f"({row['rate'] / base['rate']:.2f}x), best accuracy {row['best']:.4f}, "
            f"{row['wall']:.1f} s wall"
        )
    if 8 not in rows or 1 not in rows:
        return True
    speed_up = rows[8]["rate"] / rows[1]["rate"]
    close = abs(rows[8]["best"] - rows[1]["best"]) <= ACCURACY_SLACK
    print(
        f"{network} {precision}: 8 workers {speed_up:.2f}x one worker (target >= "
        f"{SPEED_UP_TARGET:g}x), best accuracy {rows[8]['best'] - rows[1]['best']:+.4f} "
        f"(target within {ACCURACY_SLACK:g})"
    )
    return speed_up >= SPEED_UP_TARGET and close


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=32, help="trials per study (default 32)")
    parser.add_argument("--workers", default="1,2,4,8", help="workers per GPU to measure")
    parser.add_argument("--networks", default=",".join(NETWORKS), help="examples to run")
    args = parser.parse_args(argv)
    import torch

    if not torch.cuda.is_available():
        print("bench/gpu.py needs a CUDA GPU, and torch sees none here: nothing measured")
        return 2
    print(
        f"GPU: {torch.cuda.get_device_name(0)} (of {torch.cuda.device_count()}), torch "
        f"{torch.__version__}; {args.trials} trials per study"
    )
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    counts = [int(w) for w in args.workers.split(",")]
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        for network in args.networks.split(","):
            text = (EXAMPLES / f"{network}.neural").read_text()
            for precision in PRECISIONS:
                source = with_precision(text, precision)
                rows = {
                    w: measure(source, w, args.trials, url, f"{network}-{precision}-{w}")
                    for w in counts
                }
                ok = report(network, precision, rows) and ok
    print("targets met" if ok else "targets NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
