"""The agents of the article workflow, registered by name.

`AGENTS` maps a name to an agent class and `register()` adds one; the built-ins below use the
same path a plugin would.
"""

from ucop.agents import assembly, code, ingestion, outline, writers  # noqa: F401 - registers
from ucop.agents.base import AGENTS, Agent, RunServices, register

__all__ = ["AGENTS", "Agent", "RunServices", "register"]
