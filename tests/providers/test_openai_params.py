"""The token-limit and temperature parameters each kind of OpenAI endpoint expects."""

from __future__ import annotations

import pytest

from ucop.providers.base import CompletionRequest, Message, ProviderSettings
from ucop.providers.openai import OpenAIProvider, is_reasoning_model
from ucop.testing.model_server import ModelServer

REQUEST = CompletionRequest(messages=(Message("user", "hi"),), max_tokens=321, temperature=0.4)


def _payload(base_url: str, model: str) -> dict:
    settings = ProviderSettings("openai", model, base_url, api_key="sk-test-0123456789abcdef")
    with OpenAIProvider(settings) as provider:
        return provider.payload(REQUEST, model, None)


@pytest.mark.parametrize(
    ("model", "reasoning"),
    [
        ("o1", True),
        ("o3-mini", True),
        ("o4-mini-2025-04-16", True),
        ("gpt-5", True),
        ("openai/gpt-5-mini", True),
        ("gpt-4o-mini", False),
        ("gpt-4.1", False),
        ("llama3.2:3b", False),
        ("ollama/qwen", False),
    ],
)
def test_reasoning_models_are_recognised_by_name(model: str, reasoning: bool) -> None:
    assert is_reasoning_model(model) is reasoning


def test_openais_own_api_gets_max_completion_tokens() -> None:
    body = _payload("https://api.openai.com/v1", "gpt-4o-mini")
    assert body["max_completion_tokens"] == 321 and "max_tokens" not in body
    assert body["temperature"] == 0.4


def test_reasoning_models_get_no_temperature() -> None:
    body = _payload("https://api.openai.com/v1", "o3-mini")
    assert "temperature" not in body and body["max_completion_tokens"] == 321


@pytest.mark.parametrize(
    "base_url",
    ["http://127.0.0.1:11434/v1", "https://api.groq.com/openai/v1", "https://openrouter.ai/api/v1"],
)
def test_compatible_servers_get_max_tokens(base_url: str) -> None:
    body = _payload(base_url, "llama-3.1-8b-instant")
    assert body["max_tokens"] == 321 and "max_completion_tokens" not in body
    assert body["temperature"] == 0.4


def test_the_loopback_server_receives_max_tokens() -> None:
    with ModelServer() as server:
        settings = ProviderSettings("openai", "m", server.base_url)
        with OpenAIProvider(settings) as provider:
            provider.complete(REQUEST)
        [record] = server.requests
    assert record.body["max_tokens"] == 321
