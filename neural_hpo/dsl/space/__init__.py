"""The search space of a network, pure data: ``model`` (``Param``, ``SearchSpace``), ``build``
(``build_search_space`` and its diagnostics), ``materialize`` (one trial's concrete network).
The adapters live with their libraries: ``neural_hpo.engine.optuna_space`` and
``neural_hpo.distributed.ray_space``."""
