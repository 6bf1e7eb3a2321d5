"""One pacer for a whole batch: served over a socket to other processes, and end to end."""

from __future__ import annotations

import pickle
import threading
import time
from multiprocessing import AuthenticationError

import pytest

from tests.batch.conftest import assert_complete, batch, ledger, make_briefs, openai_flags
from ucop.batch.limits import PacerServer, RemotePacer, served
from ucop.providers.base import Completion, CompletionRequest, Message
from ucop.providers.limiter import PacedProvider
from ucop.providers.pacer import Outcome, Pacer, PacingLimits
from ucop.testing.model_server import ModelServer, RateLimits
from ucop.testing.responders import article_responder

REQUEST = CompletionRequest(messages=(Message("user", "hi"),), timeout_s=10)


class CountingProvider:
    """Sleeps a little per call and records the most calls it had at once."""

    name = "counting"

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = self.peak = 0

    def complete(self, request: CompletionRequest) -> Completion:
        with self.lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
        time.sleep(0.03)
        with self.lock:
            self.now -= 1
        return Completion(text="ok", input_tokens=3, output_tokens=1)


def test_a_remote_pacer_travels_as_address_and_key_and_shares_one_cap():
    inner = CountingProvider()
    with served(PacingLimits(2)) as remote:
        copies = [pickle.loads(pickle.dumps(remote)) for _ in range(3)]  # three "processes"
        providers = [PacedProvider(inner, pacer) for pacer in copies]
        threads = [
            threading.Thread(target=lambda p=p: [p.complete(REQUEST) for _ in range(4)])
            for p in providers
            for _ in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        snapshot = remote.snapshot()
    assert inner.peak == 2
    assert snapshot["requests"] == 24
    assert sum(p.usage.requests for p in providers) == 24


def test_a_remote_pacer_keeps_the_rate_and_the_budget_of_the_server():
    # a stopped clock: the delays are the pacer's schedule, not how long the calls took
    limits = PacingLimits(4, requests_per_minute=600, max_cost=0.5)
    server = PacerServer(Pacer(limits, clock=lambda: 100.0))
    try:
        remote = server.client()
        delays = [remote.acquire(1, 0.1, 5).delay_s for _ in range(3)]
        assert delays == pytest.approx([0.0, 0.1, 0.2], abs=1e-6)
        assert remote.acquire(1, 0.3, 5).refused == "budget"
        remote.release(Outcome(1, reserved_cost=0.1, cost=0.05))
        assert server.pacer.snapshot()["spent"] == pytest.approx(0.05)
    finally:
        server.close()


def test_a_client_without_the_key_is_turned_away():
    server = PacerServer(Pacer(PacingLimits(1)))
    try:
        stranger = RemotePacer(server.address, b"not the key")
        with pytest.raises(AuthenticationError):
            stranger.acquire()
        assert server.pacer.snapshot()["requests"] == 0
    finally:
        server.close()


@pytest.mark.parametrize("executor", ["threads", "processes"])
def test_a_batch_runs_at_the_servers_request_limit(tmp_path, executor):
    """6 articles, one pacer: finishes ok with under 5 % of requests answered 429.

    Paced at 10 of the server's 12 requests a second: evenly spaced starts put 5 in each of
    its fixed half-second windows, so a start delayed across a window's edge (threads wait
    for a CPU on a loaded machine) still fits. Paced at exactly 12 a second, one late start
    overfilled the next window: 3 of 48 requests were answered 429 under load. A pacer per
    worker, not one for the batch, could send up to 30 a second.
    """
    make_briefs(tmp_path / "briefs", 6)
    limits = RateLimits(requests=6, window_s=0.5)  # 12 requests per second
    with ModelServer(latency_s=0.01, responder=article_responder, limits=limits) as server:
        out = tmp_path / "out"
        result = batch(
            tmp_path / "briefs",
            "-o",
            out,
            *openai_flags(server),
            "--executor",
            executor,
            "--workers",
            "3",
            "--requests-per-minute",
            "600",
        )
        assert result.exit_code == 0, result.stderr
        data = ledger(out)
        totals = data["totals"]
        assert totals["done"] == 6
        assert server.rate_limited <= 0.05 * server.count
        assert totals["rate_limited"] == server.rate_limited
        assert totals["requests"] == server.count
        assert data["pacing"]["requests_per_minute"] == 600
        for brief in sorted((tmp_path / "briefs").glob("*.md")):
            assert_complete(out, brief)


def test_slots_of_a_client_that_goes_away_are_given_back():
    server = PacerServer(Pacer(PacingLimits(1, adaptive=False)))
    try:
        gone = server.client()
        assert not gone.acquire().refused  # holds the only slot...
        gone._local.connection.close()  # ...and dies without giving it back
        other = server.client()
        grant = other.acquire(timeout=5)
        assert not grant.refused and grant.ticket == 2  # the slot came back
        assert server.pacer.in_flight == 1
    finally:
        server.close()
