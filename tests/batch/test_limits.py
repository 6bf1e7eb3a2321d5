"""CappedProvider: a batch-wide request cap around any provider, and a call counter."""

from __future__ import annotations

import pickle
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from ucop.batch.limits import CappedProvider, DaskRequestCap, bind_cap, thread_cap
from ucop.errors import TransientError
from ucop.providers.base import Completion, CompletionRequest, Message

REQUEST = CompletionRequest(messages=(Message("user", "hi"),), timeout_s=60.0)


class SlowProvider:
    """Answers after `delay_s`, recording how many calls overlapped and the timeouts it saw."""

    name = "slow"

    def __init__(self, delay_s: float = 0.05) -> None:
        self.delay_s = delay_s
        self.in_flight = self.peak = 0
        self.timeouts: list[float] = []
        self.closed = False
        self._lock = threading.Lock()

    def complete(self, request: CompletionRequest) -> Completion:
        with self._lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            self.timeouts.append(request.timeout_s)
        time.sleep(self.delay_s)
        with self._lock:
            self.in_flight -= 1
        return Completion("ok")

    def close(self) -> None:
        self.closed = True


def call_many(providers: list[CappedProvider], each: int = 4) -> None:
    with ThreadPoolExecutor(len(providers) * each) as pool:
        futures = [pool.submit(p.complete, REQUEST) for p in providers for _ in range(each)]
        for future in futures:
            assert future.result().text == "ok"


def test_one_cap_shared_by_several_articles_holds_across_all_of_them():
    inner = SlowProvider()
    cap = thread_cap(2)
    articles = [CappedProvider(inner, cap) for _ in range(3)]  # three articles, one cap
    call_many(articles)
    assert inner.peak == 2
    assert [a.calls for a in articles] == [4, 4, 4]


def test_without_a_cap_calls_are_only_counted():
    inner = SlowProvider()
    article = CappedProvider(inner)
    call_many([article])
    assert article.calls == 4 and inner.peak > 2


def test_no_free_slot_within_the_timeout_is_a_transient_error():
    cap = thread_cap(1)
    cap.acquire()
    provider = CappedProvider(SlowProvider(), cap)
    with pytest.raises(TransientError, match="--max-requests"):
        provider.complete(CompletionRequest(messages=(), timeout_s=0.05))
    assert provider.calls == 1


class SlowCap:
    """A cap whose every acquire takes `wait_s` of the fake clock."""

    def __init__(self, clock: list[float], wait_s: float) -> None:
        self.clock, self.wait_s, self.held = clock, wait_s, 0

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        self.clock[0] += self.wait_s
        self.held += 1
        return True

    def release(self) -> None:
        self.held -= 1


def test_time_spent_queueing_comes_off_the_request_timeout():
    now = [100.0]
    cap = SlowCap(now, wait_s=3.0)
    inner = SlowProvider(delay_s=0)
    CappedProvider(inner, cap, clock=lambda: now[0]).complete(REQUEST)
    assert inner.timeouts == [57.0]
    assert cap.held == 0  # released after the call


def test_close_reaches_the_wrapped_provider():
    inner = SlowProvider()
    CappedProvider(inner, thread_cap(1)).close()
    assert inner.closed


def test_a_dask_cap_travels_as_its_size_and_name():
    cap = DaskRequestCap(3, name="ucop-requests-test")
    copy = pickle.loads(pickle.dumps(cap))
    assert (copy.max_leases, copy.name) == (3, "ucop-requests-test")
    with pytest.raises(RuntimeError, match="bind"):
        copy.acquire(timeout=1)
    assert bind_cap(None) is None
    plain = thread_cap(1)
    assert bind_cap(plain) is plain


def test_a_dask_cap_limits_leases_on_the_scheduler():
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=1, processes=False, dashboard_address="127.0.0.1:0"
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as client,
    ):
        cap = DaskRequestCap(2).bind(client)
        other = pickle.loads(pickle.dumps(cap)).bind(client)  # another task's copy
        assert cap.acquire(timeout=1) and other.acquire(timeout=1)
        assert not cap.acquire(timeout=0.1)  # both leases are taken, whoever holds them
        other.release()
        assert cap.acquire(timeout=1)
        cap.release()
        cap.release()
        other.unbind()
        cap.close()
