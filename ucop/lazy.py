"""Package names imported on first use (PEP 562), for packages whose `__init__` must stay
cheap and must not import its own submodules eagerly (see `ucop.codegen` for why)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping
from importlib import import_module
from typing import Any


def lazy_attributes(
    package: str, homes: Mapping[str, str], namespace: MutableMapping[str, Any]
) -> Callable[[str], Any]:
    """A module `__getattr__` that imports `name` from `package.<homes[name]>` when first
    asked for, and keeps it in `namespace` (the package's globals) for the next time."""

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(f"{package}.{home}"), name)
        namespace[name] = value
        return value

    return __getattr__
