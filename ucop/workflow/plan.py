"""What a run will do, worked out without running it: groups, critical path, model calls."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ucop.engine.graph import Task, TaskGraph
from ucop.workflow.spec import Workflow

if TYPE_CHECKING:
    from ucop.agents.base import Agent


@dataclass(frozen=True)
class Plan:
    workflow: str
    groups: list[list[str]]
    depends_on: dict[str, tuple[str, ...]]
    instances: dict[str, int]  # fan-out agents: how many instances the brief asks for
    critical_path: list[str]
    critical_path_s: float
    sequential_s: float
    model_calls: int
    calls_by_agent: dict[str, int]


def make_plan(
    workflow: Workflow,
    fan_out_count: int,
    estimates: Mapping[str, float],
    registry: Mapping[str, type[Agent]],
) -> Plan:
    """The plan for a brief whose outline will have `fan_out_count` sections."""
    graph = TaskGraph(
        Task(
            a.name,
            lambda ctx: None,
            tuple(a.depends_on),
            estimate_s=estimates.get(a.name, a.estimate_s),
        )
        for a in workflow.agents
    )
    instances = {a.name: fan_out_count for a in workflow.agents if a.fan_out}
    length, path = graph.critical_path()
    calls = {}
    sequential = 0.0
    for spec in workflow.agents:
        count = instances.get(spec.name, 1)
        calls[spec.name] = registry[spec.kind]().model_calls(count)
        sequential += graph.tasks[spec.name].estimate_s * count
    return Plan(
        workflow=workflow.name,
        groups=graph.levels(),
        depends_on={a.name: tuple(a.depends_on) for a in workflow.agents},
        instances=instances,
        critical_path=path,
        critical_path_s=length,
        sequential_s=sequential,
        model_calls=sum(calls.values()),
        calls_by_agent=calls,
    )
