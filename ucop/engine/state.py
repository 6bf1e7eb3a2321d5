"""Shared run state: each task writes its own output once; readers get frozen views.

Outputs are frozen on write (dicts become read-only mappings, lists become tuples), so the
view a task gets of its dependencies' outputs can be shared between threads without copies
and cannot be changed under another task's feet.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any


def freeze(value: Any) -> Any:
    """A deep read-only copy of JSON-like data (dict -> mapping proxy, list -> tuple)."""
    if isinstance(value, MappingProxyType):
        return value
    if isinstance(value, Mapping):
        return MappingProxyType({k: freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    if isinstance(value, set):
        return frozenset(freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """Plain JSON-ready data from a frozen value (mapping -> dict, tuple -> list)."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, frozenset, set)):
        return [thaw(v) for v in value]
    return value


class SharedState:
    """Write-once outputs keyed by task name, safe to use from any thread."""

    def __init__(self) -> None:
        self._outputs: dict[str, Any] = {}
        self._lock = threading.Lock()

    def write(self, name: str, value: Any) -> None:
        """Store `name`'s output; a second write for the same name is a bug and raises."""
        frozen = freeze(value)
        with self._lock:
            if name in self._outputs:
                raise RuntimeError(f"output of '{name}' written twice")
            self._outputs[name] = frozen

    def has(self, name: str) -> bool:
        with self._lock:
            return name in self._outputs

    def get(self, name: str) -> Any:
        with self._lock:
            return self._outputs[name]

    def view(self, names: Iterable[str]) -> Mapping[str, Any]:
        """A read-only mapping of the named outputs; one not written (it failed) maps to None."""
        with self._lock:
            return MappingProxyType({name: self._outputs.get(name) for name in names})

    def view_as(self, names: Mapping[str, str]) -> Mapping[str, Any]:
        """`view`, each output under a name of the reader's: {its name: output of the task}."""
        with self._lock:
            return MappingProxyType({key: self._outputs.get(task) for key, task in names.items()})

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return dict(self._outputs)
