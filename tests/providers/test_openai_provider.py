"""OpenAIProvider against the loopback server: the request it sends and what it returns."""

from __future__ import annotations

import pytest

from ucop.errors import ConfigError, PermanentError, TransientError
from ucop.providers.base import CompletionRequest, Message, ProviderSettings
from ucop.providers.openai import OpenAIProvider
from ucop.testing.model_server import Fault, ModelServer


def test_happy_path_text_usage_and_model(make_openai, model_server: ModelServer) -> None:
    request = CompletionRequest(
        messages=(Message("system", "Be terse."), Message("user", "Explain HTTP keep alive")),
        max_tokens=321,
        temperature=0.7,
    )
    completion = make_openai(model="gpt-test").complete(request)
    assert "Explain HTTP keep alive" in completion.text
    assert completion.input_tokens == 6  # words in the system and user messages
    assert completion.output_tokens == len(completion.text.split())
    assert completion.model == "gpt-test"


def test_sends_the_openai_request_shape(make_openai, model_server: ModelServer) -> None:
    request = CompletionRequest(
        messages=(Message("system", "Be terse."), Message("user", "Hello")),
        max_tokens=321,
        temperature=0.7,
    )
    make_openai(model="gpt-test").complete(request)
    [record] = model_server.requests
    assert record.method == "POST"
    assert record.path == "/v1/chat/completions"
    assert record.body == {
        "model": "gpt-test",
        "messages": [
            {"role": "system", "content": "Be terse."},
            {"role": "user", "content": "Hello"},
        ],
        "max_tokens": 321,
        "temperature": 0.7,
    }
    assert record.has_authorization
    assert not record.has_api_key
    assert record.headers["content-type"] == "application/json"


def test_request_model_overrides_the_settings_model(make_openai, model_server, request_for):
    request = CompletionRequest(messages=request_for().messages, model="other-model")
    assert make_openai(model="gpt-test").complete(request).model == "other-model"
    assert model_server.requests[0].body["model"] == "other-model"


def test_no_model_anywhere_is_a_permanent_error(make_openai, model_server, request_for) -> None:
    with pytest.raises(PermanentError, match="--model"):
        make_openai(model="").complete(request_for())
    assert model_server.count == 0


def test_a_local_server_needs_no_key_and_gets_no_authorization_header(request_for) -> None:
    with ModelServer() as server:  # accepts any key, or none
        provider = OpenAIProvider(
            ProviderSettings(name="openai", model="llama3", base_url=server.base_url)
        )
        with provider:
            assert provider.complete(request_for()).text
        [record] = server.requests
    assert not record.has_authorization
    assert "authorization" not in record.headers


def test_missing_key_for_a_remote_server_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as caught:
        OpenAIProvider(ProviderSettings(name="openai", model="gpt-test"))
    message = str(caught.value)
    assert "No API key found for provider openai" in message
    assert "OPENAI_API_KEY" in message
    assert "--base-url" in message


def test_missing_key_with_a_remote_base_url_is_a_config_error() -> None:
    settings = ProviderSettings(name="openai", base_url="https://llm.example.com/v1")
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        OpenAIProvider(settings)


def test_trailing_slash_in_base_url(model_server: ModelServer, api_key: str, request_for) -> None:
    settings = ProviderSettings(
        name="openai", model="m", base_url=model_server.base_url + "/", api_key=api_key
    )
    with OpenAIProvider(settings) as provider:
        provider.complete(request_for())
    assert model_server.requests[0].path == "/v1/chat/completions"


def test_timeout_comes_from_the_request(make_openai, model_server, request_for) -> None:
    model_server.enqueue(Fault.hang())
    with pytest.raises(TransientError, match=r"timed out after 0\.3s"):
        make_openai(timeout_s=30.0, transport=None).complete(request_for(timeout_s=0.3))
