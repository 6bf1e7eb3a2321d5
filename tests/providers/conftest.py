"""Fixtures for provider tests: the loopback model server and providers pointed at it.

Providers from `make_openai` / `make_anthropic` reach the server in process, through its
httpx transport (the same request handling, no socket); `make_openai(transport=None)` goes
over the real socket, for what only a socket shows: trickled bytes under httpx's timeouts,
headers on the wire, other processes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ucop.providers.anthropic import AnthropicProvider
from ucop.providers.base import CompletionRequest, Message, ProviderSettings
from ucop.providers.openai import OpenAIProvider
from ucop.testing.model_server import ModelServer

TEST_KEY = "sk-test-4f9c2a7e1b3d5f6a8c0e"


@pytest.fixture
def model_server() -> Iterator[ModelServer]:
    """A loopback server that expects TEST_KEY, started (for tests that use its socket) and
    stopped after the test."""
    server = ModelServer(api_key=TEST_KEY)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def make_openai(model_server: ModelServer) -> Iterator[Callable[..., OpenAIProvider]]:
    """Build OpenAI providers against `model_server` (key TEST_KEY unless overridden)."""
    made: list[OpenAIProvider] = []

    def make(**overrides: object) -> OpenAIProvider:
        fields: dict[str, Any] = {
            "name": "openai",
            "model": "test-model",
            "base_url": model_server.base_url,
            "api_key": TEST_KEY,
            "transport": model_server.transport(),
            **overrides,
        }
        provider = OpenAIProvider(ProviderSettings(**fields))
        made.append(provider)
        return provider

    yield make
    for provider in made:
        provider.close()


@pytest.fixture
def make_anthropic(model_server: ModelServer) -> Iterator[Callable[..., AnthropicProvider]]:
    """Build Anthropic providers against `model_server` (key TEST_KEY unless overridden)."""
    made: list[AnthropicProvider] = []

    def make(**overrides: object) -> AnthropicProvider:
        fields: dict[str, Any] = {
            "name": "anthropic",
            "model": "test-model",
            "base_url": model_server.root_url,
            "api_key": TEST_KEY,
            "transport": model_server.transport(),
            **overrides,
        }
        provider = AnthropicProvider(ProviderSettings(**fields))
        made.append(provider)
        return provider

    yield make
    for provider in made:
        provider.close()


def ask(text: str = "Explain connection pools", timeout_s: float = 5.0) -> CompletionRequest:
    return CompletionRequest(
        messages=(Message("system", "You write tersely."), Message("user", text)),
        timeout_s=timeout_s,
    )


@pytest.fixture
def request_for() -> Callable[..., CompletionRequest]:
    """A small system+user request; `request_for(text, timeout_s=...)`."""
    return ask


@pytest.fixture
def api_key() -> str:
    """The key `model_server` accepts."""
    return TEST_KEY
