"""Plugins: objects other packages declare as entry points, found without importing them.

    group            an entry point names             registry
    ucop.providers   a ProviderSpec                   ucop.providers
    ucop.sources     a SourceKind                     ucop.sources.kinds
    ucop.sites       a SiteProfile                    ucop.article.sites
    ucop.agents      an Agent subclass                ucop.agents.base

The built-ins are declared the same way, in ucop's own pyproject.toml. Reading the entry points
costs one scan of the installed packages' metadata, done on first use and never by
`import ucop` or `ucop --help`; an object is imported only when its name is asked for. A plugin
that fails to import, or names the wrong kind of object, is skipped with a one-line warning on
stderr naming it and its package; everything else keeps working.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

GROUPS = ("ucop.providers", "ucop.sources", "ucop.sites", "ucop.agents")
BUILTIN = "ucop"  # the distribution whose entry points are the built-ins

_warned: set[tuple[str, str, str]] = set()


@dataclass(frozen=True)
class Plugin:
    """One entry point: `name` in `group`, the object at `target`, declared by `dist`."""

    group: str
    name: str
    target: str  # "package.module:attribute"
    dist: str
    version: str

    @property
    def builtin(self) -> bool:
        return self.dist == BUILTIN


class BrokenPlugin(Exception):
    """A plugin that could not be loaded; the message is the one-line warning."""


def discover(group: str) -> dict[str, Plugin]:
    """The entry points of `group` by name; a name declared twice goes to the non-built-in."""
    found: dict[str, Plugin] = {}
    for plugin in sorted(_entry_points(group), key=lambda p: (not p.builtin, p.dist, p.name)):
        found[plugin.name] = plugin  # built-ins first, so a plugin may replace one
    return found


def installed() -> list[Plugin]:
    """Every entry point of every group, built-ins first, for `ucop plugins`."""
    every = [p for group in GROUPS for p in _entry_points(group)]
    return sorted(every, key=lambda p: (GROUPS.index(p.group), not p.builtin, p.dist, p.name))


def load(plugin: Plugin, check: Callable[[Any], str | None]) -> Any:
    """Import `plugin`'s object; raise `BrokenPlugin` when that fails or `check` objects."""
    module_name, _, attribute = plugin.target.partition(":")
    try:
        from importlib import import_module

        value: Any = import_module(module_name)
        for part in attribute.split(".") if attribute else ():
            value = getattr(value, part)
    except Exception as exc:  # noqa: BLE001 - a plugin may fail in any way; it is reported
        raise BrokenPlugin(_describe(plugin, f"{type(exc).__name__}: {_first_line(exc)}")) from None
    problem = check(value)
    if problem:
        raise BrokenPlugin(_describe(plugin, problem))
    return value


def load_or_warn(plugin: Plugin, check: Callable[[Any], str | None]) -> Any | None:
    """`load`, but a broken plugin is a warning on stderr (once) and None."""
    try:
        return load(plugin, check)
    except BrokenPlugin as broken:
        warn(plugin, str(broken))
        return None


def load_group(group: str, check: Callable[[Any], str | None]) -> Iterator[tuple[str, Any]]:
    """(name, object) for each plugin of `group` that loads; the broken ones are warned about."""
    for name, plugin in discover(group).items():
        value = load_or_warn(plugin, check)
        if value is not None:
            yield name, value


def warn(plugin: Plugin, message: str) -> None:
    key = (plugin.group, plugin.name, plugin.dist)
    if key not in _warned:
        _warned.add(key)
        print(f"warning: {message} - skipped", file=sys.stderr)


def _entry_points(group: str) -> tuple[Plugin, ...]:
    return _scan().get(group, ())


@cache
def _scan() -> dict[str, tuple[Plugin, ...]]:
    """One pass over the installed distributions, for all four groups.

    Every copy of a distribution's metadata counts, not only the first on sys.path: a stale
    `ucop.egg-info` left in a source checkout (found first when the checkout is the working
    folder) must not hide the entry points of the installed copy. The first copy wins a name.
    """
    from importlib.metadata import distributions

    found: dict[tuple[str, str, str], Plugin] = {}
    for dist in distributions():
        text = dist.read_text("entry_points.txt")
        if not text or "[ucop." not in text:
            continue  # cheap: most packages declare no ucop plugin; their METADATA stays unread
        dist_name = _normal(dist.metadata["Name"] or "?")
        for point in dist.entry_points:
            key = (point.group, dist_name, point.name)
            if point.group in GROUPS and key not in found:
                found[key] = Plugin(point.group, point.name, point.value, dist_name, dist.version)
    if not any(plugin.builtin for plugin in found.values()):
        # run from a checkout that was never installed, or installed before the entry points
        print(
            "warning: ucop's built-in providers, sources, sites and agents are not registered "
            "- reinstall ucop (pip install -e . in a checkout)",
            file=sys.stderr,
        )
    by_group: dict[str, list[Plugin]] = {}
    for plugin in found.values():
        by_group.setdefault(plugin.group, []).append(plugin)
    return {group: tuple(plugins) for group, plugins in by_group.items()}


def _normal(name: str) -> str:
    return name.lower().replace("_", "-")


def _describe(plugin: Plugin, problem: str) -> str:
    return f"plugin '{plugin.name}' ({plugin.group}, from {plugin.dist}) is broken: {problem}"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else "no message"


def refresh() -> None:
    """Forget what was read, so newly installed plugins are found (for tests)."""
    _scan.cache_clear()
    _warned.clear()
