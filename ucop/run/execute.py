"""Run the workflow once through the scheduler; never writes a file (see `outputs.py`).

The results of finished agents go to the run's cache either way, so a later --resume can use
them; they are read back only with --resume. Measured durations are kept per workflow,
provider and model (`Job.timing_key`) to order the next run's agents.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Protocol

from ucop import __version__
from ucop.engine import Event, EventBus, RunResult, Scheduler, Status
from ucop.errors import UsageError
from ucop.run.job import Job
from ucop.run.outputs import Outcome, RunInfo, outcome
from ucop.run.services import close_provider, make_services

if TYPE_CHECKING:
    from ucop.agents.base import RunServices
    from ucop.cache import DiskCache
    from ucop.providers.usage import Usage


class RunCache(Protocol):
    """Finished agents' outputs and measured durations between runs (`ucop.cache.DiskCache`)."""

    def load(self, key: str) -> tuple[bool, object]: ...

    def store(self, key: str, value: object) -> None: ...

    def durations(self, workflow: str) -> dict[str, float]: ...

    def save_durations(self, workflow: str, durations: dict[str, float]) -> None: ...


def execute(
    job: Job,
    *,
    max_parallel: int | None = None,
    cache: RunCache | None = None,
    subscribers: Sequence[Callable[[Event], None]] = (),
    services: RunServices | None = None,
    executor: Executor | None = None,
) -> Outcome:
    """Run the workflow once; never writes the article (see `outputs.write_outputs`)."""
    from ucop.workflow.build import build_graph

    services = services or make_services(job)
    graph = build_graph(job.workflow, services, job.settings.config.agents)
    bus = EventBus()
    for subscriber in subscribers:
        bus.subscribe(subscriber)
    cap = max_parallel or job.max_parallel
    workflows = job.settings.config.workflows
    scheduler = Scheduler(
        graph,
        max_parallel=cap,
        executor=executor,
        bus=bus,
        fail_fast=workflows.fail_fast,
        deadline_s=workflows.deadline_s,
        durations=cache.durations(job.timing_key) if cache is not None else None,
        cache=cache if (cache is not None and job.resume) else _WriteOnly(cache),
    )
    info = run_info(job, cap)
    try:
        result = scheduler.run(info)
    finally:
        close_provider(services.provider)
    _raise_input_errors(result)
    if cache is not None:
        cache.save_durations(job.timing_key, measured_durations(result))
    return outcome(job, result, info, usage_report(services.usage, job))


def usage_report(usage: Usage | None, job: Job) -> dict[str, object] | None:
    """What the run's calls used and cost, from the pacing wrapper (None without one)."""
    from ucop.providers.cost import prices_taken

    if usage is None or (job.provider is not None and not job.provider.network):
        return None  # no model was called: no cost, no rate limits
    limits = job.settings.config.provider
    return {
        **usage.as_dict(),
        "currency": "USD",
        "prices": f"estimates taken {prices_taken()}" if usage.priced else "no price for model",
        "max_cost": limits.max_cost,
        "budget_stopped": usage.budget_refused > 0,
    }


class _WriteOnly:
    """Without --resume results are still stored (so a later --resume can use them), never read."""

    def __init__(self, cache: RunCache | None) -> None:
        self._cache = cache

    def load(self, key: str) -> tuple[bool, object]:
        return False, None

    def store(self, key: str, value: object) -> None:
        if self._cache is not None:
            self._cache.store(key, value)


def run_info(job: Job, cap: int) -> RunInfo:
    return {
        "ucop_version": __version__,
        "mode": "parallel" if cap > 1 else "sequential",
        "provider": job.provider_name,
        "model": job.model,
        "offline": job.drafts_only,
        "workflow": job.workflow.name,
        "brief": str(job.brief.path),
    }


def _raise_input_errors(result: RunResult) -> None:
    """A source that turned out unusable mid-run is still bad input: exit 2, write nothing."""
    for record in result.tasks():
        if isinstance(record.exception, UsageError):
            raise record.exception


def measured_durations(result: RunResult) -> dict[str, float]:
    return {
        r.name: round(r.duration_s, 4)
        for r in result.tasks()
        if r.status is Status.DONE and r.duration_s is not None
    }


def default_cache(env: Mapping[str, str]) -> DiskCache:
    from ucop.cache import DiskCache, default_cache_dir

    return DiskCache(default_cache_dir(dict(env)))


def elapsed_clock() -> Callable[[], float]:
    start = time.monotonic()
    return lambda: time.monotonic() - start
