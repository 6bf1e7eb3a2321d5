"""The pacer with an injected clock: spacing, AIMD, headers, Retry-After and the budget."""

from __future__ import annotations

import pytest

from ucop.errors import ConfigError
from ucop.providers.pacer import Outcome, Pacer, PacingLimits
from ucop.providers.ratelimit_headers import Limit, RateInfo


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def pacer(clock: Clock, **limits) -> Pacer:
    defaults = {"max_concurrent": 8, "probe_first": False}
    return Pacer(PacingLimits(**{**defaults, **limits}), clock=clock)


def test_requests_per_minute_space_the_starts_evenly():
    clock = Clock()
    p = pacer(clock, requests_per_minute=120)  # one every 0.5 s
    delays = [p.acquire().delay_s for _ in range(5)]
    assert delays == pytest.approx([0.0, 0.5, 1.0, 1.5, 2.0])


def test_tokens_per_minute_charge_the_estimate_and_refund_to_the_actual():
    clock = Clock()
    p = pacer(clock, tokens_per_minute=6000)  # 100 tokens/s
    first = p.acquire(tokens=300)
    assert first.delay_s == 0.0
    assert p.acquire(tokens=100).delay_s == pytest.approx(3.0)  # once the 300 are paid for
    p.release(Outcome(first.ticket, estimated_tokens=300, used_tokens=100))
    assert p.acquire(tokens=100).delay_s == pytest.approx(2.0)  # 200 tokens given back: 2 s


def test_a_429_halves_the_window_once_per_round_then_successes_add_one_per_window():
    clock = Clock()
    p = pacer(clock, max_concurrent=8)
    grants = [p.acquire() for _ in range(8)]
    for grant in grants[:5]:  # five 429s from the same round: one cut
        p.release(Outcome(grant.ticket, rate_limited=True))
    assert p.window == 4.0
    assert p.snapshot()["window_cuts"] == 1
    later = p.acquire(timeout=0)  # 3 + 1 in flight: issued after the cut, its 429 cuts again
    assert not later.refused
    p.release(Outcome(later.ticket, rate_limited=True))
    assert p.window == 2.0
    for grant in grants[5:]:
        p.release(Outcome(grant.ticket))
    assert 2.0 < p.window < 4.0  # +1/window per success: about +1.3 for 3 successes
    for _ in range(60):
        p.release(Outcome(p.acquire().ticket))
    assert p.window == 8.0  # recovered, never above the cap


def test_the_window_limits_requests_in_flight(monkeypatch):
    clock = Clock()
    p = pacer(clock, max_concurrent=4)
    grants = [p.acquire() for _ in range(4)]
    p.release(Outcome(grants[0].ticket, rate_limited=True))  # window 4 -> 2, 3 in flight
    refused = p.acquire(timeout=0)
    assert refused.refused == "timeout"
    assert "in flight" in refused.detail
    p.release(Outcome(grants[1].ticket))
    p.release(Outcome(grants[2].ticket))  # 1 in flight < window
    assert not p.acquire(timeout=0).refused


def test_retry_after_holds_every_caller():
    clock = Clock()
    p = pacer(clock)
    grant = p.acquire()
    p.release(Outcome(grant.ticket, rate_limited=True, retry_after=2.5))
    clock.now += 1.0
    assert p.acquire().delay_s == pytest.approx(1.5)


def test_remaining_zero_in_the_headers_waits_for_the_reset():
    clock = Clock()
    p = pacer(clock)
    grant = p.acquire()
    info = RateInfo(requests=Limit(10, 0, 0.8), tokens=Limit(None, None, None))
    p.release(Outcome(grant.ticket, info=info))
    assert p.acquire().delay_s == pytest.approx(0.8)
    clock.now += 0.9  # past the reset: the header budget no longer applies
    assert p.acquire().delay_s == 0.0


def test_remaining_counts_requests_sent_after_the_answer_was_made():
    clock = Clock()
    p = pacer(clock)
    first = p.acquire()
    p.acquire()  # sent after `first`, so not in the remaining its answer reports
    info = RateInfo(requests=Limit(10, 2, 1.0), tokens=Limit(None, None, None))
    p.release(Outcome(first.ticket, info=info))
    assert p.acquire().delay_s == 0.0  # 2 - 1 = 1 left
    assert p.acquire().delay_s == pytest.approx(1.0)  # none left: at the reset


