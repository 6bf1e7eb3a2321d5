"""From a workflow file and the run's services to the task graph the scheduler runs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ucop.engine.graph import Task, TaskGraph
from ucop.errors import ConfigError
from ucop.workflow.spec import Workflow, bindings

if TYPE_CHECKING:
    from ucop.agents.base import Agent, RunServices
    from ucop.config import AgentsConfig


@dataclass(frozen=True)
class AgentLimits:
    timeout_s: float
    estimate_s: float
    max_attempts: int


def limits(workflow: Workflow, agents: AgentsConfig) -> dict[str, AgentLimits]:
    """Timeout, estimate and attempts per agent: override > workflow file > config default."""
    names = {a.name for a in workflow.agents}
    unknown = sorted(set(agents.overrides) - names)
    if unknown:
        raise ConfigError(
            [f"agents.overrides.{n}: no agent of that name in the workflow" for n in unknown]
        )
    found = {}
    for spec in workflow.agents:
        override = agents.overrides.get(spec.name)
        timeout = (override and override.timeout_s) or spec.timeout_s or agents.timeout_s
        estimate = spec.estimate_s
        if override and override.estimate_s is not None:
            estimate = override.estimate_s
        found[spec.name] = AgentLimits(timeout, estimate, agents.retries + 1)
    return found


def build_graph(
    workflow: Workflow,
    services: RunServices,
    agents: AgentsConfig,
    registry: Mapping[str, type[Agent]] | None = None,
) -> TaskGraph:
    """One task per workflow agent, bound to its agent object and the run's services.

    An agent that declares input roles reads its inputs by role: the task's `reads` maps each
    role to the step bound to it (the agent's default, or the workflow step's `reads`).
    """
    if registry is None:
        from ucop.agents import AGENTS

        registry = AGENTS
    bounds = limits(workflow, agents)
    tasks = []
    for spec in workflow.agents:
        agent_class = registry[spec.kind]
        steps = bindings(spec, agent_class)
        agent = agent_class().bind(steps)
        bound = bounds[spec.name]
        tasks.append(
            Task(
                name=spec.name,
                body=_body(agent, services),
                deps=tuple(spec.depends_on),
                estimate_s=bound.estimate_s,
                timeout_s=bound.timeout_s,
                fan_out=_fan_out(agent, services) if spec.fan_out else None,
                agent=spec.kind,
                cache_key=_cache_key(agent, services),
                meta={
                    "optional_deps": frozenset(spec.optional),
                    "max_attempts": bound.max_attempts if agent.prompt else 1,
                },
                reads=steps if agent_class.reads else None,
            )
        )
    return TaskGraph(tasks)


def _body(agent: Agent, services: RunServices) -> Any:
    return lambda ctx: agent.run(ctx, services)


def _fan_out(agent: Agent, services: RunServices) -> Any:
    return lambda inputs: agent.fan_out(inputs, services)


def _cache_key(agent: Agent, services: RunServices) -> Any:
    return lambda inputs, item: agent.cache_key(inputs, item, services)
