"""Plugins: objects other packages declare as entry points, found without importing them.

    group            an entry point names             registry
    ucop.providers   a ProviderSpec                   ucop.providers
    ucop.sources     a SourceKind                     ucop.sources.kinds
    ucop.sites       a SiteProfile                    ucop.article.sites
    ucop.agents      an Agent subclass                ucop.agents.base
    ucop.executors   a SessionKind                    ucop.batch.runner

Each registry is a `ucop.registry.Registry`.
The built-ins are declared the same way, in ucop's own pyproject.toml. Reading the entry points
costs one scan of the installed packages' metadata, done on first use and never by
`import ucop` or `ucop --help`; an object is imported only when its name is asked for. A plugin
that fails to import, or names the wrong kind of object, is skipped with a one-line warning on
stderr naming it and its package; everything else keeps working. That holds for an import
that raises anything (`SystemExit` included), prints (sent to stderr: `--json` owns stdout)
or hangs (given up after `UCOP_PLUGIN_IMPORT_TIMEOUT` seconds, 10 by default).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from ucop.errors import first_line

GROUPS = ("ucop.providers", "ucop.sources", "ucop.sites", "ucop.agents", "ucop.executors")
BUILTIN = "ucop"  # the distribution whose entry points are the built-ins

_warned: set[tuple[str, str, str]] = set()
IMPORT_TIMEOUT_S = 10.0


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
    """Import `plugin`'s object; raise `BrokenPlugin` when that fails or `check` objects.

    ucop's own entry points import on the caller's thread: `import ucop.agents.code` holds
    that module's import lock while the package loads its built-ins, so a thread importing
    the same module would wait for it until the timeout (20 s, two agents "broken")."""
    value = (
        _resolve(plugin.target) if plugin.builtin else _import_contained(plugin, import_timeout())
    )
    problem = check(value)
    if problem:
        raise BrokenPlugin(_describe(plugin, problem))
    return value


def import_timeout() -> float:
    """Seconds a plugin's import may take (`UCOP_PLUGIN_IMPORT_TIMEOUT`, default 10)."""
    try:
        return max(0.1, float(os.environ.get("UCOP_PLUGIN_IMPORT_TIMEOUT", IMPORT_TIMEOUT_S)))
    except ValueError:
        return IMPORT_TIMEOUT_S


def _import_contained(plugin: Plugin, timeout_s: float) -> Any:
    """The plugin's object, imported on a thread of its own with what it prints sent to stderr.

    Whatever the import raises, `SystemExit` and `KeyboardInterrupt` included, makes the
    plugin broken: a real Ctrl-C is delivered to the main thread (waiting in `join`), never to
    this one, so one raised here came from the plugin's code. An import still running after
    `timeout_s` is left behind on its daemon thread (Python cannot stop it) and the plugin
    is broken; only what it prints from Python is contained, not writes to the file
    descriptor itself.
    """
    box: dict[str, Any] = {}

    def run() -> None:
        with _prints_to_stderr():
            try:
                box["value"] = _resolve(plugin.target)
            except BaseException as exc:  # noqa: BLE001 - see the docstring
                box["error"] = exc

    thread = threading.Thread(target=run, name=f"ucop-plugin-{plugin.name}", daemon=True)
    thread.start()
    thread.join(timeout_s)
    if thread.is_alive():
        raise BrokenPlugin(_describe(plugin, f"its import did not finish within {timeout_s:g}s"))
    if "error" in box:
        exc = box["error"]
        raise BrokenPlugin(_describe(plugin, first_line(exc)))
    return box["value"]


class _ThreadStdout:
    """`sys.stdout` while plugins import: their threads' writes go to stderr, others' pass.

    Per thread, not a swap of `sys.stdout` for everyone: two imports on two threads of a batch
    could otherwise restore each other's stream in the wrong order.
    """

    def __init__(self, real: Any) -> None:
        self.real = real
        self.threads: set[int] = set()

    def write(self, text: str) -> int:
        stream = sys.stderr if threading.get_ident() in self.threads else self.real
        return int(stream.write(text))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


_stdout_lock = threading.Lock()


@contextlib.contextmanager
def _prints_to_stderr() -> Iterator[None]:
    """In a plugin's import thread: what it prints goes to stderr (`--json` owns stdout)."""
    me = threading.get_ident()
    with _stdout_lock:
        proxy = sys.stdout if isinstance(sys.stdout, _ThreadStdout) else _ThreadStdout(sys.stdout)
        proxy.threads.add(me)
        sys.stdout = proxy
    try:
        yield
    finally:
        with _stdout_lock:
            proxy.threads.discard(me)
            if not proxy.threads and sys.stdout is proxy:
                sys.stdout = proxy.real


def _resolve(target: str) -> Any:
    from importlib import import_module

    module_name, _, attribute = target.partition(":")
    value: Any = import_module(module_name)
    for part in attribute.split(".") if attribute else ():
        value = getattr(value, part)
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
    """One pass over the installed distributions, for all the groups.

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
    missing = set(GROUPS) - {plugin.group for plugin in found.values() if plugin.builtin}
    if missing:
        # run from a checkout that was never installed, or installed before a group was added
        print(
            f"warning: ucop's built-in {', '.join(sorted(missing))} are not registered "
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


def refresh() -> None:
    """Forget what was read, so newly installed plugins are found (for tests)."""
    _scan.cache_clear()
    _warned.clear()
