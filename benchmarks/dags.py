"""Synthetic DAGs for the engine benchmark: names, dependencies and a latency per agent.

A `Dag` is plain data, so the same shape runs through ucop's `Scheduler`, the barrier
scheduler and LangGraph, and feeds the reference schedules in `ucop.engine.metrics`.
Each agent's body sleeps its latency, which is what an agent waiting on a model does.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ucop.engine.graph import Task, TaskGraph
from ucop.engine.metrics import barrier_schedule, ideal_schedule, longest_path

# The article DAG, in milliseconds.
SOURCES_MS = {"kb": 300, "api": 200, "blog": 250}
SECTION_MS = (400, 250, 300, 350, 200)
CHAIN_A_MS = (200, 50, 200, 50, 200)
CHAIN_B_MS = (50, 200, 50, 200, 50)


@dataclass(frozen=True)
class Dag:
    """A named DAG: each agent's dependencies and latency in seconds, in topological order."""

    name: str
    deps: Mapping[str, tuple[str, ...]]
    durations: Mapping[str, float]

    def __len__(self) -> int:
        return len(self.deps)

    @property
    def total_s(self) -> float:
        """The sequential sum: what one worker needs."""
        return sum(self.durations.values())

    @property
    def critical_path_s(self) -> float:
        return longest_path(self.deps, self.durations)[0]

    def lower_bound_s(self, workers: int) -> float:
        """No schedule on `workers` workers can beat max(critical path, sum / workers)."""
        return max(self.critical_path_s, self.total_s / workers)

    def ideal_s(self, workers: int) -> float:
        """The zero-overhead longest-remaining-path-first list schedule on `workers` workers."""
        return ideal_schedule(self.deps, self.durations, workers)

    def barrier_ideal_s(self, workers: int) -> float:
        """The zero-overhead level-by-level schedule (what a barrier design can reach at best)."""
        return barrier_schedule(self.deps, self.durations, workers)


def article_dag(sections: int = 5) -> Dag:
    """kb/api/blog -> outline -> sections, introduction, code -> conclusion -> assembly.

    Sections take 400/250/300/350/200 ms in turn; with five the critical path is
    kb, outline, the 400 ms section, conclusion, assembly: 1060 ms of 3210 ms in all.
    """
    ms: dict[str, float] = dict(SOURCES_MS)
    deps: dict[str, tuple[str, ...]] = {name: () for name in SOURCES_MS}
    deps["outline"], ms["outline"] = tuple(SOURCES_MS), 150
    names = [f"section[{i}]" for i in range(1, sections + 1)]
    for i, name in enumerate(names):
        deps[name], ms[name] = ("outline",), SECTION_MS[i % len(SECTION_MS)]
    deps["introduction"], ms["introduction"] = ("outline",), 200
    deps["code_generation"], ms["code_generation"] = ("outline",), 300
    deps["code_validation"], ms["code_validation"] = ("code_generation",), 100
    deps["conclusion"], ms["conclusion"] = tuple(names), 200
    deps["assembly"] = ("introduction", "conclusion", "code_validation")
    ms["assembly"] = 10
    name = "article" if sections == 5 else f"article-{sections}"
    return Dag(name, deps, _seconds(ms))


def wide_dag(layers: int = 20, width: int = 100, name: str = "") -> Dag:
    """`layers` layers of `width` zero-work agents; each depends on 2 of the layer before."""
    deps: dict[str, tuple[str, ...]] = {}
    for layer in range(layers):
        for i in range(width):
            if layer == 0:
                deps[_node(layer, i)] = ()
            else:
                parents = {_node(layer - 1, i), _node(layer - 1, (i + 1) % width)}
                deps[_node(layer, i)] = tuple(sorted(parents))
    return Dag(name or f"wide-{layers * width}", deps, dict.fromkeys(deps, 0.0))


def zero_work_dag(agents: int) -> Dag:
    """About `agents` zero-work agents as 10 layers (fewer when small) of the wide shape."""
    layers = min(10, agents)
    return wide_dag(layers, max(1, agents // layers), name=f"zero-work-{agents}")


def skewed_dag() -> Dag:
    """Two interleaved chains whose heavy links alternate, feeding a 10 ms final agent.

    Chain A is 200/50/200/50/200 ms and chain B 50/200/50/200/50 ms, so levels pair a
    heavy link with a light one: a barrier waits for the heavy one at every level, while
    a dependency-driven scheduler only follows the longest chain (710 ms).
    """
    deps: dict[str, tuple[str, ...]] = {}
    ms: dict[str, float] = {}
    for chain, durations in (("a", CHAIN_A_MS), ("b", CHAIN_B_MS)):
        for i, duration in enumerate(durations, start=1):
            deps[f"{chain}{i}"] = (f"{chain}{i - 1}",) if i > 1 else ()
            ms[f"{chain}{i}"] = duration
    deps["final"], ms["final"] = (f"a{len(CHAIN_A_MS)}", f"b{len(CHAIN_B_MS)}"), 10
    return Dag("skewed", deps, _seconds(ms))


def chain_dag(length: int, duration_s: float = 0.0) -> Dag:
    """A single chain of `length` agents: no parallelism at all, only hand-over overhead."""
    deps = {f"c{i}": ((f"c{i - 1}",) if i > 1 else ()) for i in range(1, length + 1)}
    return Dag(f"chain-{length}", deps, dict.fromkeys(deps, duration_s))


def sleeper(seconds: float) -> Callable[[Mapping[str, Any]], Any]:
    """A body that waits `seconds` like a model call, or returns at once when zero."""
    if seconds <= 0:
        return _no_work

    def body(inputs: Mapping[str, Any]) -> Any:
        time.sleep(seconds)
        return None

    return body


def bodies(dag: Dag) -> dict[str, Callable[[Mapping[str, Any]], Any]]:
    """One sleeping body per agent, taking the mapping of its dependencies' outputs."""
    return {name: sleeper(dag.durations[name]) for name in dag.deps}


def task_graph(dag: Dag) -> TaskGraph:
    """The DAG as ucop tasks; estimates are the latencies, so priorities are exact."""
    return TaskGraph(
        Task(name, _ucop_body(sleeper(dag.durations[name])), deps, estimate_s=dag.durations[name])
        for name, deps in dag.deps.items()
    )


def fan_out_article_graph(sections: int = 5) -> TaskGraph:
    """The article DAG with the sections as one fan-out task, the way the real workflow is."""
    dag = article_dag(sections)
    section_s = [dag.durations[f"section[{i}]"] for i in range(1, sections + 1)]
    tasks = []
    for name, deps in dag.deps.items():
        if name.startswith("section["):
            continue
        deps = ("sections",) if name == "conclusion" else deps
        tasks.append(
            Task(name, _ucop_body(sleeper(dag.durations[name])), deps, dag.durations[name])
        )
    tasks.append(
        Task(
            "sections",
            lambda ctx: time.sleep(section_s[(ctx.index or 1) - 1]),
            ("outline",),
            estimate_s=max(section_s),
            fan_out=lambda inputs: list(range(sections)),
        )
    )
    return TaskGraph(tasks)


def _ucop_body(body: Callable[[Mapping[str, Any]], Any]) -> Callable[[Any], Any]:
    return lambda ctx: body(ctx.inputs)


def _no_work(inputs: Mapping[str, Any]) -> Any:
    return None


def _node(layer: int, index: int) -> str:
    return f"n{layer}_{index}"


def _seconds(ms: Mapping[str, float]) -> dict[str, float]:
    return {name: value / 1000 for name, value in ms.items()}
