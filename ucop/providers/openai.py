"""OpenAI chat completions over plain HTTP; also serves Ollama, vLLM and llama.cpp servers.

Everything comes from `ProviderSettings`: the caller resolves `OPENAI_API_KEY` and
`OPENAI_BASE_URL` into it, so this module never reads the environment.

OpenAI's own API takes `max_completion_tokens` (its reasoning models refuse `max_tokens` and
any `temperature` but the default); compatible servers (Ollama, vLLM, llama.cpp, Groq...)
mostly know only `max_tokens`, so that is what they get.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from ucop.errors import UnusableOutput
from ucop.providers.base import Completion, CompletionRequest, ProviderSpec
from ucop.providers.chat import HttpChatProvider
from ucop.providers.http import as_dict, cached_tokens, junk_figures, token_count
from ucop.providers.structured import JSON_OBJECT, JSON_OBJECT_SCHEMA, JSON_SCHEMA

DEFAULT_BASE_URL = "https://api.openai.com/v1"
OFFICIAL_HOST = "api.openai.com"
# o1, o3, o4-mini, gpt-5...: they take no temperature and count reasoning tokens.
REASONING_MODEL = re.compile(r"^(o\d|gpt-5)", re.IGNORECASE)


class OpenAIProvider(HttpChatProvider):
    """One attempt per call against `{base_url}/chat/completions`."""

    name = "openai"
    default_base_url = DEFAULT_BASE_URL
    key_env = "OPENAI_API_KEY"
    vendor = "OpenAI"
    structured_forms = (JSON_SCHEMA, JSON_OBJECT_SCHEMA, JSON_OBJECT)

    @property
    def url(self) -> str:
        return f"{self.base_url}/chat/completions"

    def headers(self) -> dict[str, str]:
        if not self._api_key:
            return {}
        return {"Authorization": f"Bearer {self._api_key}"}

    @property
    def official(self) -> bool:
        """True for OpenAI's own API (not a compatible server)."""
        return (urlsplit(self.base_url).hostname or "").lower() == OFFICIAL_HOST

    def payload(self, request: CompletionRequest, model: str, form: str | None) -> dict[str, Any]:
        reasoning = is_reasoning_model(model)
        body = chat_body(request, completion_tokens=self.official or reasoning, reasoning=reasoning)
        return {"model": model, **body, **response_format(request, form)}

    def read(self, data: dict[str, Any], model: str) -> Completion:
        return _completion(data, model)


SPEC = ProviderSpec(
    name="openai",
    create=OpenAIProvider,
    default_model="gpt-4o-mini",
    key_env=OpenAIProvider.key_env,
    base_url_env="OPENAI_BASE_URL",
    default_base_url=DEFAULT_BASE_URL,
    lists_models=True,
    description="OpenAI chat completions, or any compatible server (Ollama, vLLM, llama.cpp)",
)


def is_reasoning_model(model: str) -> bool:
    """o1/o3/o4/gpt-5 models (with or without a vendor prefix like `openai/`)."""
    return bool(REASONING_MODEL.match(model.rsplit("/", 1)[-1]))


def chat_body(request: CompletionRequest, *, completion_tokens: bool, reasoning: bool) -> dict:
    """Messages, the token limit under the name the server knows, and the temperature."""
    body: dict[str, Any] = {
        "messages": [{"role": m.role, "content": m.content} for m in request.messages],
        ("max_completion_tokens" if completion_tokens else "max_tokens"): request.max_tokens,
    }
    if not reasoning:
        body["temperature"] = request.temperature
    if request.seed is not None:
        body["seed"] = request.seed
    return body


def response_format(request: CompletionRequest, form: str | None) -> dict[str, Any]:
    """`response_format` for a JSON answer: its schema, JSON mode with the schema alongside
    (llama-cpp-python's form), plain JSON mode, or nothing."""
    if request.schema is None or form is None:
        return {}
    if form == JSON_OBJECT:
        return {"response_format": {"type": "json_object"}}
    if form == JSON_OBJECT_SCHEMA:
        return {"response_format": {"type": "json_object", "schema": dict(request.schema)}}
    name = re.sub(r"[^A-Za-z0-9_-]", "_", request.task or "answer")[:64]
    schema = {"name": name, "schema": dict(request.schema), "strict": True}
    return {"response_format": {"type": "json_schema", "json_schema": schema}}


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
        finish_reason=str(choice.get("finish_reason") or ""),
        cached_tokens=cached_tokens(usage),
        usage_note=junk_figures(usage, ("prompt_tokens", "completion_tokens")),
    )


def _first_choice(data: dict[str, Any]) -> dict[str, Any]:
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise UnusableOutput("openai: the response has no choices", provider="openai")
    return choices[0]
