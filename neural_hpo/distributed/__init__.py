"""Distributed HPO on Ray Tune: the engine users grow into when one machine is not enough.

One module per concern: ``runtime`` (importing Ray, joining or starting a cluster, resources
per trial), ``schedulers`` (ASHA, PBT, FIFO, HyperBand; Optuna or random search), ``experiment``
(a Tune experiment run or resumed with ``Tuner.restore``), ``hpo`` (``DistributedHPO``, the seed's
interface for any trainable), ``params`` (Ray configurations as the search space's values),
``trainable`` (the DSL network trained in a Ray trial), ``pbt`` (PBT mutations from the search
space), ``recorder`` (every Ray trial written to the project's Optuna study), ``dsl_run`` (a DSL
study's trials on Ray Tune) and ``executor`` (``RayExecutor``: how ``optimize_and_return(...,
use_ray=True)`` reaches ``dsl_run``; the engine's executor registry names it, the engine never
imports this package). Ray is imported only when one of them runs.
"""
