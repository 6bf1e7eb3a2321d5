"""The concurrency limiter: what a server really runs at once, from the answers' timing."""

from __future__ import annotations

import math

import pytest

from ucop.providers.concurrency import Sample, ThroughputLimiter, served_time, service_model

PER_TOKEN = 0.01  # the fake server's seconds per output token


def _solo(limiter: ThroughputLimiter, start: float, tokens: int) -> float:
    end = start + PER_TOKEN * tokens
    limiter.observe(Sample(start, end, 50, tokens, 1.0, 1))
    return end


def _burst(limiter: ThroughputLimiter, start: float, sizes: list[int], slots: int) -> float:
    """`len(sizes)` calls sent at `start` to a server serving `slots` at once, first come
    first served; each call is observed with its real average requests in flight."""
    free = [start] * slots
    ends = []
    for tokens in sizes:
        slot = min(range(slots), key=free.__getitem__)
        free[slot] += PER_TOKEN * tokens
        ends.append(free[slot])
    for end in ends:
        area = sum(min(e, end) - start for e in ends)
        limiter.observe(Sample(start, end, 50, sizes[0], area / (end - start), len(sizes)))
    return max(ends)


def _warmed(max_limit: int = 5, slots: int | None = None) -> tuple[ThroughputLimiter, float]:
    limiter = ThroughputLimiter(max_limit, slots)
    assert limiter.limit == (slots or max_limit)  # nothing timed yet
    now = _solo(limiter, 0.0, 100)
    assert limiter.limit == 1  # the next call goes alone too, to fit the service time
    now = _solo(limiter, now, 40)
    return limiter, now


@pytest.mark.parametrize(("slots", "expected"), [(1, 1), (2, 2), (3, 3)])
def test_the_limit_settles_at_the_slots_a_queueing_server_serves(slots: int, expected: int) -> None:
    limiter, now = _warmed()
    for _ in range(8):  # send what the limiter allows, like the pacer does
        now = _burst(limiter, now, [100] * limiter.limit, slots)
    assert limiter.limit == expected
    assert limiter.parallelism == pytest.approx(expected, rel=0.15)


def test_a_server_that_keeps_up_gets_every_request_and_no_discount() -> None:
    limiter, now = _warmed(max_limit=5)
    for _ in range(8):
        now = _burst(limiter, now, [100] * limiter.limit, slots=64)
    assert limiter.limit == 5
    assert math.isinf(limiter.parallelism)  # no queue seen: no call's time is discounted


def test_reported_slots_cap_the_limit_from_the_start() -> None:
    limiter, now = _warmed(max_limit=8, slots=2)
    for _ in range(6):
        now = _burst(limiter, now, [100] * limiter.limit, slots=64)
    assert limiter.limit == 2 and limiter.parallelism == 2.0


def test_the_service_model_separates_fixed_cost_prompt_and_generation() -> None:
    truth = (0.3, 0.002, 0.02)
    calls = [(100, 10), (800, 10), (100, 200), (500, 90), (1200, 300)]
    solo = [
        Sample(0.0, truth[0] + truth[1] * tin + truth[2] * tout, tin, tout, 1.0, 1)
        for tin, tout in calls
    ]
    assert service_model(solo) == pytest.approx(truth, rel=1e-6, abs=1e-9)


def test_a_server_whose_latency_ignores_the_answer_is_all_fixed_cost() -> None:
    solo = [Sample(0.0, 0.15, tin, tout, 1.0, 1) for tin, tout in [(10, 5), (90, 300), (40, 80)]]
    a, p, d = service_model(solo) or (0, 0, 0)
    assert a == pytest.approx(0.15) and p == d == 0.0


def test_served_time_counts_at_most_the_parallelism() -> None:
    calls = [(0.0, 2.0), (0.0, 4.0), (1.0, 3.0), (5.0, 6.0)]
    assert served_time(calls, 1.0) == pytest.approx(5.0)  # busy 0-4 and 5-6
    assert served_time(calls, math.inf) == pytest.approx(9.0)  # every call whole
    assert served_time(calls, 2.0) == pytest.approx(2 + 2 + 2 + 1 + 1)


def test_a_partial_gain_must_hold_for_a_second_round_before_it_counts() -> None:
    """A one-slot server whose speed changes (a loaded machine) can look 30 % faster for one
    round of two calls; the limit climbs on a gain only once a second round confirms it."""
    limiter, now = _warmed()
    assert limiter.limit == 2
    # one round at 2: 1.3x the solo model's pace on a server that still finishes one at a time
    fast = PER_TOKEN / 1.3
    limiter.observe(Sample(now, now + fast * 100, 50, 100, 1.5, 2))
    limiter.observe(Sample(now, now + fast * 200, 50, 100, 1.5, 2))
    assert limiter.snapshot()["throughput_by_level"]["2"] == pytest.approx(1.3, rel=0.01)
    assert limiter.limit == 2  # still probing 2, not climbing to 3 on one round
    now += fast * 200
    # the second round at the model's own pace: no gain after all
    limiter.observe(Sample(now, now + PER_TOKEN * 100, 50, 100, 1.5, 2))
    limiter.observe(Sample(now, now + PER_TOKEN * 200, 50, 100, 1.5, 2))
    assert limiter.limit == 1 and limiter.parallelism == pytest.approx(1.0, abs=0.15)
