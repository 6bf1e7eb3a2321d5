"""The provider registry (`ucop.registry.Registry` of `ProviderSpec`s) and `register()`.

Providers come from the `ucop.providers` entry points - the built-ins too, declared in ucop's
pyproject.toml - and are imported only when their name is first asked for, so
`import ucop.providers` stays cheap (no httpx). `register()` adds one in-process (tests, or
a program embedding ucop).
"""

from __future__ import annotations

from importlib import import_module

from ucop.providers.base import Provider, ProviderFactory, ProviderSettings, ProviderSpec
from ucop.providers.limiter import PacedProvider, capped, paced
from ucop.registry import Registry, of_type

GROUP = "ucop.providers"

REGISTRY: Registry[ProviderSpec] = Registry(
    GROUP, "provider", of_type(ProviderSpec, "a ucop ProviderSpec")
)
PROVIDERS = REGISTRY.registered  # the in-process entries (and the installed ones once loaded)

__all__ = [
    "PROVIDERS",
    "REGISTRY",
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
        REGISTRY.register(name.name, name)
    elif factory is not None:
        REGISTRY.register(name, ProviderSpec(name=name, create=factory))
    else:
        raise TypeError("register() needs a ProviderSpec, or a name and a factory")


def available() -> list[str]:
    """The provider names, registered or installed, sorted (nothing is imported)."""
    return REGISTRY.names()


def find(name: str) -> ProviderSpec | None:
    """The spec called `name`, importing its module on first use; None if unknown or broken."""
    return REGISTRY.find(name)


def spec(name: str, where: str = "provider.name") -> ProviderSpec:
    """The spec called `name`, or a usage error (exit 2) listing the usable names."""
    return REGISTRY.choose(name, where)


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
