"""Anthropic Messages API over plain HTTP.

System messages move to the top-level `system` field; the rest keep their order. Everything
comes from `ProviderSettings`, so this module never reads the environment. A JSON answer is
asked for as a forced tool call whose input schema is the answer's schema; the tool's input
comes back as the completion's text.
"""

from __future__ import annotations

import json
from typing import Any

from ucop.errors import UnusableOutput
from ucop.providers.base import Completion, CompletionRequest, ProviderSpec
from ucop.providers.chat import HttpChatProvider
from ucop.providers.http import (
    as_dict,
    cache_shared_block,
    cache_shared_prefix,
    cached_tokens,
    junk_figures,
    token_count,
)

DEFAULT_BASE_URL = "https://api.anthropic.com"
API_VERSION = "2023-06-01"
ANSWER_TOOL = "answer"


class AnthropicProvider(HttpChatProvider):
    """One attempt per call against `{base_url}/v1/messages`."""

    name = "anthropic"
    default_base_url = DEFAULT_BASE_URL
    key_env = "ANTHROPIC_API_KEY"
    vendor = "Anthropic"
    structured_forms = ("tool",)

    @property
    def url(self) -> str:
        """The messages endpoint; a base URL that already ends in /v1 is not doubled."""
        root = self.base_url.removesuffix("/v1")
        return f"{root}/v1/messages"

    def headers(self) -> dict[str, str]:
        headers = {"anthropic-version": API_VERSION}
        if self._api_key:
            headers["x-api-key"] = self._api_key
        return headers

    def payload(self, request: CompletionRequest, model: str, form: str | None) -> dict[str, Any]:
        payload = _payload(request, model)
        if form == "tool" and request.schema is not None:
            payload |= answer_tool(request.schema)
        return payload

    def read(self, data: dict[str, Any], model: str) -> Completion:
        return _completion(data, model)


SPEC = ProviderSpec(
    name="anthropic",
    create=AnthropicProvider,
    default_model="claude-3-5-haiku-latest",
    key_env=AnthropicProvider.key_env,
    base_url_env="ANTHROPIC_BASE_URL",
    default_base_url=DEFAULT_BASE_URL,
    description="Anthropic Messages API",
)


def _payload(request: CompletionRequest, model: str) -> dict[str, Any]:
    system = "\n\n".join(m.content for m in request.messages if m.role == "system")
    payload: dict[str, Any] = {
        "model": model,
        "max_tokens": request.max_tokens,
        "temperature": request.temperature,
        "messages": _messages(request),
    }
    if system:
        payload["system"] = cache_shared_block(system)
    return payload


def _messages(request: CompletionRequest) -> list[dict[str, Any]]:
    """The turns; the first user message's shared part ends at a cache breakpoint."""
    turns = [m for m in request.messages if m.role != "system"]
    first_user = next((i for i, m in enumerate(turns) if m.role == "user"), None)
    return [
        {
            "role": m.role,
            "content": cache_shared_prefix(m.content, request.shared_prefix)
            if i == first_user
            else m.content,
        }
        for i, m in enumerate(turns)
    ]


def answer_tool(schema: Any) -> dict[str, Any]:
    """`tools` and `tool_choice` that make the model answer through one tool with `schema`."""
    tool = {
        "name": ANSWER_TOOL,
        "description": "Give your answer as this tool's input.",
        "input_schema": dict(schema),
    }
    return {"tools": [tool], "tool_choice": {"type": "tool", "name": ANSWER_TOOL}}


def _completion(data: dict[str, Any], model: str) -> Completion:
    text = _tool_input(data.get("content")) or "".join(_text_blocks(data.get("content")))
    if not text.strip():
        reason = data.get("stop_reason") or "none given"
        raise UnusableOutput(
            f"anthropic: the model returned no text (stop_reason: {reason})", provider="anthropic"
        )
    usage = as_dict(data.get("usage"))
    return Completion(
        text=text,
        input_tokens=_all_input_tokens(usage),
        output_tokens=token_count(usage.get("output_tokens")),
        model=str(data.get("model") or model),
        finish_reason=str(data.get("stop_reason") or ""),
        cached_tokens=cached_tokens(usage),
        usage_note=junk_figures(usage, ("input_tokens", "output_tokens")),
    )


def _tool_input(blocks: object) -> str:
    """The answer tool's input as JSON text, or "" when the model did not call it."""
    for block in blocks if isinstance(blocks, list) else ():
        is_tool = isinstance(block, dict) and block.get("type") == "tool_use"
        if is_tool and isinstance(block.get("input"), dict):
            return json.dumps(block["input"])
    return ""


def _all_input_tokens(usage: dict[str, Any]) -> int:
    """Anthropic counts cache reads and writes apart from `input_tokens`; ucop adds them up."""
    names = ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
    return sum(token_count(usage.get(name)) for name in names)


def _text_blocks(blocks: object) -> list[str]:
    if not isinstance(blocks, list):
        return []
    texts = (
        block.get("text")
        for block in blocks
        if isinstance(block, dict) and block.get("type") == "text"
    )
    return [text for text in texts if isinstance(text, str)]
