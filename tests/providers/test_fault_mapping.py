"""Every fault the loopback server can inject maps to the right error, for both providers."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from ucop.errors import PermanentError, ProviderError, RateLimited, TransientError, UnusableOutput
from ucop.providers.base import CompletionRequest
from ucop.providers.http import post_json
from ucop.testing.model_server import Fault, ModelServer

CASES = [
    pytest.param(Fault.rate_limit(retry_after="1"), RateLimited, 429, id="429-seconds"),
    pytest.param(Fault.rate_limit_ms(1500), RateLimited, 429, id="429-ms"),
    pytest.param(Fault.rate_limit_date(in_s=2.0), RateLimited, 429, id="429-date"),
    pytest.param(Fault.server_error(500), TransientError, 500, id="500"),
    pytest.param(Fault.server_error(502), TransientError, 502, id="502"),
    pytest.param(Fault.server_error(503), TransientError, 503, id="503"),
    pytest.param(Fault.client_error(408, "Request timeout"), TransientError, 408, id="408"),
    pytest.param(Fault.client_error(409, "Conflict"), TransientError, 409, id="409"),
    pytest.param(Fault.client_error(400, "max_tokens is too large"), PermanentError, 400, id="400"),
    pytest.param(Fault.client_error(401, "Invalid auth"), PermanentError, 401, id="401"),
    pytest.param(Fault.reset(), TransientError, None, id="reset"),
    pytest.param(Fault.malformed_json(), UnusableOutput, 200, id="malformed-json"),
    pytest.param(Fault.empty_content(), UnusableOutput, None, id="empty-content"),
]


@pytest.fixture(params=["openai", "anthropic"])
def provider(request, make_openai, make_anthropic):
    return make_openai() if request.param == "openai" else make_anthropic()


@pytest.mark.parametrize(("fault", "error", "status"), CASES)
def test_fault_maps_to_error(
    provider, model_server: ModelServer, request_for, fault: Fault, error: type, status: int | None
) -> None:
    model_server.enqueue(fault)
    with pytest.raises(ProviderError) as caught:
        provider.complete(request_for())
    assert type(caught.value) is error
    assert caught.value.status == status
    assert caught.value.provider == provider.name
    assert model_server.requests[0].fault == fault


def test_each_error_is_one_request_and_the_next_call_works(
    provider, model_server: ModelServer, request_for
) -> None:
    model_server.enqueue(Fault.reset(), Fault.server_error(503))
    for _ in range(2):
        with pytest.raises(TransientError):
            provider.complete(request_for())
    assert provider.complete(request_for()).text
    assert model_server.count == 3


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (Fault.rate_limit(retry_after="1"), 1.0),
        (Fault.rate_limit(retry_after="17"), 17.0),
        (Fault.rate_limit_ms(1500), 1.5),
        (Fault.rate_limit(retry_after=None), None),
    ],
)
def test_rate_limit_carries_the_servers_wait(
    make_openai, model_server: ModelServer, request_for, fault: Fault, expected: float | None
) -> None:
    model_server.enqueue(fault)
    with pytest.raises(RateLimited) as caught:
        make_openai().complete(request_for())
    assert caught.value.retry_after == expected


def test_rate_limit_http_date_becomes_seconds(
    make_openai, model_server: ModelServer, request_for
) -> None:
    model_server.enqueue(Fault.rate_limit_date(in_s=3.0))
    with pytest.raises(RateLimited) as caught:  # over the socket: the header on the wire
        make_openai(transport=None).complete(request_for())
    # HTTP-dates have one-second resolution, so allow the truncation
    assert caught.value.retry_after is not None
    assert 1.5 <= caught.value.retry_after <= 3.0


@pytest.mark.parametrize("which", ["openai", "anthropic"])
def test_permanent_error_carries_the_servers_message(
    which: str, make_openai, make_anthropic, model_server: ModelServer, request_for
) -> None:
    provider = make_openai() if which == "openai" else make_anthropic()
    model_server.enqueue(Fault.client_error(400, "max_tokens: 99999 > 4096, the model maximum"))
    with pytest.raises(PermanentError) as caught:
        provider.complete(request_for())
    assert "max_tokens: 99999 > 4096, the model maximum" in str(caught.value)
    assert "HTTP 400" in str(caught.value)


def test_never_answering_server_is_abandoned_at_the_timeout(
    make_openai, model_server: ModelServer, request_for
) -> None:
    model_server.enqueue(Fault.hang())
    provider = make_openai(transport=None)  # made before the clock starts: a cold first one is slow
    started = time.monotonic()
    with pytest.raises(TransientError) as caught:  # over the socket: httpx's own timeout
        provider.complete(request_for(timeout_s=1.0))
    elapsed = time.monotonic() - started
    assert 0.8 <= elapsed < 2.0
    assert "timed out" in str(caught.value)


def test_slow_trickle_is_cut_at_the_overall_deadline(
    make_openai, model_server: ModelServer, request_for
) -> None:
    # 4 bytes every 50 ms: the ~500-byte body would take about 6 s, every read is quick
    model_server.enqueue(Fault.trickle(chunk_bytes=4, delay_s=0.05))
    provider = make_openai(transport=None)  # made before the clock starts: a cold first one is slow
    started = time.monotonic()
    with pytest.raises(TransientError) as caught:  # over the socket: bytes on the wire
        provider.complete(request_for(timeout_s=1.0))
    elapsed = time.monotonic() - started
    assert 0.8 <= elapsed < 2.0
    assert "deadline" in str(caught.value)


def test_fast_trickle_is_a_valid_response(
    make_openai, model_server: ModelServer, request_for
) -> None:
    model_server.enqueue(Fault.trickle(chunk_bytes=64, delay_s=0.005))
    completion = make_openai(transport=None).complete(request_for(timeout_s=5.0))
    assert completion.text.startswith("**Answer.**")


def test_post_json_returns_the_decoded_object(model_server: ModelServer, api_key: str) -> None:
    with httpx.Client() as client:
        data = post_json(
            client,
            f"{model_server.base_url}/chat/completions",
            headers={"Authorization": f"Bearer {api_key}"},
            payload={"model": "m", "messages": [{"role": "user", "content": "one two three"}]},
            timeout_s=5.0,
            provider="openai",
        )
    assert data["usage"]["prompt_tokens"] == 3
    assert data["choices"][0]["message"]["content"]


def test_unknown_path_is_permanent_with_a_hint(model_server: ModelServer) -> None:
    with httpx.Client() as client, pytest.raises(PermanentError) as caught:
        post_json(
            client,
            f"{model_server.root_url}/v2/nothing?key=secret-in-query",
            headers={},
            payload={},
            timeout_s=5.0,
            provider="openai",
        )
    assert caught.value.status == 404
    assert "check the model name and the base URL" in str(caught.value)
    assert "secret-in-query" not in str(caught.value)


def test_connection_refused_is_transient(request_for: Callable[..., CompletionRequest]) -> None:
    server = ModelServer().start()
    dead_url = f"{server.base_url}/chat/completions"
    server.stop()
    with httpx.Client() as client, pytest.raises(TransientError) as caught:
        post_json(client, dead_url, headers={}, payload={}, timeout_s=2.0, provider="openai")
    assert caught.value.status is None
