"""Trade accuracy against model size on the bundled digits data with NSGA-II, keeping only
models under 100 ms per sample (the DSL file's ``training.constraints``). Prints the Pareto
front and writes its plot, the hypervolume history and the HTML report. Offline, about half a
minute on two CPU cores:

    python examples/multiobjective_digits.py [OUTPUT_DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

from neural_hpo import MultiObjectiveOptimizer, create_optimization_report

CONFIG = Path(__file__).with_name("multiobjective_digits.neural")


def main(out_dir: str | Path = ".", n_trials: int = 24) -> list[dict]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    moo = MultiObjectiveOptimizer(["accuracy", "params"], ["maximize", "minimize"])
    moo.optimize(
        n_trials=n_trials,
        sampler="nsgaii",
        config=CONFIG,
        dataset_name="digits",
        device="cpu",
        seed=0,
        storage=f"sqlite:///{out.resolve() / 'studies.db'}",
    )
    front = sorted(moo.get_pareto_front(), key=lambda p: p["values"]["params"])
    print(f"{len(front)} Pareto-optimal models (latency under 100 ms each):")
    for p in front:
        v, m = p["values"], p["metrics"]
        print(
            f"  trial {p['number']:>3}: accuracy {v['accuracy']:.3f}  params {v['params']:>6.0f}"
            f"  latency {m['latency_ms']:.4f} ms  {p['params']}"
        )
    moo.plot_pareto_front(obj_x="params", obj_y="accuracy").savefig(out / "pareto_front.png")
    moo.plot_hypervolume_history().savefig(out / "hypervolume.png")
    report = create_optimization_report(moo.study, output_path=out / "moo_report.html")
    print(f"Plots and report in {out.resolve()} ({report.name})")
    return front


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
