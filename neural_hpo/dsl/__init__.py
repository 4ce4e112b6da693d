"""The language part: parsing, the typed model, checks, search space, formatting.

Pure Python: nothing here imports torch, optuna, ray, scikit-learn or matplotlib at module load,
so the language server starts fast. (Optuna and Ray are imported inside the few functions that
build their objects.)
"""
