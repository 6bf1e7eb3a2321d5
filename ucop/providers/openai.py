"""OpenAI chat completions over plain HTTP; also serves Ollama, vLLM and llama.cpp servers.

Everything comes from `ProviderSettings`: the caller resolves `OPENAI_API_KEY` and
`OPENAI_BASE_URL` into it, so this module never reads the environment.
"""

from __future__ import annotations

from typing import Any

from ucop.errors import UnusableOutput
from ucop.providers.base import Completion, CompletionRequest
from ucop.providers.chat import HttpChatProvider
from ucop.providers.http import as_dict, cached_tokens, token_count

DEFAULT_BASE_URL = "https://api.openai.com/v1"


class OpenAIProvider(HttpChatProvider):
    """One attempt per call against `{base_url}/chat/completions`."""

    name = "openai"
    default_base_url = DEFAULT_BASE_URL
    key_env = "OPENAI_API_KEY"
    vendor = "OpenAI"

    @property
    def url(self) -> str:
        return f"{self.base_url}/chat/completions"

    def headers(self) -> dict[str, str]:
        if not self._api_key:
            return {}
        return {"Authorization": f"Bearer {self._api_key}"}

    def payload(self, request: CompletionRequest, model: str) -> dict[str, Any]:
        return _payload(request, model)

    def read(self, data: dict[str, Any], model: str) -> Completion:
        return _completion(data, model)


def _payload(request: CompletionRequest, model: str) -> dict[str, Any]:
    return {
        "model": model,
        "messages": [{"role": m.role, "content": m.content} for m in request.messages],
        "max_tokens": request.max_tokens,
        "temperature": request.temperature,
    }


def _completion(data: dict[str, Any], model: str) -> Completion:
    choice = _first_choice(data)
    message = choice.get("message")
    text = message.get("content") if isinstance(message, dict) else None
    if not isinstance(text, str) or not text.strip():
        reason = choice.get("finish_reason") or "none given"
        raise UnusableOutput(
            f"openai: the model returned no text (finish_reason: {reason})", provider="openai"
        )
    usage = as_dict(data.get("usage"))
    return Completion(
        text=text,
        input_tokens=token_count(usage.get("prompt_tokens")),
        output_tokens=token_count(usage.get("completion_tokens")),
        model=str(data.get("model") or model),
        cached_tokens=cached_tokens(usage),
    )


def _first_choice(data: dict[str, Any]) -> dict[str, Any]:
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise UnusableOutput("openai: the response has no choices", provider="openai")
    return choices[0]
