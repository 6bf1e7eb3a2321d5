"""The agents of the article workflow, registered by name.

`AGENTS` maps a name to an agent class and `register()` adds one. The built-ins are declared
as `ucop.agents` entry points in ucop's pyproject.toml, exactly as a plugin's would be, and are
loaded when this package is imported; an installed plugin agent only when a workflow names it.
"""

from __future__ import annotations

from typing import Any

from ucop import plugins
from ucop.agents.base import AGENTS, Agent, RunServices, register

__all__ = ["AGENTS", "Agent", "RunServices", "register"]

GROUP = "ucop.agents"


def _check(value: Any) -> str | None:
    if isinstance(value, type) and issubclass(value, Agent) and value.name:
        return None
    return f"expected a named ucop Agent subclass, got {value!r}"


for _name, _plugin in plugins.discover(GROUP).items():
    if _plugin.builtin:
        _agent = plugins.load_or_warn(_plugin, _check)
        if _agent is not None:
            AGENTS[_name] = _agent
    else:  # imported only by a run whose workflow names it
        AGENTS.defer(_plugin, _check)  # type: ignore[attr-defined]
