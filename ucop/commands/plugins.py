"""`ucop plugins`: the providers, sources, sites, agents and executors installed, and from where.

Every entry point is loaded, so a broken plugin shows up here as `broken` with the reason
(and a one-line warning), while the others are listed as usual.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

from ucop import plugins


def _checks() -> dict[str, Callable[[Any], str | None]]:
    """Each group's check, from its registry (importing the registries, not the plugins)."""
    from ucop.agents import AGENTS
    from ucop.article.sites import REGISTRY as SITES
    from ucop.batch.runner import SESSIONS
    from ucop.providers import REGISTRY as PROVIDERS
    from ucop.sources.kinds import REGISTRY as KINDS

    return {r.group: r.check for r in (PROVIDERS, KINDS, SITES, AGENTS, SESSIONS)}


def rows() -> list[dict[str, Any]]:
    """One row per installed plugin: group, name, package, version, target and status."""
    checks, found = _checks(), []
    for plugin in plugins.installed():
        try:
            plugins.load(plugin, checks[plugin.group])
            status, problem = "ok", ""
        except plugins.BrokenPlugin as broken:
            plugins.warn(plugin, str(broken))
            status, problem = "broken", str(broken)
        found.append(
            {
                "group": plugin.group,
                "name": plugin.name,
                "package": plugin.dist,
                "version": plugin.version,
                "builtin": plugin.builtin,
                "target": plugin.target,
                "status": status,
                "problem": problem,
            }
        )
    return found


def run_plugins(*, json_out: bool) -> int:
    found = rows()
    if json_out:
        sys.stdout.write(json.dumps({"plugins": found}, indent=2) + "\n")
        return 0
    width = max((len(r["name"]) for r in found), default=4)
    for group in plugins.GROUPS:
        print(group.removeprefix("ucop."))
        members = [r for r in found if r["group"] == group]
        for row in members or [{"name": "(none)", "package": "", "version": "", "status": ""}]:
            origin = f"{row['package']} {row['version']}".strip()
            mark = "  BROKEN" if row["status"] == "broken" else ""
            print(f"  {row['name']:<{width}}  {origin}{mark}")
    return 0
