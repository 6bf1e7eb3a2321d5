"""Run metrics: speedup, critical path, the lower bound for the worker count, efficiency.

The speedup is an estimate of the sequential run's time over the wall time. The sequential
time is the agents' time less the time their model calls spent queued, at ucop's pacer or
inside a model server that serves fewer requests at once than were sent: a sequential run
would not have waited there (`ucop.providers.usage` measures it). Without that figure it is
plain agent time.

Also the reference schedules the benchmark measures the real one against: an ideal
(zero-overhead) longest-remaining-path-first list schedule, and a level-by-level barrier
schedule like the "parallel groups" of the design ucop replaces.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ucop.engine.graph import topological_order
from ucop.engine.records import RunResult


@dataclass(frozen=True)
class RunMetrics:
    wall_s: float
    agent_time_s: float
    speedup: float
    critical_path_s: float
    critical_path: tuple[str, ...]
    lower_bound_s: float
    efficiency: float
    queued_s: float = 0.0  # model calls' time queued (pacer, server), left out of the speedup
    speedup_basis: str = "agent time ÷ wall time"


def expanded_deps(result: RunResult) -> dict[str, tuple[str, ...]]:
    """Dependencies between the tasks that did work, fan-out templates replaced by instances."""
    instances: dict[str, list[str]] = {}
    for record in result.records.values():
        if record.template is not None:
            instances.setdefault(record.template, []).append(record.name)

    def resolve(name: str) -> list[str]:
        if result.records[name].is_group:
            return [i for child in instances.get(name, []) for i in resolve(child)]
        return [name]

    return {r.name: tuple(d for dep in r.deps for d in resolve(dep)) for r in result.tasks()}


def longest_path(
    deps: Mapping[str, Sequence[str]], durations: Mapping[str, float]
) -> tuple[float, list[str]]:
    """The heaviest chain through `deps` with these durations (missing ones count 0)."""
    finish: dict[str, float] = {}
    best_dep: dict[str, str | None] = {}
    for name in topological_order(deps):
        prior = max(deps[name], key=lambda d: finish[d], default=None)
        best_dep[name] = prior
        finish[name] = (finish[prior] if prior else 0.0) + durations.get(name, 0.0)
    if not finish:
        return 0.0, []
    end = max(finish, key=lambda n: finish[n])
    path = [end]
    while (prior := best_dep[path[-1]]) is not None:
        path.append(prior)
    return finish[end], path[::-1]


def run_metrics(
    result: RunResult, queued_s: float = 0.0, parallelism: float | None = None
) -> RunMetrics:
    """The run's figures; `queued_s` of its agents' time was spent queued for the model
    (`parallelism`: requests the server served at once, None when no queue was seen)."""
    deps = expanded_deps(result)
    durations = {r.name: r.duration_s or 0.0 for r in result.tasks()}
    agent_time = sum(durations.values())
    sequential = max(agent_time - max(queued_s, 0.0), 0.0)
    cp_s, cp = longest_path(deps, durations)
    lower = max(cp_s, sequential / max(result.max_parallel, 1))
    wall = result.wall_s
    return RunMetrics(
        wall_s=wall,
        agent_time_s=agent_time,
        speedup=sequential / wall if wall > 0 else 0.0,
        critical_path_s=cp_s,
        critical_path=tuple(cp),
        lower_bound_s=lower,
        efficiency=lower / wall if wall > 0 else 0.0,
        queued_s=min(max(queued_s, 0.0), agent_time),
        speedup_basis=speedup_basis(queued_s, parallelism),
    )


def speedup_basis(queued_s: float, parallelism: float | None) -> str:
    """How the speedup was estimated, in words for the summary and run.json."""
    if queued_s < 0.0005:
        return "agent time ÷ wall time"
    where = "queued for the model"
    if parallelism is not None:
        where += f" (the server ran {parallelism:.1f} requests at a time)"
    return f"agent time less {queued_s:.1f}s {where}, ÷ wall time"


def ideal_schedule(
    deps: Mapping[str, Sequence[str]], durations: Mapping[str, float], workers: int
) -> float:
    """Makespan of a zero-overhead list schedule, longest remaining path first."""
    order = topological_order(deps)
    dependents: dict[str, list[str]] = {n: [] for n in deps}
    for name in order:
        for dep in deps[name]:
            dependents[dep].append(name)
    rank: dict[str, float] = {}
    for name in reversed(order):
        rank[name] = durations.get(name, 0.0) + max((rank[c] for c in dependents[name]), default=0)
    position = {n: i for i, n in enumerate(order)}
    waiting = {n: len(deps[n]) for n in deps}
    ready = [(-rank[n], i, n) for i, n in enumerate(order) if not deps[n]]
    heapq.heapify(ready)
    running: list[tuple[float, str]] = []
    now = 0.0
    while ready or running:
        while ready and len(running) < workers:
            _, _, name = heapq.heappop(ready)
            heapq.heappush(running, (now + durations.get(name, 0.0), name))
        now, name = heapq.heappop(running)
        for child in dependents[name]:
            waiting[child] -= 1
            if waiting[child] == 0:
                heapq.heappush(ready, (-rank[child], position[child], child))
    return now


def barrier_schedule(
    deps: Mapping[str, Sequence[str]], durations: Mapping[str, float], workers: int
) -> float:
    """Makespan when each topological level must finish before the next starts."""
    depth: dict[str, int] = {}
    for name in topological_order(deps):
        depth[name] = 1 + max((depth[d] for d in deps[name]), default=-1)
    total = 0.0
    for level in range(max(depth.values(), default=-1) + 1):
        members = [durations.get(n, 0.0) for n in deps if depth[n] == level]
        slots = [0.0] * min(workers, len(members))
        for duration in sorted(members, reverse=True):
            slot = min(range(len(slots)), key=slots.__getitem__)
            slots[slot] += duration
        total += max(slots, default=0.0)
    return total


def overlap(intervals: Sequence[tuple[float, float]]) -> float:
    """How many intervals were open on average while any was: their total length ÷ their union.

    1.0 when none overlap (a sequential run), up to N when N always run together. Read from a
    run's own bars (or a server's request times), it shows the parallelism without dividing one
    run's wall clock by another's: a loaded machine stretches the gaps between bars, which the
    union leaves out, more than the overlap.
    """
    total = union = 0.0
    start = end = None
    for begin, finish in sorted(intervals):
        total += finish - begin
        if end is None or start is None or begin > end:
            union += (end - start) if end is not None and start is not None else 0.0
            start, end = begin, finish
        else:
            end = max(end, finish)
    union += (end - start) if end is not None and start is not None else 0.0
    return total / union if union > 0 else 1.0
