"""The Ray executor (``engine.executors``): ``optimize_and_return(..., use_ray=True)``'s trials
run as Ray Tune trials into the study the engine opened (``dsl_run``).

The front door (``neural_hpo/__init__``) registers it as ``ray``; the engine never imports it.
"""

from __future__ import annotations

from neural_hpo.engine.executors import StudyRun
from neural_hpo.engine.run_spec import RunSpec

from .dsl_run import ray_arguments_problem, run_on_ray
from .options import RayOptions


class RayExecutor:
    """Trials on a Ray cluster (a local one unless ``RayOptions.address`` names one)."""

    tags_trials = False  # Ray trials are written to the study once finished, untagged

    def check(self, spec: RunSpec) -> None:
        problem = ray_arguments_problem(
            spec.n_jobs, spec.objective_fn, len(spec.names), spec.plan.pruner, _options(spec)
        )
        if problem is None and spec.bounds:
            problem = "constraints are not supported on Ray; run them locally"
        if problem is not None:
            raise ValueError(f"use_ray=True: {problem}")

    def run(self, spec: RunSpec, run: StudyRun) -> None:
        run_on_ray(
            run.study,
            spec.loaded,
            run.url,
            spec.n_trials,
            sampler=run.study.sampler,
            dataset_name=spec.dataset_name,
            device=spec.device,
            metric=spec.names[0],
            seed=spec.seed,
            data_dir=spec.data_dir,
            epochs=spec.epochs,
            limit=spec.limit,
            timeout=spec.timeout,
            options=_options(spec),
        )


def _options(spec: RunSpec) -> RayOptions:
    return spec.executor_options or RayOptions()
