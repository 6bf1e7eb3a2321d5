"""The engine benchmark: synthetic DAGs through ucop's scheduler, a barrier and LangGraph.

Every figure is measured against what no scheduler can beat: the critical path, the lower
bound for the worker count (max(critical path, sum / workers)) and the zero-overhead
longest-remaining-path-first schedule. Each measurement is repeated; the median and the
minimum are kept, so one slow run on a busy 2-core machine does not decide the figure.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from benchmarks import langgraph_runner
from benchmarks.barrier import BarrierScheduler
from benchmarks.dags import Dag, bodies, fan_out_article_graph, task_graph
from ucop.engine.graph import TaskGraph
from ucop.engine.records import RunStatus
from ucop.engine.scheduler import Scheduler

ENGINES = ("ucop", "ucop-fanout", "barrier", "langgraph")
EFFICIENCY_TARGET = 0.97
OVERHEAD_TARGET_US = 50.0


@dataclass(frozen=True)
class Timing:
    """Wall times of repeated runs of one measurement."""

    runs: tuple[float, ...]

    @property
    def median_s(self) -> float:
        return statistics.median(self.runs)

    @property
    def min_s(self) -> float:
        return min(self.runs)


@dataclass(frozen=True)
class EngineRow:
    """One DAG on one engine at one worker count, with its references."""

    dag: str
    engine: str
    workers: int
    agents: int
    wall_s: float  # median
    min_wall_s: float
    total_s: float  # sequential sum
    critical_path_s: float
    lower_bound_s: float  # max(critical path, sum / workers)
    ideal_s: float  # zero-overhead LPF list schedule
    policy_ideal_s: float  # zero-overhead schedule of this engine's own policy

    @property
    def efficiency(self) -> float | None:
        """Lower bound / wall: 1.0 means no schedule on this many workers could be faster.

        None for zero-work DAGs, whose bound is 0: there only the overhead means anything.
        """
        return self.lower_bound_s / self.wall_s if self.lower_bound_s > 0 else None

    @property
    def ideal_efficiency(self) -> float | None:
        return self.ideal_s / self.wall_s if self.ideal_s > 0 else None

    @property
    def overhead_us(self) -> float:
        """Microseconds per agent above the engine's own zero-overhead schedule."""
        return max(0.0, self.wall_s - self.policy_ideal_s) / self.agents * 1e6

    def as_dict(self) -> dict[str, Any]:
        extra = {
            "efficiency": self.efficiency,
            "ideal_efficiency": self.ideal_efficiency,
            "overhead_us_per_agent": self.overhead_us,
        }
        return {**asdict(self), **extra}


def measure(run_once: Callable[[], float], repeats: int) -> Timing:
    """Call `run_once` (which returns its own wall time) `repeats` times, collecting first."""
    runs = []
    for _ in range(repeats):
        gc.collect()  # so one run does not pay for the garbage of the one before
        runs.append(run_once())
    return Timing(tuple(runs))


def ucop_once(dag: Dag, workers: int, build: Callable[[Dag], TaskGraph] = task_graph) -> float:
    """One run of `dag` through ucop's `Scheduler`; building the graph is not timed."""
    graph = build(dag)
    scheduler = Scheduler(graph, max_parallel=workers)
    start = time.perf_counter()
    result = scheduler.run()
    wall = time.perf_counter() - start
    if result.status is not RunStatus.OK:
        raise RuntimeError(f"{dag.name}: ucop run ended {result.status.value}")
    return wall


def barrier_once(dag: Dag, workers: int) -> float:
    """One run of `dag` through the level-by-level barrier scheduler."""
    runner = BarrierScheduler(dag.deps, bodies(dag), workers=workers, estimates=dag.durations)
    return runner.run().wall_s


def langgraph_timer(dag: Dag, workers: int) -> Callable[[], float]:
    """A timer for LangGraph; the graph is compiled once, outside the timing."""
    graph = langgraph_runner.compile_graph(dag)

    def once() -> float:
        run = langgraph_runner.run(graph, workers)
        if len(run.ran) != len(dag):
            raise RuntimeError(f"{dag.name}: LangGraph ran {len(run.ran)} of {len(dag)} nodes")
        return run.wall_s

    return once


def timer(engine: str, dag: Dag, workers: int) -> Callable[[], float]:
    if engine == "ucop":
        return lambda: ucop_once(dag, workers)
    if engine == "ucop-fanout":
        return lambda: ucop_once(dag, workers, lambda d: fan_out_article_graph(sections(d)))
    if engine == "barrier":
        return lambda: barrier_once(dag, workers)
    if engine == "langgraph":
        return langgraph_timer(dag, workers)
    raise ValueError(f"unknown engine '{engine}' - choose one of: {', '.join(ENGINES)}")


def row(engine: str, dag: Dag, workers: int, timing: Timing) -> EngineRow:
    ideal = dag.ideal_s(workers)
    return EngineRow(
        dag=dag.name,
        engine=engine,
        workers=workers,
        agents=len(dag),
        wall_s=timing.median_s,
        min_wall_s=timing.min_s,
        total_s=dag.total_s,
        critical_path_s=dag.critical_path_s,
        lower_bound_s=dag.lower_bound_s(workers),
        ideal_s=ideal,
        policy_ideal_s=ideal if engine.startswith("ucop") else dag.barrier_ideal_s(workers),
    )


def run_engines(
    dags: Iterable[Dag],
    workers: Sequence[int],
    *,
    engines: Sequence[str] = ENGINES,
    repeats: int = 5,
    progress: Callable[[str], None] = lambda line: None,
) -> list[EngineRow]:
    """Every DAG on every engine at every worker count; LangGraph only when installed."""
    rows = []
    for dag in dags:
        for engine in engines:
            if not applies(engine, dag):
                continue
            for count in workers:
                progress(f"{dag.name} on {engine} with {count} workers")
                timing = measure(timer(engine, dag, count), repeats)
                rows.append(row(engine, dag, count, timing))
    return rows


def applies(engine: str, dag: Dag) -> bool:
    """LangGraph only when installed; the fan-out variant only for article DAGs."""
    if engine == "langgraph":
        return langgraph_runner.available()
    if engine == "ucop-fanout":
        return sections(dag) > 0
    return True


def sections(dag: Dag) -> int:
    return sum(1 for name in dag.deps if name.startswith("section["))


def targets(rows: Iterable[EngineRow], wide: str = "wide-2000") -> list[tuple[str, bool]]:
    """The issue's targets for ucop: efficiency on the timed DAGs, overhead on the wide one."""
    found = []
    for r in rows:
        if not r.engine.startswith("ucop"):
            continue
        if r.dag == wide:
            ok = r.overhead_us <= OVERHEAD_TARGET_US
            found.append(
                (f"{r.dag} {r.engine} @{r.workers}: {r.overhead_us:.1f} µs/agent ≤ 50", ok)
            )
        elif r.efficiency is not None:
            ok = r.efficiency >= EFFICIENCY_TARGET
            found.append(
                (f"{r.dag} {r.engine} @{r.workers}: efficiency {r.efficiency:.3f} ≥ 0.97", ok)
            )
    return found
