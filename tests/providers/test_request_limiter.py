"""The pacer with pacing off (`capped`) caps simultaneous requests, as the server observes."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import pytest

from ucop.errors import ConfigError, TransientError
from ucop.providers import capped
from ucop.providers.base import Completion, CompletionRequest, Message
from ucop.providers.limiter import PacedProvider
from ucop.providers.pacer import PacingLimits
from ucop.testing.model_server import ModelServer

THREADS = 8


def hammer(provider, request: CompletionRequest, threads: int = THREADS) -> list[Completion]:
    """Call `provider` once from each of `threads` threads released together."""
    start = threading.Barrier(threads, timeout=10)
    results: list[Completion] = []
    lock = threading.Lock()

    def call() -> None:
        start.wait()
        completion = provider.complete(request)
        with lock:
            results.append(completion)

    workers = [threading.Thread(target=call) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=20)
    return results


@pytest.fixture
def slow_server(model_server: ModelServer) -> ModelServer:
    model_server.latency_s = 0.1
    return model_server


def test_limit_of_one_serialises_requests(slow_server: ModelServer, make_openai, request_for):
    provider = capped(make_openai(max_concurrent_requests=THREADS), 1)
    results = hammer(provider, request_for())
    assert len(results) == THREADS
    assert slow_server.count == THREADS
    assert slow_server.peak_concurrency == 1


def test_without_a_limit_requests_overlap(slow_server: ModelServer, make_openai, request_for):
    results = hammer(make_openai(max_concurrent_requests=THREADS), request_for())
    assert len(results) == THREADS
    assert slow_server.peak_concurrency > 1


def test_limit_of_three_allows_three(slow_server: ModelServer, make_openai, request_for):
    provider = capped(make_openai(max_concurrent_requests=THREADS), 3)
    hammer(provider, request_for())
    assert 1 < slow_server.peak_concurrency <= 3


@dataclass
class GatedProvider:
    """Blocks in `complete` until `gate` is set; records the timeouts it was given."""

    name: str = "gated"
    gate: threading.Event = field(default_factory=threading.Event)
    entered: threading.Event = field(default_factory=threading.Event)
    timeouts: list[float] = field(default_factory=list)

    def complete(self, request: CompletionRequest) -> Completion:
        self.timeouts.append(request.timeout_s)
        self.entered.set()
        self.gate.wait(timeout=10)
        return Completion(text="ok")


def test_no_free_slot_within_the_timeout_is_transient() -> None:
    inner = GatedProvider()
    limited = capped(inner, 1)
    holder = threading.Thread(
        target=limited.complete, args=(CompletionRequest(messages=(), timeout_s=10),)
    )
    holder.start()
    assert inner.entered.wait(timeout=5)
    try:
        with pytest.raises(TransientError, match="no free request slot"):
            limited.complete(CompletionRequest(messages=(), timeout_s=0.2))
    finally:
        inner.gate.set()
        holder.join(timeout=5)
    assert len(inner.timeouts) == 1


def test_time_spent_queueing_comes_off_the_timeout() -> None:
    ticks = iter([100.0, 104.0, 105.0, 105.0])  # asked, sent; then the call's end, noted
    inner = GatedProvider()
    inner.gate.set()
    limited = capped(inner, 2, clock=lambda: next(ticks))
    limited.complete(CompletionRequest(messages=(Message("user", "hi"),), timeout_s=30.0))
    assert inner.timeouts == [26.0]


def test_a_cap_of_none_returns_the_provider_itself() -> None:
    inner = GatedProvider()
    assert capped(inner, None) is inner
    limited = capped(inner, 2)
    assert isinstance(limited, PacedProvider)
    assert limited.pacer.limits == PacingLimits(2, adaptive=False)
    assert limited.name == "gated"


def test_a_cap_below_one_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="at least 1"):
        capped(GatedProvider(), 0)
