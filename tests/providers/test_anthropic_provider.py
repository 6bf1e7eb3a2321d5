"""AnthropicProvider against the loopback server: the request it sends and what it returns."""

from __future__ import annotations

import pytest

from ucop.errors import ConfigError
from ucop.providers.anthropic import AnthropicProvider
from ucop.providers.base import CompletionRequest, Message, ProviderSettings
from ucop.testing.model_server import ModelServer


def conversation() -> CompletionRequest:
    return CompletionRequest(
        messages=(
            Message("system", "You are terse."),
            Message("system", "Use British spelling."),
            Message("user", "Name a colour"),
            Message("assistant", "Grey."),
            Message("user", "Another one please"),
        ),
        max_tokens=200,
        temperature=0.1,
    )


def test_happy_path_text_and_usage(make_anthropic) -> None:
    completion = make_anthropic(model="claude-test").complete(conversation())
    assert "Another one please" in completion.text
    assert completion.input_tokens == 13  # 3 + 3 system words, 3 + 1 + 3 in the turns
    assert completion.output_tokens == len(completion.text.split())
    assert completion.model == "claude-test"


def test_system_messages_go_to_the_top_level_field(make_anthropic, model_server) -> None:
    make_anthropic(model="claude-test").complete(conversation())
    [record] = model_server.requests
    assert record.path == "/v1/messages"
    assert record.body == {
        "model": "claude-test",
        "max_tokens": 200,
        "temperature": 0.1,
        "system": [  # one block, marked for Anthropic's prompt cache
            {
                "type": "text",
                "text": "You are terse.\n\nUse British spelling.",
                "cache_control": {"type": "ephemeral"},
            }
        ],
        "messages": [
            {"role": "user", "content": "Name a colour"},
            {"role": "assistant", "content": "Grey."},
            {"role": "user", "content": "Another one please"},
        ],
    }


def test_no_system_field_without_system_messages(make_anthropic, model_server) -> None:
    make_anthropic().complete(CompletionRequest(messages=(Message("user", "hi"),)))
    assert "system" not in model_server.requests[0].body


def test_sends_key_and_version_headers(make_anthropic, model_server) -> None:
    make_anthropic().complete(conversation())
    [record] = model_server.requests
    assert record.has_api_key
    assert not record.has_authorization
    assert record.headers["anthropic-version"] == "2023-06-01"


def test_base_url_ending_in_v1_is_not_doubled(model_server: ModelServer, api_key: str) -> None:
    settings = ProviderSettings(
        name="anthropic", model="m", base_url=model_server.root_url + "/v1/", api_key=api_key
    )
    with AnthropicProvider(settings) as provider:
        provider.complete(conversation())
    assert model_server.requests[0].path == "/v1/messages"


def test_local_server_needs_no_key() -> None:
    with ModelServer() as server:
        settings = ProviderSettings(name="anthropic", model="m", base_url=server.root_url)
        with AnthropicProvider(settings) as provider:
            assert provider.complete(conversation()).text
        assert not server.requests[0].has_api_key


def test_missing_key_is_a_config_error_naming_the_variable() -> None:
    with pytest.raises(ConfigError) as caught:
        AnthropicProvider(ProviderSettings(name="anthropic", model="claude-test"))
    assert "No API key found for provider anthropic" in str(caught.value)
    assert "ANTHROPIC_API_KEY" in str(caught.value)
