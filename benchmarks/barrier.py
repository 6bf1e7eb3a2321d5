"""A real level-by-level barrier scheduler: the "parallel groups" design ucop replaces.

The graph is cut into topological levels (each agent one level after its deepest
dependency). All agents of a level are submitted to a pool of `workers` threads, longest
first, and the next level starts only when every agent of this one has finished. It runs the
bodies for real, so its wall time includes the cost of the barrier and of the pool; compare
with `ucop.engine.metrics.barrier_schedule`, the same policy simulated without overhead.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ucop.engine.graph import topological_order

Body = Callable[[Mapping[str, Any]], Any]


@dataclass
class BarrierResult:
    """Wall time, the levels run, each agent's output and start/end (seconds from the start)."""

    wall_s: float
    levels: list[list[str]]
    outputs: dict[str, Any]
    start_s: dict[str, float] = field(default_factory=dict)
    end_s: dict[str, float] = field(default_factory=dict)


def levels(deps: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """Topological levels: each agent sits one level after its deepest dependency."""
    depth: dict[str, int] = {}
    for name in topological_order(deps):
        depth[name] = 1 + max((depth[d] for d in deps[name]), default=-1)
    groups: list[list[str]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for name in deps:
        groups[depth[name]].append(name)
    return groups


class BarrierScheduler:
    """Runs a DAG level by level on `workers` threads; create one per run.

    `estimates` order each level longest first (as `barrier_schedule` assumes); a body's
    exception stops the run after its level and is raised from `run`.
    """

    def __init__(
        self,
        deps: Mapping[str, Sequence[str]],
        bodies: Mapping[str, Body],
        *,
        workers: int,
        estimates: Mapping[str, float] | None = None,
        executor: Executor | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.deps = {name: tuple(ds) for name, ds in deps.items()}
        self.bodies = bodies
        self.workers = workers
        self.estimates = dict(estimates or {})
        self.clock = clock
        self._executor = executor
        self._lock = threading.Lock()

    def run(self) -> BarrierResult:
        executor = self._executor or ThreadPoolExecutor(self.workers, "barrier")
        groups = levels(self.deps)
        result = BarrierResult(0.0, groups, {})
        t0 = self.clock()
        try:
            for group in groups:
                self._run_level(group, executor, result, t0)
        finally:
            if self._executor is None:
                executor.shutdown(wait=True)
        result.wall_s = self.clock() - t0
        return result

    def _run_level(
        self, group: list[str], executor: Executor, result: BarrierResult, t0: float
    ) -> None:
        ordered = sorted(group, key=lambda n: -self.estimates.get(n, 0.0))
        futures = [executor.submit(self._call, name, result, t0) for name in ordered]
        wait(futures)  # the barrier: the whole level, even after a failure
        for future in futures:
            error = future.exception()
            if error is not None:
                raise error

    def _call(self, name: str, result: BarrierResult, t0: float) -> None:
        inputs = MappingProxyType({d: result.outputs.get(d) for d in self.deps[name]})
        start = self.clock() - t0
        output = self.bodies[name](inputs)
        end = self.clock() - t0
        with self._lock:
            result.outputs[name] = output
            result.start_s[name], result.end_s[name] = start, end
