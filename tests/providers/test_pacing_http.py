"""Pacing against the real loopback server with its own limits: fixed windows, headers, 429s.

Windows are half a second, so each test takes a few seconds; timing checks are wide ratios.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from ucop.errors import RateLimited, TransientError
from ucop.providers.base import CompletionRequest, Message, ProviderSettings
from ucop.providers.limiter import PacedProvider
from ucop.providers.openai import OpenAIProvider
from ucop.providers.pacer import Pacer, PacingLimits
from ucop.testing.model_server import ModelServer, RateLimits

PER_WINDOW = 4
WINDOW_S = 0.5
CALLS = 24
THREADS = 6
REQUEST = CompletionRequest(
    messages=(Message("system", "Be brief."), Message("user", "Say something short")),
    timeout_s=10,
)


@pytest.fixture
def limited_server() -> Iterator[ModelServer]:
    limits = RateLimits(requests=PER_WINDOW, tokens=None, window_s=WINDOW_S)
    with ModelServer(latency_s=0.01, limits=limits) as server:
        yield server


def run_calls(provider: PacedProvider, calls: int = CALLS) -> tuple[int, int, float]:
    """`calls` single attempts from THREADS threads; (ok, 429s seen, wall seconds)."""
    counts = {"ok": 0, "429": 0, "error": 0}
    lock = threading.Lock()
    todo = iter(range(calls))

    def worker() -> None:
        while True:
            with lock:
                if next(todo, None) is None:
                    return
            try:
                provider.complete(REQUEST)
                outcome = "ok"
            except RateLimited:
                outcome = "429"
            except TransientError:  # a connection dropped while the server was hammered
                outcome = "error"
            with lock:
                counts[outcome] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return counts["ok"], counts["429"], time.monotonic() - started


def provider_for(server: ModelServer, limits: PacingLimits) -> PacedProvider:
    settings = ProviderSettings(name="openai", model="m", base_url=server.base_url)
    return PacedProvider(OpenAIProvider(settings), Pacer(limits))


def test_configured_rate_runs_at_the_limit_without_429s(limited_server):
    rpm = PER_WINDOW / WINDOW_S * 60
    provider = provider_for(limited_server, PacingLimits(THREADS, requests_per_minute=rpm))
    ok, refused, wall = run_calls(provider)
    bound = (CALLS - PER_WINDOW) * WINDOW_S / PER_WINDOW  # the first window's worth is free
    assert refused <= 1 and ok >= CALLS - 1
    assert limited_server.rate_limited == refused
    assert 0.7 * bound <= wall <= 2.0 * bound
    assert provider.usage.requests == CALLS
    assert provider.usage.rate_limited == refused


def test_headers_alone_cut_429s_compared_with_a_fixed_cap(limited_server):
    fixed = provider_for(limited_server, PacingLimits(THREADS, adaptive=False))
    _, fixed_429, _ = run_calls(fixed)
    time.sleep(WINDOW_S)  # a fresh window
    adaptive = provider_for(limited_server, PacingLimits(THREADS))  # no rates configured
    ok, adaptive_429, _ = run_calls(adaptive)
    assert fixed_429 >= CALLS // 3  # the cap alone fires far past the limit
    assert adaptive_429 * 3 <= fixed_429
    assert ok == CALLS - adaptive_429
    assert adaptive.pacer.snapshot()["rate_limited"] == adaptive_429


def test_the_server_reports_its_limits_in_openai_and_anthropic_headers(limited_server):
    import httpx

    body = {"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": "a b c"}]}
    with httpx.Client() as client:
        time.sleep(WINDOW_S)
        first = client.post(f"{limited_server.base_url}/chat/completions", json=body)
        assert first.status_code == 200
        assert first.headers["x-ratelimit-limit-requests"] == str(PER_WINDOW)
        remaining = int(first.headers["x-ratelimit-remaining-requests"])
        assert remaining <= PER_WINDOW - 1
        assert first.headers["x-ratelimit-reset-requests"].endswith("ms")
        answers = [
            client.post(f"{limited_server.root_url}/v1/messages", json=body)
            for _ in range(PER_WINDOW + 1)
        ]
    statuses = [a.status_code for a in answers]
    assert 429 in statuses
    refused = answers[statuses.index(429)]
    assert int(refused.headers["Retry-After"]) >= 1
    assert 0 < int(refused.headers["retry-after-ms"]) <= WINDOW_S * 1000
    assert refused.headers["anthropic-ratelimit-requests-remaining"] == "0"
    assert refused.headers["anthropic-ratelimit-requests-reset"].endswith("Z")
    assert answers[0].json()["usage"]["input_tokens"] >= 0


def test_token_limit_refuses_with_the_tokens_named():
    limits = RateLimits(requests=None, tokens=5, window_s=60)
    with ModelServer(limits=limits) as server:
        settings = ProviderSettings(name="openai", model="m", base_url=server.base_url)
        with OpenAIProvider(settings) as provider:
            provider.complete(REQUEST)  # 5 prompt words: the window's tokens are used up
            with pytest.raises(RateLimited, match="tokens") as caught:
                provider.complete(REQUEST)
    assert caught.value.retry_after is not None and caught.value.retry_after > 1
    assert server.rate_limited == 1
