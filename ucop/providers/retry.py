"""Retries for model calls, built from small tenacity strategies.

The only place ucop retries. A wait is the server's `Retry-After` (capped) plus full jitter,
so that parallel agents told to come back in one second do not all come back in the same
millisecond. Only `TransientError` (which includes `RateLimited` and `UnusableOutput`) is
retried. Retrying stops after `max_attempts`, when the next wait would pass the deadline, or
when the caller says the run was cancelled; the last error is then raised as itself.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar, overload

import tenacity
from tenacity.stop import stop_base
from tenacity.wait import wait_base

from ucop.errors import ConfigError, TransientError
from ucop.providers.base import Completion, CompletionRequest, Provider

T = TypeVar("T")
OnRetry = Callable[[int, float, BaseException], None]
_SHARED_RNG = random.Random()


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: attempts in total, backoff window growth and caps, in seconds."""

    max_attempts: int = 4
    base_s: float = 0.5
    max_backoff_s: float = 20.0
    retry_after_cap_s: float = 60.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ConfigError(f"retry.max_attempts: must be at least 1, got {self.max_attempts}")


class wait_retry_after(wait_base):  # noqa: N801 - named like tenacity's own strategies
    """Wait what the server asked for in `Retry-After`, at most `cap` seconds; 0 if it did not.

    Add a jittered strategy to it so callers that got the same answer spread out.
    """

    def __init__(self, cap: float) -> None:
        self.cap = cap

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        outcome = retry_state.outcome
        error = outcome.exception() if outcome is not None else None
        asked = getattr(error, "retry_after", None)
        return min(float(asked), self.cap) if asked else 0.0


class wait_full_jitter(tenacity.wait_random_exponential):  # noqa: N801
    """tenacity's full-jitter exponential wait, drawing from an injectable `random.Random`."""

    def __init__(self, multiplier: float, max: float, rng: random.Random) -> None:  # noqa: A002
        super().__init__(multiplier=multiplier, max=max)
        self.rng = rng

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        high = tenacity.wait_exponential.__call__(self, retry_state)
        return self.rng.uniform(self.min, high)


class stop_before_deadline(stop_base):  # noqa: N801
    """Stop when sleeping the upcoming wait would reach `deadline` (a `clock()` value)."""

    def __init__(self, deadline: float, clock: Callable[[], float]) -> None:
        self.deadline = deadline
        self.clock = clock

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        return self.clock() + retry_state.upcoming_sleep >= self.deadline


class stop_when(stop_base):  # noqa: N801
    """Stop as soon as `predicate()` is true, e.g. when the run was cancelled."""

    def __init__(self, predicate: Callable[[], bool]) -> None:
        self.predicate = predicate

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        return self.predicate()


def wait_for(policy: RetryPolicy, rng: random.Random) -> wait_base:
    """The policy's wait: capped `Retry-After` plus full-jitter exponential backoff."""
    jitter = wait_full_jitter(multiplier=policy.base_s, max=policy.max_backoff_s, rng=rng)
    return wait_retry_after(policy.retry_after_cap_s) + jitter


def stop_for(
    policy: RetryPolicy,
    deadline: float | None,
    cancelled: Callable[[], bool] | None,
    clock: Callable[[], float],
) -> stop_base:
    """The policy's stop: attempts used up, or past the deadline, or cancelled."""
    stop: stop_base = tenacity.stop_after_attempt(policy.max_attempts)
    if deadline is not None:
        stop = stop | stop_before_deadline(deadline, clock)
    if cancelled is not None:
        stop = stop | stop_when(cancelled)
    return stop


@overload
def call_with_retries(
    provider: Provider,
    request: CompletionRequest,
    policy: RetryPolicy = ...,
    *,
    parse: None = None,
    deadline: float | None = ...,
    on_retry: OnRetry | None = ...,
    cancelled: Callable[[], bool] | None = ...,
    sleep: Callable[[float], None] = ...,
    clock: Callable[[], float] = ...,
    rng: random.Random | None = ...,
) -> tuple[Completion, int]: ...


@overload
def call_with_retries(
    provider: Provider,
    request: CompletionRequest,
    policy: RetryPolicy = ...,
    *,
    parse: Callable[[str], T],
    deadline: float | None = ...,
    on_retry: OnRetry | None = ...,
    cancelled: Callable[[], bool] | None = ...,
    sleep: Callable[[float], None] = ...,
    clock: Callable[[], float] = ...,
    rng: random.Random | None = ...,
) -> tuple[Completion, T, int]: ...


def call_with_retries(
    provider: Provider,
    request: CompletionRequest,
    policy: RetryPolicy = RetryPolicy(),  # noqa: B008 - frozen, so sharing it is safe
    *,
    parse: Callable[[str], Any] | None = None,
    deadline: float | None = None,
    on_retry: OnRetry | None = None,
    cancelled: Callable[[], bool] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    rng: random.Random | None = None,
) -> tuple[Completion, int] | tuple[Completion, Any, int]:
    """Call `provider` until it answers, retrying transient failures; return what it said.

    Returns `(completion, attempts)`, or `(completion, parsed, attempts)` when `parse` is
    given: `parse(completion.text)` runs inside each attempt, so an `UnusableOutput` it raises
    is retried like a network error. `attempts` counts calls made to the provider.
    `deadline` is a `clock()` value; each attempt's `timeout_s` is cut to fit before it.
    `on_retry(failed_attempt, wait_s, error)` is called before each wait. `cancelled` is
    checked after each failure and again after each wait; once true, no more attempts are
    made (pass a `sleep` that wakes on cancellation, such as `threading.Event().wait`, to
    cut a long wait short). The last error is raised as itself, never as tenacity's
    `RetryError`.
    """
    calls = 0
    last_error: TransientError | None = None

    def attempt() -> tuple[Completion, Any]:
        nonlocal calls, last_error
        if last_error is not None and cancelled is not None and cancelled():
            raise last_error  # cancelled while waiting: stop with the error that made us wait
        try:
            timed = _fit_to_deadline(request, deadline, clock, provider.name)
            calls += 1
            completion = provider.complete(timed)
            return completion, parse(completion.text) if parse is not None else None
        except TransientError as error:
            last_error = error
            raise

    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception_type(TransientError),
        wait=wait_for(policy, rng or _SHARED_RNG),
        stop=stop_for(policy, deadline, cancelled, clock),
        sleep=sleep,
        before_sleep=_reporter(on_retry),
        reraise=True,
    )
    completion, parsed = retrying(attempt)
    return (completion, calls) if parse is None else (completion, parsed, calls)


def _fit_to_deadline(
    request: CompletionRequest,
    deadline: float | None,
    clock: Callable[[], float],
    provider: str,
) -> CompletionRequest:
    if deadline is None:
        return request
    remaining = deadline - clock()
    if remaining <= 0:
        raise TransientError(
            f"{provider}: deadline passed {-remaining:.1f}s ago before the model call started",
            provider=provider,
        )
    if remaining >= request.timeout_s:
        return request
    return replace(request, timeout_s=remaining)


def _reporter(on_retry: OnRetry | None) -> Callable[[tenacity.RetryCallState], None] | None:
    if on_retry is None:
        return None

    def report(retry_state: tenacity.RetryCallState) -> None:
        outcome = retry_state.outcome
        error = outcome.exception() if outcome is not None else None
        if error is not None:
            on_retry(retry_state.attempt_number, retry_state.upcoming_sleep, error)

    return report
