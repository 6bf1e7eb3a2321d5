"""API keys never appear in error text, reprs, tracebacks or the server's request records."""

from __future__ import annotations

import traceback

import pytest

from ucop.errors import ProviderError
from ucop.providers.anthropic import AnthropicProvider
from ucop.providers.base import ProviderSettings
from ucop.providers.openai import OpenAIProvider
from ucop.providers.retry import RetryPolicy, call_with_retries
from ucop.testing.model_server import Fault, ModelServer

# One key shaped like a vendor key, one that no pattern would recognise.
WRONG_KEYS = ["sk-live-9d8c7b6a5f4e3d2c1b0a", "correcthorsebatterystaple42"]
PROVIDERS = {"openai": OpenAIProvider, "anthropic": AnthropicProvider}


def everything_printed(error: BaseException) -> str:
    """All the text a user or a log could ever see for this error."""
    shown = traceback.format_exception(type(error), error, error.__traceback__)
    return "\n".join([str(error), repr(error), *map(str, error.args), *shown])


def build(name: str, server: ModelServer, key: str):
    url = server.base_url if name == "openai" else server.root_url
    return PROVIDERS[name](ProviderSettings(name=name, model="m", base_url=url, api_key=key))


@pytest.mark.parametrize("name", PROVIDERS)
@pytest.mark.parametrize("wrong_key", WRONG_KEYS)
def test_a_401_that_echoes_the_key_is_redacted(
    name: str, wrong_key: str, model_server: ModelServer, request_for
) -> None:
    # The loopback server echoes the presented key in its 401 message, as a careless proxy might.
    with build(name, model_server, wrong_key) as provider, pytest.raises(ProviderError) as caught:
        provider.complete(request_for())
    assert caught.value.status == 401
    assert "Incorrect API key provided" in str(caught.value)
    assert wrong_key not in everything_printed(caught.value)
    assert wrong_key not in repr(model_server.requests)


@pytest.mark.parametrize("name", PROVIDERS)
@pytest.mark.parametrize(
    "fault", [Fault.server_error(503), Fault.reset(), Fault.hang(), Fault.malformed_json()]
)
def test_other_failures_never_show_the_key(
    name: str, fault: Fault, model_server: ModelServer, api_key: str, request_for
) -> None:
    model_server.enqueue(fault)
    with build(name, model_server, api_key) as provider, pytest.raises(ProviderError) as caught:
        provider.complete(request_for(timeout_s=0.3))
    assert api_key not in everything_printed(caught.value)


def test_retried_failures_never_show_the_key(
    model_server: ModelServer, api_key: str, request_for
) -> None:
    model_server.enqueue(*[Fault.server_error(500)] * 2)
    messages: list[str] = []
    with build("openai", model_server, api_key) as provider, pytest.raises(ProviderError) as caught:
        call_with_retries(
            provider,
            request_for(),
            RetryPolicy(max_attempts=2),
            sleep=lambda _s: None,
            on_retry=lambda _n, _w, error: messages.append(everything_printed(error)),
        )
    assert len(messages) == 1
    assert api_key not in messages[0]
    assert api_key not in everything_printed(caught.value)


@pytest.mark.parametrize("name", PROVIDERS)
def test_reprs_and_records_hold_no_key(
    name: str, model_server: ModelServer, api_key: str, request_for
):
    with build(name, model_server, api_key) as provider:
        provider.complete(request_for())
        assert api_key not in repr(provider)
    settings = ProviderSettings(name=name, api_key=api_key)
    assert api_key not in repr(settings)
    [record] = model_server.requests
    assert api_key not in repr(record)
    assert record.has_authorization or record.has_api_key
