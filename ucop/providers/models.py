"""Which model to use on a server that was given no model: ask its `GET {base}/models`.

Local servers (Ollama, vLLM, llama.cpp, LM Studio) serve the models they loaded, under their
own names; sending them `gpt-4o-mini` fails. With a custom base URL and no `--model`, ucop
lists the server's models: one is used, several stop the run (exit 2) with their names.
"""

from __future__ import annotations

import httpx

from ucop.errors import ConfigError
from ucop.providers.http import as_dict, redact

LIST_TIMEOUT_S = 10.0
MAX_LISTED = 20


def list_models(
    base_url: str,
    api_key: str | None = None,
    *,
    timeout_s: float = LIST_TIMEOUT_S,
    transport: httpx.BaseTransport | None = None,
) -> list[str]:
    """The model ids `GET {base_url}/models` lists, in its order; a ConfigError if it cannot."""
    url = f"{base_url.rstrip('/')}/models"
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    try:
        with httpx.Client(transport=transport, follow_redirects=False) as client:
            response = client.get(url, headers=headers, timeout=timeout_s)
    except httpx.HTTPError as exc:
        reason = redact(f"{type(exc).__name__}: {exc}", [api_key or ""])
        raise ConfigError(
            f"no model given and the server's model list at {url} is unreachable ({reason}) "
            "- check --base-url or set --model",
            source="provider",
        ) from None
    if response.status_code != 200:
        hint = "check the API key, or set --model" if response.status_code in (401, 403) else ""
        raise ConfigError(
            f"no model given and {url} answered HTTP {response.status_code} - "
            + (hint or "set --model"),
            source="provider",
        )
    return _ids(response, url)


def choose_model(models: list[str], base_url: str) -> str:
    """The only model listed; a ConfigError (exit 2) naming them when there are none or several."""
    if len(models) == 1:
        return models[0]
    if not models:
        raise ConfigError(
            f"no model given and the server at {base_url} lists no models - load one, "
            "or set --model",
            source="provider",
        )
    shown = ", ".join(models[:MAX_LISTED]) + (" ..." if len(models) > MAX_LISTED else "")
    raise ConfigError(
        f"no model given and the server at {base_url} has {len(models)}: {shown} "
        "- choose one with --model",
        source="provider",
    )


def _ids(response: httpx.Response, url: str) -> list[str]:
    try:
        data = response.json()
    except ValueError:
        data = None
    entries = as_dict(data).get("data")
    if not isinstance(entries, list):
        # Ollama's native /api/tags shape has "models"; the OpenAI shape has "data".
        entries = as_dict(data).get("models")
    if not isinstance(entries, list):
        raise ConfigError(
            f"no model given and {url} did not return a model list - set --model",
            source="provider",
        )
    ids = (as_dict(e).get("id") or as_dict(e).get("name") for e in entries)
    return [str(i) for i in ids if i]
