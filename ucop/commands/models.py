"""`ucop models`: the models the configured provider's server offers (its GET /models)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from typing import Any

from ucop.errors import UsageError


def run_models(
    *, config: str | None, flags: Mapping[str, Any], json_out: bool, console: Any = None
) -> int:
    from rich.console import Console

    from ucop.config import load_settings
    from ucop.providers import find
    from ucop.providers.models import list_models

    env = dict(os.environ)
    settings = load_settings(config, flags, env)
    provider = settings.config.provider
    spec = find(provider.name)
    if spec is None or not spec.network:
        raise UsageError(
            f"the {provider.name} writer calls no model - give --provider openai with "
            "--base-url for a local server (or another provider that lists its models)"
        )
    if not spec.lists_models:
        raise UsageError(f"provider {spec.name} does not list its models")
    base_url = provider.base_url or spec.default_base_url
    if not base_url:
        raise UsageError(f"provider {spec.name}: no base URL - set --base-url")
    key = env.get(spec.key_env) if spec.key_env else None
    models = list_models(base_url, key)
    if json_out:
        sys.stdout.write(json.dumps({"base_url": base_url, "models": models}, indent=2) + "\n")
        return 0
    console = console or Console()
    for name in models:
        console.print(name, highlight=False, markup=False)
    if not models:
        Console(stderr=True).print(f"{base_url} lists no models", highlight=False)
    return 0
