"""The provider registry: a dict of factories and the `register()` that fills it.

Built-ins register through `register()` exactly as a plugin would. Their factories import
their module only when called, so `import ucop.providers` stays cheap (no httpx).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from ucop.errors import ConfigError
from ucop.providers.base import Provider, ProviderSettings
from ucop.providers.limiter import LimitedProvider, PacedProvider, paced, wrap_with_limit

ProviderFactory = Callable[[ProviderSettings], Provider]

PROVIDERS: dict[str, ProviderFactory] = {}

__all__ = [
    "PROVIDERS",
    "LimitedProvider",
    "PacedProvider",
    "ProviderFactory",
    "available",
    "create_provider",
    "lazy",
    "paced",
    "register",
    "wrap_with_limit",
]


def register(name: str, factory: ProviderFactory) -> None:
    """Make `factory` the provider called `name`; a later registration replaces an earlier one."""
    PROVIDERS[name] = factory


def available() -> list[str]:
    """The registered provider names, sorted."""
    return sorted(PROVIDERS)


def create_provider(settings: ProviderSettings) -> Provider:
    """Build the provider `settings.name` names, or raise ConfigError listing the known names."""
    factory = PROVIDERS.get(settings.name)
    if factory is None:
        raise ConfigError(
            f"unknown provider {settings.name!r} - choose one of: {', '.join(available())}",
            source="provider",
        )
    return factory(settings)


def lazy(target: str) -> ProviderFactory:
    """A factory for "package.module:callable" that imports the module on first use."""
    module_name, _, attribute = target.partition(":")

    def factory(settings: ProviderSettings) -> Provider:
        create: ProviderFactory = getattr(import_module(module_name), attribute)
        return create(settings)

    factory.__qualname__ = f"lazy({target!r})"
    return factory


register("openai", lazy("ucop.providers.openai:OpenAIProvider"))
register("anthropic", lazy("ucop.providers.anthropic:AnthropicProvider"))
# The offline provider lives in ucop/providers/offline.py (owned elsewhere); its module-level
# `create(settings)` is the factory. Registered lazily here so it is always listed.
register("offline", lazy("ucop.providers.offline:create"))
