"""Edit the space, keep the trials: narrow a range after a first study and the new study starts
with the first one's trials that still fit (see docs/engine.md, "Editing the space keeps the
trials"). Also: what the study will cost before it runs.

Run: ``python examples/edit_and_reuse.py`` (a few seconds on digits; studies go to
``.neural-hpo/`` in the working directory).
"""

from __future__ import annotations

from neural_hpo import optimize_and_return
from neural_hpo.dsl.analysis import analyze
from neural_hpo.dsl.cost import network_cost

SOURCE = """
network Reuse {
    input: (8, 8, 1)
    Dense(units: hpo(categorical: [16, 32, 64])) -> relu
    Dropout(rate: hpo(range: [0.0, 0.4, step=0.2]))
    Output(units: 10)
    optimizer: adam(learning_rate: 0.01)
    training: { batch_size: 32, epochs: 1 }
}
"""
QUICK = {"dataset_name": "digits", "limit": 200, "seed": 0, "sampler": "random"}


def main() -> None:
    analysis = analyze(SOURCE)
    net = analysis.file.networks[0]
    print("cost:", network_cost(net, analysis.spaces[net.name]).text())
    first = optimize_and_return(SOURCE, 6, **QUICK)
    narrowed = SOURCE.replace("[16, 32, 64]", "[32, 64]")  # 16 units did badly: drop it
    second = optimize_and_return(narrowed, 2, **QUICK)
    print(second.reuse.message())  # reused 4 of 6 trials from Reuse-...
    print(f"{first.study.study_name}: {len(first.study.trials)} trials")
    print(f"{second.study.study_name}: {len(second.study.trials)} trials, best {second}")


if __name__ == "__main__":
    main()
