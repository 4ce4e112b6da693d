"""The language part: parsing, the typed model, checks, search space, formatting.

Pure Python: nothing here imports torch, optuna, ray, scikit-learn or matplotlib, so the
language server starts fast. (The search space's Optuna and Ray forms are built by
``neural_hpo.engine.optuna_space`` and ``neural_hpo.distributed.ray_space``.)
"""
