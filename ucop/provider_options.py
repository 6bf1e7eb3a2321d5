"""A provider's own settings: `provider.options` in the config, checked by the provider's spec.

A provider declares them as a small pydantic model on its `ProviderSpec.options` (extra keys
forbidden); `load_settings` validates the config's `provider.options` against it, so an
unknown or invalid option is a config error (exit 2) that names it, like every other key.
A provider without such a model takes no options. The validated values reach the provider's
factory in `ProviderSettings.extra`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError

from ucop.errors import ConfigError

# "provider.options.x" -> the same, plus " (from flag ...)" unless the config file set it
Locate = Callable[[str], str]


def check_options(provider: Any, locate: Locate, source: str) -> None:
    """Validate `provider.options` for the configured provider, in place (defaults filled)."""
    from ucop.providers import find

    spec = find(provider.name)
    if spec is None:
        return  # an unknown provider is reported by the caller, with the known names
    model = spec.options
    if model is None:
        if provider.options:
            raise ConfigError(
                [
                    f"provider.options.{name}: unknown option - provider {spec.name} takes none"
                    for name in sorted(provider.options)
                ],
                source=source,
            )
        return
    try:
        checked = model.model_validate(provider.options)
    except ValidationError as exc:
        raise ConfigError(_problems(exc, spec.name, locate), source=source) from None
    provider.options = _values(checked)


def _values(checked: BaseModel) -> dict[str, Any]:
    return checked.model_dump()


def _problems(exc: ValidationError, provider: str, locate: Locate) -> list[str]:
    problems = []
    for error in exc.errors():
        name = ".".join(str(part) for part in error["loc"])
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = f"unknown option for provider {provider} - remove it or check its spelling"
        problems.append(f"{locate(f'provider.options.{name}')}: {message}")
    return problems
