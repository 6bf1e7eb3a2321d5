"""The provider registry: a dict of `ProviderSpec`s and the `register()` that fills it.

Providers come from the `ucop.providers` entry points - the built-ins too, declared in ucop's
pyproject.toml - and are imported only when their name is first asked for, so
`import ucop.providers` stays cheap (no httpx). `register()` adds one in-process (tests, or
a program embedding ucop).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from ucop import plugins
from ucop.errors import ConfigError
from ucop.providers.base import Provider, ProviderFactory, ProviderSettings, ProviderSpec
from ucop.providers.limiter import PacedProvider, capped, paced

GROUP = "ucop.providers"

PROVIDERS: dict[str, ProviderSpec] = {}

__all__ = [
    "PROVIDERS",
    "PacedProvider",
    "ProviderFactory",
    "ProviderSpec",
    "available",
    "capped",
    "create_provider",
    "find",
    "lazy",
    "paced",
    "register",
    "spec",
]


def register(name: str | ProviderSpec, factory: ProviderFactory | None = None) -> None:
    """Add a provider (a spec, or a name and factory); a later one replaces an earlier one."""
    if isinstance(name, ProviderSpec):
        PROVIDERS[name.name] = name
    elif factory is not None:
        PROVIDERS[name] = ProviderSpec(name=name, create=factory)
    else:
        raise TypeError("register() needs a ProviderSpec, or a name and a factory")


def available() -> list[str]:
    """The provider names, registered or installed, sorted (nothing is imported)."""
    return sorted(set(PROVIDERS) | set(plugins.discover(GROUP)))


def find(name: str) -> ProviderSpec | None:
    """The spec called `name`, importing its module on first use; None if unknown or broken."""
    found = PROVIDERS.get(name)
    if found is None:
        plugin = plugins.discover(GROUP).get(name)
        if plugin is not None:
            found = plugins.load_or_warn(plugin, _check)
        if found is not None:
            PROVIDERS[name] = found
    return found


def spec(name: str) -> ProviderSpec:
    """The spec called `name`, or a ConfigError listing the usable names."""
    found = find(name)
    if found is None:
        raise ConfigError(
            f"unknown provider {name!r} - choose one of: {', '.join(available())}",
            source="provider",
        )
    return found


def create_provider(settings: ProviderSettings) -> Provider:
    """Build the provider `settings.name` names, or raise ConfigError listing the known names."""
    return spec(settings.name).create(settings)


def lazy(target: str) -> ProviderFactory:
    """A factory for "package.module:callable" that imports the module on first use."""
    module_name, _, attribute = target.partition(":")

    def factory(settings: ProviderSettings) -> Provider:
        create: ProviderFactory = getattr(import_module(module_name), attribute)
        return create(settings)

    factory.__qualname__ = f"lazy({target!r})"
    return factory


def _check(value: Any) -> str | None:
    if not isinstance(value, ProviderSpec):
        return f"expected a ucop ProviderSpec, got {type(value).__name__}"
    return None
