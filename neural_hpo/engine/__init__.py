"""The HPO engine: DSL network -> torch model -> training -> Optuna study.

One module per concern: ``config`` (loading and checking a ``.neural`` source), ``values``
(model values as Python), ``torch_builder``, ``losses``, ``datasets``, ``devices``, ``training``,
``objective``, ``samplers``, ``study`` (storage, resume, stale trials), ``reuse`` (a changed
space's study seeded from its parent), ``pareto`` (the front and its hypervolume), ``workers``,
``events``, ``run_spec`` (a call's arguments resolved into a frozen ``RunSpec``), ``executors``
(where a run's trials go, by name; ``local`` is the engine's own) and ``api``
(``optimize_and_return``). Nothing here is imported by ``neural_hpo.dsl``, and nothing here
imports the layers above (``distributed`` plugs in as an executor; docs/architecture.md).
"""
