"""The agents of the article workflow, registered by name.

`AGENTS` maps a name to an agent class and `register()` adds one. The built-ins are declared
as `ucop.agents` entry points in ucop's pyproject.toml, exactly as a plugin's would be, and are
loaded when this package is imported; an installed plugin agent only when a workflow names it.
`AGENTS` is a `ucop.registry.Registry`: an unknown name is a usage error listing the others.
"""

from __future__ import annotations

from ucop.agents.base import AGENTS, Agent, RunServices, register

__all__ = ["AGENTS", "Agent", "RunServices", "register"]

GROUP = AGENTS.group

# The built-ins load with the package, on the thread that imports it (the main one): a worker
# thread never imports an agent module first. Installed plugins load when a workflow names them.
for _name in AGENTS.names():
    _plugin = AGENTS.plugin(_name)
    if _plugin is not None and _plugin.builtin:
        AGENTS.find(_name)
