"""The task graph the scheduler runs: tasks, their dependencies, and what follows from them.

A `Task` is one unit of work. A task with `fan_out` is a template: when its dependencies have
finished, `fan_out(inputs)` returns one item per instance, the scheduler runs one instance per
item (`name[1]`, `name[2]`, ...), and the template finishes, with the tuple of their outputs,
when every instance has. Its dependents therefore wait for all instances, and nothing else does.

From the graph follow the parallel groups (topological levels, for display) and, given
durations, the critical path and each task's longest remaining path (the scheduler's
priority).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ucop.errors import WorkflowError

if TYPE_CHECKING:
    from ucop.engine.context import TaskContext

Body = Callable[["TaskContext"], Any]
FanOut = Callable[[Mapping[str, Any]], Sequence[Any]]
CacheKey = Callable[[Mapping[str, Any], Any], "str | None"]


@dataclass
class Task:
    """One node of the graph; `agent` names the registered agent kind that does the work.

    `reads` names the task's inputs: input name -> dependency, so the body, `fan_out` and
    `cache_key` see `{name: that dependency's output}` (an agent's roles, say). None: each
    dependency's output under the dependency's own name.
    """

    name: str
    body: Body
    deps: tuple[str, ...] = ()
    estimate_s: float = 1.0
    timeout_s: float | None = None
    fan_out: FanOut | None = None
    agent: str = ""
    cache_key: CacheKey | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    reads: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        self.deps = tuple(self.deps)
        if not self.agent:
            self.agent = self.name


def instance_name(template: str, index: int) -> str:
    """The name of the `index`-th (1-based) instance of a fan-out task."""
    return f"{template}[{index}]"


class TaskGraph:
    """A validated DAG of tasks, in insertion order."""

    def __init__(self, tasks: Iterable[Task]) -> None:
        self.tasks: dict[str, Task] = {}
        for task in tasks:
            if task.name in self.tasks:
                raise WorkflowError(f"duplicate agent name '{task.name}' - names must be unique")
            self.tasks[task.name] = task
        self._check_dependencies()
        self.order = topological_order({n: t.deps for n, t in self.tasks.items()})
        self.dependents: dict[str, list[str]] = {name: [] for name in self.tasks}
        for name in self.order:
            for dep in self.tasks[name].deps:
                self.dependents[dep].append(name)

    def __len__(self) -> int:
        return len(self.tasks)

    def _check_dependencies(self) -> None:
        for task in self.tasks.values():
            for dep in task.deps:
                if dep not in self.tasks:
                    known = ", ".join(sorted(self.tasks)) or "none"
                    raise WorkflowError(
                        f"agent '{task.name}' depends on unknown agent '{dep}' (known: {known})"
                    )
                if dep == task.name:
                    raise WorkflowError(f"agent '{task.name}' depends on itself")
            for key, dep in (task.reads or {}).items():
                if dep not in task.deps:
                    raise WorkflowError(
                        f"agent '{task.name}' reads '{key}' from '{dep}', which is not among "
                        f"its dependencies ({', '.join(task.deps) or 'none'})"
                    )

    def levels(self) -> list[list[str]]:
        """Parallel groups: each task sits one level after its deepest dependency."""
        depth: dict[str, int] = {}
        for name in self.order:
            deps = self.tasks[name].deps
            depth[name] = 1 + max((depth[d] for d in deps), default=-1)
        groups: list[list[str]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
        for name in self.order:
            groups[depth[name]].append(name)
        return groups

    def remaining_path(self, durations: Mapping[str, float] | None = None) -> dict[str, float]:
        """Longest path from the start of each task to the end of the graph."""
        cost = self._costs(durations)
        rank: dict[str, float] = {}
        for name in reversed(self.order):
            rank[name] = cost[name] + max((rank[d] for d in self.dependents[name]), default=0.0)
        return rank

    def critical_path(
        self, durations: Mapping[str, float] | None = None
    ) -> tuple[float, list[str]]:
        """The longest chain through the graph and its length in seconds."""
        rank = self.remaining_path(durations)
        if not rank:
            return 0.0, []
        path = [max(self.roots(), key=lambda n: (rank[n], -self.order.index(n)))]
        while self.dependents[path[-1]]:
            path.append(max(self.dependents[path[-1]], key=lambda n: rank[n]))
        return rank[path[0]], path

    def roots(self) -> list[str]:
        return [name for name in self.order if not self.tasks[name].deps]

    def _costs(self, durations: Mapping[str, float] | None) -> dict[str, float]:
        durations = durations or {}
        return {n: durations.get(n, t.estimate_s) for n, t in self.tasks.items()}


def topological_order(deps: Mapping[str, Sequence[str]]) -> list[str]:
    """Kahn's algorithm, stable in insertion order; a cycle raises naming its members."""
    indegree = {name: len(ds) for name, ds in deps.items()}
    dependents: dict[str, list[str]] = {name: [] for name in deps}
    for name, ds in deps.items():
        for dep in ds:
            dependents[dep].append(name)
    ready = deque(name for name, n in indegree.items() if n == 0)
    order: list[str] = []
    while ready:
        name = ready.popleft()
        order.append(name)
        for child in dependents[name]:
            indegree[child] -= 1
            if indegree[child] == 0:
                ready.append(child)
    if len(order) != len(deps):
        cycle = find_cycle({n: ds for n, ds in deps.items() if n not in set(order)})
        raise WorkflowError(
            "workflow has a cycle: "
            + " -> ".join(cycle)
            + " (each depends on the next) - remove one of these dependencies"
        )
    return order


def find_cycle(deps: Mapping[str, Sequence[str]]) -> list[str]:
    """One cycle among `deps`, as a closed list of names (first == last), found iteratively."""
    done: set[str] = set()
    for root in deps:
        if root in done:
            continue
        path: list[str] = [root]
        on_path = {root}
        iters = [iter(deps.get(root, ()))]
        while iters:
            dep = next(iters[-1], None)
            if dep is None:
                finished = path.pop()
                done.add(finished)
                on_path.discard(finished)
                iters.pop()
            elif dep in on_path:
                return path[path.index(dep) :] + [dep]
            elif dep in deps and dep not in done:
                path.append(dep)
                on_path.add(dep)
                iters.append(iter(deps.get(dep, ())))
    return list(deps)[:1]
