"""The one limiter every model call of a run (or a whole batch) goes through.

A `Pacer` decides when a request may start. It combines, in one lock:

    concurrency   at most `window` requests in flight; `window` follows AIMD: halved on a
                  429, then +1 per window of successes, never above `max_concurrent`; and
                  at most what the server really runs at once (`ThroughputLimiter`, learnt
                  from tokens/s against requests in flight, capped by reported slots)
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
from dataclasses import dataclass
from typing import Any

from ucop.errors import ConfigError
from ucop.providers.affinity import Lineup, Waiter
from ucop.providers.concurrency import Sample, ThroughputLimiter
from ucop.providers.ratelimit_headers import Limit, RateInfo
from ucop.providers.usage import Usage

__all__ = ["Grant", "Outcome", "Pacer", "PacingLimits", "Usage", "limits_from_config"]


@dataclass(frozen=True)
class PacingLimits:
    """What the pacer enforces; None means no such limit."""

    max_concurrent: int
    requests_per_minute: float | None = None
    tokens_per_minute: float | None = None
    max_cost: float | None = None
    adaptive: bool = True  # AIMD and headers; False is a plain cap (the behaviour before 0.x)
    # The longest wait a server's Retry-After or limit reset may impose (like the retry
    # policy's retry_after_cap_s): a reset "in 8760h" must not stop a run for a year.
    max_wait_s: float = 60.0
    probe_first: bool = True  # without rates: one request first, to read the limit headers

    @classmethod
    def cap_only(cls, max_concurrent: int, max_cost: float | None = None) -> PacingLimits:
        """Pacing off (`--no-pacing`): a plain cap on requests in flight, and the budget."""
        return cls(max_concurrent, max_cost=max_cost, adaptive=False)

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
    output_tokens: int | None = None  # the answer's, for the concurrency limiter
    input_tokens: int = 0


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


SAME_RESET_S = 0.05  # resets this close together are the same window's
ROLL_MARGIN = 0.05  # a guessed window is taken this much longer than the longest reset seen


@dataclass
class HeaderBudget:
    """What the provider last said is left before its reset, less what was sent since.

    At the reset the budget refills to the reported limit and the next reset is guessed one
    window later (the longest reset seen approximates the window, plus a small margin), until
    an answer from the new window says more.
    """

    left: float | None = None
    until: float = -math.inf  # when the budget refills (reported, or guessed after a roll)
    reported: float = -math.inf  # the last reset the provider reported
    limit: float | None = None
    span: float = 0.0
    guess: bool = True  # False when a configured rate paces this limit already

    def update(self, limit: Limit, sent_since: float, now: float, cap: float = math.inf) -> None:
        """Learn from one answer's figures; a reset further off than `cap` counts as `cap`."""
        if limit.remaining is None or limit.reset_s is None:
            return
        reset = min(limit.reset_s, cap)
        until = now + reset
        self.limit = limit.limit if limit.limit is not None else self.limit
        self.span = max(self.span, reset)
        left = limit.remaining - sent_since
        if self.left is None or until > self.reported + SAME_RESET_S:  # a new window
            self.left, self.until, self.reported = left, until, until
        elif until > self.reported - SAME_RESET_S:  # older windows' answers are stale
            self.left = min(self.left, left)

    def wait_until(self, units: float, now: float) -> float:
        """When `units` more may go: now, or at the reset when too little is left."""
        self._roll(now)
        if self.left is None or self.left >= units:
            return now
        return self.until

    def take(self, units: float, start: float) -> None:
        """Count `units` sent at `start` (a start at or after the reset is the next window's)."""
        self._roll(start)
        if self.left is not None:
            self.left -= units

    def _roll(self, now: float) -> None:
        if self.left is None or now < self.until:
            return
        if not self.guess or self.limit is None or self.span <= 0:
            self.left = None
            return
        step = self.span * (1 + ROLL_MARGIN)
        windows = math.floor((now - self.until) / step) + 1
        self.left, self.until = float(self.limit), self.until + windows * step


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
        # No burst: evenly spaced starts never put more than one request's worth over the
        # limit into any window, which a fixed-window limit needs.
        self.tokens = Bucket(tpm / 60.0) if tpm else None
        self._request_headers = HeaderBudget(guess=not rpm)
        self._token_headers = HeaderBudget(guess=not tpm)
        self._token_ratio = 1.0  # actual / estimated tokens, learnt from the answers
        self._reserved_tokens: dict[int, float] = {}
        self._issued_tokens = 0.0
        self._tokens_at: dict[int, float] = {}  # ticket -> tokens issued up to and with it
        # Without configured rates, one request goes first: its answer's headers say what the
        # limits are before the whole window goes out at once (like TCP's slow start).
        self._probing = limits.adaptive and limits.probe_first and not (rpm or tpm)
        self.limiter = ThroughputLimiter(limits.max_concurrent)
        # With configured rates (a hosted API) the limiter only measures, for the speedup.
        self._measure_only = not (limits.probe_first and not (rpm or tpm))
        self._area = 0.0  # integral of requests in flight over time, for averages per call
        self._area_at = clock()
        # ticket -> (time, in-flight integral, limit) at grant
        self._started: dict[int, tuple[float, float, int]] = {}
        # which waiting request goes next: the one the server has most of in its cache
        self.lineup = Lineup()
        # ticket -> its prompt's prefix key, and the fraction the server had not just read
        self._keys: dict[int, tuple[tuple[str, ...], float]] = {}

    def set_slots(self, slots: int | None) -> None:
        """The parallel slots the server reports (llama-server's /props): a hard cap."""
        with self._cond:
            self.limiter = ThroughputLimiter(self.limits.max_concurrent, slots)

    @property
    def parallelism(self) -> float:
        """Requests the server serves at once, as measured (infinite: no sign of a queue)."""
        with self._cond:
            return self.limiter.parallelism

    def acquire(
        self,
        tokens: int = 0,
        cost: float = 0.0,
        timeout: float = 60.0,
        prefix: tuple[str, ...] | list[str] = (),
    ) -> Grant:
        """Wait for a slot, reserve the rate limits; the grant says how long still to wait.

        `tokens` is the caller's estimate; the pacer scales it by what answers have used
        compared with their estimates, so a steady over-estimate does not slow the run.
        `prefix` is the prompt's `affinity.prefix_key`: among waiting requests, the one the
        server has most of in its cache goes first (`affinity.Lineup`).
        """
        with self._cond:
            refusal = self._over_budget(cost)
            if refusal:
                return Grant(refused="budget", detail=refusal)
            deadline = self.clock() + max(timeout, 0.0)
            waiter = self.lineup.join(prefix)
            try:
                while not self._may_start(waiter):
                    now = self.clock()
                    left = deadline - now
                    if left <= 0:
                        detail = f"{self.in_flight} requests already in flight"
                        return Grant(refused="timeout", detail=detail)
                    self._cond.wait(self.lineup.wait_s(left, now))
                now = self.clock()
                tokens = round(tokens * self._token_ratio)
                start = self._start(tokens, now)
                if start > deadline:
                    detail = f"the rate limit allows it in {start - now:.1f}s"
                    return Grant(refused="timeout", detail=detail)
                unread = self.lineup.started(waiter)
                grant = self._grant(tokens, cost, start, now)
                self._keys[grant.ticket] = (waiter.key, unread)
                return grant
            finally:
                self.lineup.leave(waiter)
                self._cond.notify_all()  # the next in line may be someone else now

    def _may_start(self, waiter: Waiter) -> bool:
        slots = self._slots()
        if self.in_flight >= slots:
            return False
        return self.lineup.turn(waiter, self.clock(), last_slot=self.in_flight + 1 >= slots)

    def release(self, outcome: Outcome) -> None:
        """Free the slot; learn from the answer (usage, 429, headers)."""
        with self._cond:
            began = self._started.get(outcome.ticket)
            now = self.clock()
            key, unread = self._keys.pop(outcome.ticket, ((), 1.0))
            self.lineup.ended(key, now - began[0] if began else 0.0, now)
            self._observe(outcome, unread)
            self.in_flight -= 1
            self._reserved_cost -= outcome.reserved_cost
            self.stats.spent += outcome.cost
            reserved = self._reserved_tokens.pop(outcome.ticket, 0.0)
            if outcome.used_tokens is not None:
                if self.tokens is not None:
                    self.tokens.give_back(reserved - outcome.used_tokens)
                self._learn_ratio(outcome)
            if self.limits.adaptive:
                self._learn(outcome, self.clock())
            self._cond.notify_all()

    def snapshot(self) -> dict[str, Any]:
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
                "concurrency": {**self.limiter.snapshot(), "lineup": self.lineup.snapshot()},
            }

    def _slots(self) -> int:
        if not self.limits.adaptive:
            return self.limits.max_concurrent
        window = int(self.window)
        if self._measure_only:  # configured rates: a hosted API, paced by those
            return 1 if self._probing else max(1, window)
        return 1 if self._probing else max(1, min(window, self.limiter.limit))

    def _tally(self, now: float) -> float:
        """Bring the in-flight integral up to `now`; return it."""
        self._area += self.in_flight * max(0.0, now - self._area_at)
        self._area_at = max(self._area_at, now)
        return self._area

    def _observe(self, outcome: Outcome, unread: float = 1.0) -> None:
        """Feed an answered call's tokens/s and average requests in flight to the limiter;
        its input tokens are those the server had not just read (`unread` of them)."""
        now = self.clock()
        area = self._tally(now)
        started = self._started.pop(outcome.ticket, None)
        if started is None or outcome.rate_limited or not outcome.output_tokens:
            return
        begun, area_then, level = started
        if now > begun:
            in_flight = (area - area_then) / (now - begun)
            tokens_in = round(outcome.input_tokens * unread)
            sample = Sample(begun, now, tokens_in, outcome.output_tokens, in_flight, level)
            self.limiter.observe(sample)

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
        self._request_headers.take(1, start)
        self._token_headers.take(tokens, start)
        self._issued += 1
        self._started[self._issued] = (now, self._tally(now), self._slots())
        self._reserved_tokens[self._issued] = tokens
        self._issued_tokens += tokens
        self._tokens_at[self._issued] = self._issued_tokens
        self.in_flight += 1
        self._reserved_cost += cost
        self.stats.requests += 1
        self.stats.delayed_s += start - now
        return Grant(ticket=self._issued, delay_s=start - now)

    def _learn_ratio(self, outcome: Outcome) -> None:
        """Move the estimate scale half way to this answer's ratio (kept within 0.2 to 2)."""
        if not outcome.estimated_tokens or not outcome.used_tokens:
            return
        ratio = outcome.used_tokens / outcome.estimated_tokens
        learnt = 0.5 * self._token_ratio + 0.5 * ratio
        self._token_ratio = min(2.0, max(0.2, learnt))

    def _learn(self, outcome: Outcome, now: float) -> None:
        self._probing = False
        tokens_then = self._tokens_at.pop(outcome.ticket, self._issued_tokens)
        if outcome.rate_limited:
            self.stats.rate_limited += 1
            if outcome.retry_after:
                wait = min(outcome.retry_after, self.limits.max_wait_s)
                self._hold_until = max(self._hold_until, now + wait)
            if outcome.ticket > self._cut_at:  # one cut per round of requests
                self.window = max(1.0, self.window / 2)
                self._cut_at = self._issued
                self.stats.window_cuts += 1
        else:
            self.window = min(self.limits.max_concurrent, self.window + 1 / self.window)
        if outcome.info is not None:
            sent_since = self._issued - outcome.ticket
            cap = self.limits.max_wait_s
            self._request_headers.update(outcome.info.requests, sent_since, now, cap)
            tokens_since = self._issued_tokens - tokens_then
            self._token_headers.update(outcome.info.tokens, tokens_since, now, cap)
            self._derive_rate()

    def _derive_rate(self) -> None:
        """Without a configured request rate, pace at what the headers imply: the reported
        limit per window, the window taken as the longest reset seen. That is never slower
        than the real rate (a reset is never longer than its window)."""
        budget = self._request_headers
        if self.limits.requests_per_minute or not budget.limit or budget.span <= 0:
            return
        rate = budget.limit / budget.span
        budget.guess = False  # the rate paces now; the budget only acts on what is reported
        if self.requests is None or abs(self.requests.rate - rate) > 1e-9:
            tat = self.requests.tat if self.requests is not None else -math.inf
            self.requests = Bucket(rate)
            self.requests.tat = tat


def limits_from_config(provider: Any, max_concurrent: int | None = None) -> PacingLimits:
    """The pacing limits in a `ProviderConfig`; `max_concurrent` overrides its request cap."""
    if not provider.pacing:
        return PacingLimits.cap_only(
            max_concurrent or provider.max_concurrent_requests, provider.max_cost
        )
    return PacingLimits(
        max_concurrent=max_concurrent or provider.max_concurrent_requests,
        requests_per_minute=provider.requests_per_minute,
        tokens_per_minute=provider.tokens_per_minute,
        max_cost=provider.max_cost,
    )
