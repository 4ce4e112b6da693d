"""The HPO engine: DSL network -> torch model -> training -> Optuna study.

One module per concern: ``config`` (loading and checking a ``.neural`` source), ``values``
(model values as Python), ``torch_builder``, ``losses``, ``datasets``, ``devices``, ``training``,
``objective``, ``samplers``, ``study`` (storage, resume, stale trials), ``reuse`` (a changed
space's study seeded from its parent), ``workers``, ``events``
and ``api`` (``optimize_and_return``). Nothing here is imported by ``neural_hpo.dsl``.
"""