def test_pacing_off_is_a_plain_cap_that_ignores_429s_and_headers():
    clock = Clock()
    p = Pacer(PacingLimits(2, requests_per_minute=None, adaptive=False), clock=clock)
    grant = p.acquire()
    info = RateInfo(requests=Limit(10, 0, 5.0), tokens=Limit(None, None, None))
    p.release(Outcome(grant.ticket, rate_limited=True, retry_after=5, info=info))
    assert [p.acquire().delay_s for _ in range(2)] == [0.0, 0.0]
    assert p.acquire(timeout=0).refused == "timeout"


def test_the_budget_refuses_a_call_that_would_pass_it_and_every_call_after():
    clock = Clock()
    p = pacer(clock, max_cost=0.01)
    first = p.acquire(cost=0.004)
    second = p.acquire(cost=0.004)
    assert not first.refused and not second.refused
    refused = p.acquire(cost=0.004)  # 0.008 committed + 0.004 > 0.01
    assert refused.refused == "budget"
    p.release(Outcome(first.ticket, reserved_cost=0.004, cost=0.001))
    assert p.acquire(cost=0.0001).refused == "budget"  # stopped for good
    assert p.snapshot()["budget_stopped"] is True
    assert p.snapshot()["spent"] == pytest.approx(0.001)


def test_estimates_are_scaled_by_what_answers_used():
    clock = Clock()
    p = pacer(clock, tokens_per_minute=6000)
    for _ in range(20):  # every answer uses a fifth of its estimate
        grant = p.acquire(tokens=500)
        p.release(Outcome(grant.ticket, estimated_tokens=500, used_tokens=100))
        clock.now += 60
    first = p.acquire(tokens=500)
    assert p.acquire(tokens=500).delay_s == pytest.approx(1.0, rel=0.1)  # 100 tokens, not 500
    assert first.delay_s == 0.0


def test_without_configured_rates_one_request_probes_the_limits_first():
    clock = Clock()
    p = pacer(clock, max_concurrent=4, probe_first=True)
    probe = p.acquire()
    assert p.acquire(timeout=0).refused == "timeout"  # the rest wait for its answer
    info = RateInfo(requests=Limit(3, 2, 1.0), tokens=Limit(None, None, None))
    p.release(Outcome(probe.ticket, info=info))
    grants = [p.acquire() for _ in range(3)]
    # paced at what the headers imply (3 per 1 s window); the third waits for the reset,
    # since the answer said only 2 were left
    assert [g.delay_s for g in grants] == pytest.approx([0.0, 1 / 3, 1.0])
    for grant in grants:
        p.release(Outcome(grant.ticket))
    clock.now += 1.5
    assert [p.acquire().delay_s for _ in range(3)] == pytest.approx([0.0, 1 / 3, 2 / 3])


def test_remaining_holds_calls_until_the_reset_even_without_a_reported_limit():
    clock = Clock()
    p = pacer(clock, max_concurrent=8)
    grant = p.acquire()
    info = RateInfo(requests=Limit(None, 1, 0.5), tokens=Limit(None, None, None))
    p.release(Outcome(grant.ticket, info=info))
    assert [p.acquire().delay_s for _ in range(2)] == pytest.approx([0.0, 0.5])


def test_a_cap_below_one_is_a_config_error():
    with pytest.raises(ConfigError, match="at least 1"):
        PacingLimits(0)


def test_no_pacing_is_the_same_pacer_with_only_the_cap_and_the_budget():
    from ucop.config import ProviderConfig
    from ucop.providers.pacer import limits_from_config

    config = ProviderConfig(
        max_concurrent_requests=3, requests_per_minute=60, max_cost=2.0, pacing=False
    )
    limits = limits_from_config(config)
    assert limits == PacingLimits.cap_only(3, max_cost=2.0)
    assert (limits.requests_per_minute, limits.tokens_per_minute, limits.adaptive) == (
        None,
        None,
        False,
    )
    assert limits_from_config(config, 5).max_concurrent == 5
    paced = limits_from_config(config.model_copy(update={"pacing": True}))
    assert (paced.requests_per_minute, paced.adaptive) == (60, True)
