"""The workflow file: which agents run and what each depends on.

A workflow is YAML with a `name` and a list of `agents`, each with a `name`, an optional
`agent` (the registered agent kind; defaults to the name), `depends_on`, `optional` (those
dependencies whose failure this agent tolerates), `reads` (which step fills each of the
agent's input roles, where not the agent's default: `reads: {outline: my_planner}`),
`fan_out` and `estimate_s`. Validation rejects unknown keys, duplicate names, unknown
dependencies, unregistered agents, cycles, unknown roles and steps, and steps that do not
depend on a step their agent reads (`Agent.reads`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ucop.engine.graph import topological_order
from ucop.errors import WorkflowError, first_line


class AgentSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    name: str = Field(min_length=1, pattern=r"^[A-Za-z_][A-Za-z0-9_.-]*$")
    agent: str | None = None
    depends_on: list[str] = Field(default_factory=list)
    optional: list[str] = Field(default_factory=list)
    reads: dict[str, str] = Field(default_factory=dict)  # role -> step, over the agent's own
    fan_out: bool = False
    estimate_s: float = Field(1.0, ge=0)
    timeout_s: float | None = Field(None, gt=0)

    @property
    def kind(self) -> str:
        return self.agent or self.name


class WorkflowFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    name: str = "workflow"
    agents: list[AgentSpec] = Field(min_length=1)


@dataclass(frozen=True)
class Workflow:
    name: str
    agents: tuple[AgentSpec, ...]
    path: Path | None = None


def load_workflow(path: Path, known_agents: Iterable[str] | None = None) -> Workflow:
    """Read and validate a workflow file; every problem is a `WorkflowError` naming it."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise WorkflowError(
            f"{path}: workflow file not found - check workflows.workflow in the config"
        ) from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise WorkflowError(f"{path}: cannot read the workflow ({first_line(exc)})") from None
    return parse_workflow(data, source=str(path), known_agents=known_agents, path=path)


def parse_workflow(
    data: object,
    *,
    source: str = "workflow",
    known_agents: Iterable[str] | None = None,
    path: Path | None = None,
) -> Workflow:
    if not isinstance(data, dict):
        raise WorkflowError(f"{source}: must be a mapping with 'name' and 'agents'")
    try:
        parsed = WorkflowFile.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise WorkflowError(f"{source}: {problems}") from None
    workflow = Workflow(parsed.name, tuple(parsed.agents), path)
    validate(workflow, source, known_agents)
    return workflow


def validate(workflow: Workflow, source: str, known_agents: Iterable[str] | None) -> None:
    names = [a.name for a in workflow.agents]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise WorkflowError(f"{source}: duplicate agent name '{name}' - names must be unique")
        seen.add(name)
    for spec in workflow.agents:
        for dep in spec.depends_on:
            if dep not in seen:
                raise WorkflowError(
                    f"{source}: agent '{spec.name}' depends on unknown agent '{dep}' "
                    f"(known: {', '.join(names)})"
                )
        for dep in spec.optional:
            if dep not in spec.depends_on:
                raise WorkflowError(
                    f"{source}: agent '{spec.name}' lists '{dep}' as optional but not in depends_on"
                )
    if known_agents is not None:
        registered = set(known_agents)
        for spec in workflow.agents:
            if spec.kind not in registered:
                raise WorkflowError(
                    f"{source}: unknown agent '{spec.kind}' - registered agents: "
                    f"{', '.join(sorted(registered))}"
                )
    try:
        topological_order({a.name: a.depends_on for a in workflow.agents})
    except WorkflowError as exc:
        raise WorkflowError(f"{source}: {exc}") from None
    if isinstance(known_agents, Mapping):
        _check_reads(workflow, source, known_agents)


def roles(agent: object) -> dict[str, str]:
    """An agent class's input roles and the step that fills each by default (`Agent.reads`).

    A plain sequence of step names (an older plugin's `reads`) names each role after its step.
    """
    declared = getattr(agent, "reads", None) or {}
    if isinstance(declared, Mapping):
        return {str(role): str(step) for role, step in declared.items()}
    return {str(step): str(step) for step in declared}


def bindings(spec: AgentSpec, agent: object) -> dict[str, str]:
    """Which step fills each of the step's input roles: the agent's defaults, then `reads`."""
    return roles(agent) | spec.reads


def _check_reads(workflow: Workflow, source: str, agents: Mapping[str, object]) -> None:
    """Each bound role exists and each step a role reads is among the step's depends_on."""
    steps = [a.name for a in workflow.agents]
    for spec in workflow.agents:
        known = roles(agents[spec.kind])
        for role, step in spec.reads.items():
            where = f"{source}: agent '{spec.name}': reads.{role}"
            if role not in known:
                have = ", ".join(known) or "none"
                raise WorkflowError(f"{where}: agent '{spec.kind}' has no input '{role}' ({have})")
            if step not in steps:
                raise WorkflowError(f"{where}: no step named '{step}' ({', '.join(steps)})")
        for role, step in bindings(spec, agents[spec.kind]).items():
            if step not in spec.depends_on:
                raise WorkflowError(
                    f"{source}: agent '{spec.name}' reads the output of '{step}' (its input "
                    f"'{role}'), which is not in its depends_on "
                    f"({', '.join(spec.depends_on) or 'empty'}) - add it, or bind '{role}' to "
                    f"one of them (reads: {{{role}: <step>}})"
                )
