"""The neural-hpo language server: diagnostics, completion, hover and HPO runs for `.neural` files.

Each feature is a module with ``register(server)``; ``server.create_server`` wires them. Nothing
imported here pulls in torch, optuna, ray, scikit-learn or matplotlib, so ``initialize`` answers
quickly; study reading and importance load optuna lazily, off the event loop.
"""

__version__ = "0.1.0"
