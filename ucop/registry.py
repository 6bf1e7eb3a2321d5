"""One registry kind for every named, pluggable thing: providers, source kinds, sites, agents
and executors.

    PROVIDERS = Registry("ucop.providers", "provider", check=_is_spec)
    PROVIDERS.register("echo", spec)     # in-process (tests, a program embedding ucop)
    "openai" in PROVIDERS                # an entry point: listed, not imported
    PROVIDERS["openai"]                  # imported now; unknown -> UnknownName (exit 2)

A registry is a read-only `Mapping` of name -> object over two sources: what was registered
in-process, and the entry points of its group (ucop's own built-ins are entry points too, in
pyproject.toml). Names are listed without importing anything; an object is imported the
first time its name is asked for (`ucop.plugins`: a broken one is a one-line warning). Every
registry answers an unknown or broken name the same way: a `UsageError` on one line that
lists the names that would have worked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Generic, TypeVar

from ucop import plugins
from ucop.errors import ConfigError, UsageError

T = TypeVar("T")
Check = Callable[[Any], "str | None"]


class UnknownName(UsageError, KeyError):
    """A name no registry entry has (a `KeyError` too, so `Mapping.get` and `in` still work)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class Registry(Mapping[str, T], Generic[T]):
    """Name -> object for one entry-point `group`; `noun` names one entry in messages."""

    def __init__(self, group: str, noun: str, check: Check, *, first: Sequence[str] = ()) -> None:
        self.group = group
        self.noun = noun
        self.check = check  # None when a value is usable, else what is wrong with it
        self.first = tuple(first)  # names listed first, in this order (the usual choices)
        self.registered: dict[str, T] = {}  # in-process entries, and entry points once loaded
        self.broken: set[str] = set()  # entry points that failed to load (warned about once)

    def register(self, name: str, value: T) -> T:
        """Add `value` as `name`; a later one with the same name replaces an earlier one."""
        self.registered[name] = value
        self.broken.discard(name)
        return value

    def names(self) -> list[str]:
        """Every name, registered or installed: `first` in its order, then sorted; no imports."""
        every = set(self.registered) | set(plugins.discover(self.group))
        return [n for n in self.first if n in every] + sorted(every - set(self.first))

    def find(self, name: str) -> T | None:
        """The object called `name`, imported on first use; None if unknown or broken."""
        found = self.registered.get(name)
        if found is None:
            plugin = plugins.discover(self.group).get(name)
            found = plugins.load_or_warn(plugin, self.check) if plugin else None
            if found is not None:
                self.registered[name] = found
            elif plugin is not None:
                self.broken.add(name)
        return found

    def choose(self, name: str, where: str = "") -> T:
        """The object called `name`, or `UnknownName` listing the others.

        `where` says where the name came from ("provider.name (from flag --provider)"); given,
        the error is a `ConfigError` as well, reported as `config: <where>: ...`.
        """
        found = self.find(name)
        if found is not None:
            return found
        listed = name in self
        usable = [n for n in self.names() if n != name and n not in self.broken]
        others = ", ".join(usable) or "(none installed)"
        what = (
            f"{self.noun} '{name}' could not be loaded (see the warning above)"
            if listed
            else f"unknown {self.noun} '{name}'"
        )
        message = f"{what} - choose one of: {others}"
        if where:
            raise UnknownConfigName([f"{where}: {message}"])
        raise UnknownName(message)

    def plugin(self, name: str) -> plugins.Plugin | None:
        """The entry point that declares `name`, if one does."""
        return plugins.discover(self.group).get(name)

    def __getitem__(self, name: str) -> T:
        return self.choose(name)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and (
            name in self.registered or name in plugins.discover(self.group)
        )

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self.names())

    def __repr__(self) -> str:
        return f"Registry({self.group!r}, {len(self)} names)"


class UnknownConfigName(ConfigError, KeyError):
    """An unknown name that came from a config location: `config: <location>: ...`."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def of_type(kind: type, what: str) -> Check:
    """A check that accepts instances of `kind`; `what` names the kind in the warning."""

    def check(value: Any) -> str | None:
        return None if isinstance(value, kind) else f"expected {what}, got {value!r}"

    return check
