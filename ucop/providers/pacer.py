"""The one limiter every model call of a run (or a whole batch) goes through.

A `Pacer` decides when a request may start. It combines, in one lock:

    concurrency   at most `window` requests in flight; `window` follows AIMD: halved on a
                  429, then +1 per window of successes, never above `max_concurrent`
    requests/min  a GCRA token bucket (`Bucket`): requests are spaced 60/rpm seconds apart
    tokens/min    the same, charged with each request's estimated tokens and corrected to
                  the tokens the answer reports
    headers       `remaining`/`reset` from the provider: no more than `remaining` requests
                  (tokens) go out before the reset; a 429's Retry-After pauses everyone
    budget        a request whose estimated cost would pass `max_cost` is refused

`acquire()` blocks only for a concurrency slot; it reserves the buckets and returns how long
the caller must still sleep (`Grant.delay_s`), so a remote caller (`PacerServer`) sleeps in
its own process. Every figure is plain data, so a `Grant` crosses a socket as it is.

Why not a library: pyrate-limiter, limits and aiolimiter are good fixed-rate buckets, but
none adapts its rate to response headers, and concurrency, AIMD and the cost budget would
still need this lock around them; GCRA is twenty lines.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ucop.errors import ConfigError
from ucop.providers.ratelimit_headers import Limit, RateInfo


@dataclass(frozen=True)
class PacingLimits:
    """What the pacer enforces; None means no such limit."""

    max_concurrent: int
    requests_per_minute: float | None = None
    tokens_per_minute: float | None = None
    max_cost: float | None = None
    adaptive: bool = True  # AIMD and headers; False is a plain cap (the behaviour before 0.x)

    def __post_init__(self) -> None:
        if self.max_concurrent < 1:
            raise ConfigError(
                f"max_concurrent_requests: must be at least 1, got {self.max_concurrent}"
            )


@dataclass(frozen=True)
class Grant:
    """The answer to `acquire`: start after `delay_s`, or `refused` says why not."""

    ticket: int = 0
    delay_s: float = 0.0
    refused: str = ""  # "" | "timeout" | "budget"
    detail: str = ""


@dataclass(frozen=True)
class Outcome:
    """What happened to a granted request, for `release`."""

    ticket: int
    estimated_tokens: int = 0
    used_tokens: int | None = None  # None: unknown (failed); the estimate stands
    reserved_cost: float = 0.0
    cost: float = 0.0
    rate_limited: bool = False
    retry_after: float | None = None
    info: RateInfo | None = None


class Bucket:
    """A token bucket as GCRA: `rate` units per second, up to `burst` units at once."""

    def __init__(self, rate: float, burst: float = 0.0) -> None:
        self.rate = rate
        self.tolerance = burst / rate
        self.tat = -math.inf  # theoretical arrival time of the next unit

    def earliest(self, now: float) -> float:
        return max(now, self.tat - self.tolerance)

    def take(self, units: float, start: float) -> None:
        self.tat = max(self.tat, start) + units / self.rate

    def give_back(self, units: float) -> None:
        self.tat -= units / self.rate


@dataclass
class HeaderBudget:
    """What the provider last said is left before its reset, less what was sent since."""

    left: float | None = None
    until: float = -math.inf

    def update(self, limit: Limit, sent_since: float, now: float) -> None:
        if limit.remaining is None or limit.reset_s is None:
            return
        until = now + limit.reset_s
        left = limit.remaining - sent_since
        if self.left is None or until > self.until + 0.05:  # a new window began
            self.left, self.until = left, until
        else:
            self.left = min(self.left, left)

    def wait_until(self, units: float, now: float) -> float:
        """When `units` more may go: now, or at the reset when too little is left."""
        if self.left is None or now >= self.until:
            self.left = None
            return now
        return now if self.left >= units else self.until


@dataclass
class Stats:
    requests: int = 0
    rate_limited: int = 0
    window_cuts: int = 0
    delayed_s: float = 0.0
    spent: float = 0.0


class Pacer:
    """Concurrency, rate and budget limits for every call that shares this object."""

    def __init__(self, limits: PacingLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self.window = float(limits.max_concurrent)
        self.in_flight = 0
        self.stats = Stats()
        self._cond = threading.Condition()
        self._issued = 0
        self._cut_at = 0  # tickets issued before the last cut cannot cut again
        self._hold_until = -math.inf
        self._reserved_cost = 0.0
        self._budget_hit = False
        rpm, tpm = limits.requests_per_minute, limits.tokens_per_minute
        self.requests = Bucket(rpm / 60.0) if rpm else None
        self.tokens = Bucket(tpm / 60.0, burst=tpm / 60.0) if tpm else None
        self._request_headers = HeaderBudget()
        self._token_headers = HeaderBudget()
        self._sent_tokens = 0.0

    def acquire(self, tokens: int = 0, cost: float = 0.0, timeout: float = 60.0) -> Grant:
        """Wait for a slot, reserve the rate limits; the grant says how long still to wait."""
        with self._cond:
            refusal = self._over_budget(cost)
            if refusal:
                return Grant(refused="budget", detail=refusal)
            deadline = self.clock() + max(timeout, 0.0)
            while self.in_flight >= self._slots():
                left = deadline - self.clock()
                if left <= 0:
                    detail = f"{self.in_flight} requests already in flight"
                    return Grant(refused="timeout", detail=detail)
                self._cond.wait(left)
            now = self.clock()
            start = self._start(tokens, now)
            if start > deadline:
                detail = f"the rate limit allows it in {start - now:.1f}s"
                return Grant(refused="timeout", detail=detail)
            return self._grant(tokens, cost, start, now)

    def release(self, outcome: Outcome) -> None:
        """Free the slot; learn from the answer (usage, 429, headers)."""
        with self._cond:
            self.in_flight -= 1
            self._reserved_cost -= outcome.reserved_cost
            self.stats.spent += outcome.cost
            if outcome.used_tokens is not None and self.tokens is not None:
                self.tokens.give_back(outcome.estimated_tokens - outcome.used_tokens)
            if self.limits.adaptive:
                self._learn(outcome, self.clock())
            self._cond.notify_all()

    def snapshot(self) -> dict[str, float | int | bool]:
        """Figures for reports: requests, 429s, window now, cuts, time spent delayed, spent."""
        with self._cond:
            return {
                "requests": self.stats.requests,
                "rate_limited": self.stats.rate_limited,
                "window": round(self.window, 2),
                "window_cuts": self.stats.window_cuts,
                "delayed_s": round(self.stats.delayed_s, 3),
                "spent": self.stats.spent,
                "budget_stopped": self._budget_hit,
            }

    def _slots(self) -> int:
        return max(1, int(self.window)) if self.limits.adaptive else self.limits.max_concurrent

    def _over_budget(self, cost: float) -> str:
        limit = self.limits.max_cost
        if limit is None:
            return ""
        if self._budget_hit:
            return f"an earlier call was stopped at the budget of ${limit:g}"
        committed = self.stats.spent + self._reserved_cost
        if committed + cost > limit:
            self._budget_hit = True
            return f"${committed:.4f} spent or committed, next call ~${cost:.4f}, budget ${limit:g}"
        return ""

    def _start(self, tokens: int, now: float) -> float:
        start = max(now, self._hold_until)
        if self.requests is not None:
            start = max(start, self.requests.earliest(now))
        if self.tokens is not None:
            start = max(start, self.tokens.earliest(now))
        if self.limits.adaptive:
            start = max(start, self._request_headers.wait_until(1, now))
            start = max(start, self._token_headers.wait_until(tokens, now))
        return start

    def _grant(self, tokens: int, cost: float, start: float, now: float) -> Grant:
        if self.requests is not None:
            self.requests.take(1, start)
        if self.tokens is not None:
            self.tokens.take(tokens, start)
        for budget, units in ((self._request_headers, 1), (self._token_headers, tokens)):
            if budget.left is not None:
                budget.left -= units
        self._issued += 1
        self._sent_tokens += tokens
        self.in_flight += 1
        self._reserved_cost += cost
        self.stats.requests += 1
        self.stats.delayed_s += start - now
        return Grant(ticket=self._issued, delay_s=start - now)

    def _learn(self, outcome: Outcome, now: float) -> None:
        if outcome.rate_limited:
            self.stats.rate_limited += 1
            if outcome.retry_after:
                self._hold_until = max(self._hold_until, now + outcome.retry_after)
            if outcome.ticket > self._cut_at:  # one cut per round of requests
                self.window = max(1.0, self.window / 2)
                self._cut_at = self._issued
                self.stats.window_cuts += 1
        else:
            self.window = min(self.limits.max_concurrent, self.window + 1 / self.window)
        if outcome.info is not None:
            sent_since = self._issued - outcome.ticket
            self._request_headers.update(outcome.info.requests, sent_since, now)
            self._token_headers.update(outcome.info.tokens, 0, now)


@dataclass
class Usage:
    """What one run's calls used, counted where the answers arrive."""

    requests: int = 0
    rate_limited: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cached_tokens: int = 0
    cost: float = 0.0
    priced: bool = True  # False once a call's model had no price
    waited_s: float = 0.0
    budget_refused: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def as_dict(self) -> dict[str, float | int | bool | None]:
        with self._lock:
            return {
                "requests": self.requests,
                "rate_limited": self.rate_limited,
                "tokens_in": self.tokens_in,
                "tokens_out": self.tokens_out,
                "cached_tokens": self.cached_tokens,
                "cost": round(self.cost, 6) if self.priced else None,
                "paced_s": round(self.waited_s, 3),
            }


def limits_from_config(provider: Any, max_concurrent: int | None = None) -> PacingLimits:
    """The pacing limits in a `ProviderConfig`; `max_concurrent` overrides its request cap."""
    return PacingLimits(
        max_concurrent=max_concurrent or provider.max_concurrent_requests,
        requests_per_minute=provider.requests_per_minute if provider.pacing else None,
        tokens_per_minute=provider.tokens_per_minute if provider.pacing else None,
        max_cost=provider.max_cost,
        adaptive=provider.pacing,
    )
