"""The provider wrapper that paces every call through a shared `Pacer` and counts usage.

    provider = PacedProvider(inner, Pacer(PacingLimits(8, requests_per_minute=500)), price)

Each call estimates its tokens and cost, waits for the pacer's grant (a slot, the rate
limits, the budget), makes one attempt, then tells the pacer what happened: the tokens the
answer reports, a 429 and its Retry-After, the provider's rate-limit headers. Time spent
waiting counts against the request's `timeout_s`. With pacing off (`--no-pacing`) the same
wrapper and the same pacer only cap the requests in flight (`PacingLimits.cap_only`, `capped`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ucop.errors import BudgetExceeded, RateLimited, TransientError
from ucop.providers.affinity import prefix_key
from ucop.providers.base import Completion, CompletionRequest, Provider
from ucop.providers.cost import Price, estimate_input_tokens, estimate_output_tokens
from ucop.providers.pacer import Grant, Outcome, Pacer, PacingLimits
from ucop.providers.ratelimit_headers import observing
from ucop.providers.usage import Usage, checked, estimate_tokens


class PacedProvider:
    """A `Provider` whose calls go through `pacer`; `usage` counts what they used."""

    def __init__(
        self,
        inner: Provider,
        pacer: Any,  # a Pacer, or a RemotePacer for a batch on processes or Dask
        price: Price | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.inner = inner
        self.name = inner.name
        self.pacer = pacer
        self.price = price
        self.usage = Usage(priced=price is not None)
        self.usage.parallelism = lambda: getattr(pacer, "parallelism", math.inf)
        self.usage.structured = lambda: _structured(inner)
        self.usage.concurrency = lambda: _concurrency(pacer)
        self._clock = clock
        self._sleep = sleep

    def complete(self, request: CompletionRequest) -> Completion:
        tokens_in = estimate_input_tokens(request)
        tokens = tokens_in + estimate_output_tokens(request.max_tokens)
        cost = self._cost(tokens_in, estimate_output_tokens(request.max_tokens), 0)
        started = self._clock()
        key = prefix_key(request.messages, request.shared_prefix)
        grant = self.pacer.acquire(tokens, cost, max(request.timeout_s, 0.0), key)
        if grant.refused:
            raise self._refusal(grant, request)
        if grant.delay_s > 0:
            self._sleep(grant.delay_s)
        sent = self._clock()
        waited = sent - started
        with observing() as seen:
            try:
                completion = self.inner.complete(shortened(request, waited))
            except BaseException as exc:
                self.usage.note_call(sent, self._clock())
                self._failed(grant, tokens, cost, exc, seen)
                raise
        self.usage.note_call(sent, self._clock())
        completion, problem = checked(completion, request)
        if problem:
            self.usage.note_ignored(f"{self.name}: usage ignored, estimates used ({problem})")
        self._succeeded(grant, tokens, cost, completion, seen, waited, tokens_in)
        return completion

    def _refusal(self, grant: Grant, request: CompletionRequest) -> Exception:
        if grant.refused == "budget":
            with self.usage._lock:
                self.usage.budget_refused += 1
            return BudgetExceeded(
                # short: every unstarted agent shows it; the summary says once how to finish
                f"{self.name}: not started - it would pass the --max-cost budget ({grant.detail})",
                provider=self.name,
            )
        return TransientError(
            f"{self.name}: no free request slot within {request.timeout_s:g}s ({grant.detail})",
            provider=self.name,
        )

    def _failed(
        self, grant: Grant, tokens: int, cost: float, exc: BaseException, seen: list
    ) -> None:
        limited = isinstance(exc, RateLimited)
        with self.usage._lock:
            self.usage.requests += 1
            self.usage.rate_limited += int(limited)
        self.pacer.release(
            Outcome(
                ticket=grant.ticket,
                estimated_tokens=tokens,
                used_tokens=0 if limited else None,
                reserved_cost=cost,
                rate_limited=limited,
                retry_after=getattr(exc, "retry_after", None),
                info=seen[-1] if seen else None,
            )
        )

    def _succeeded(
        self,
        grant: Grant,
        tokens: int,
        cost: float,
        completion: Completion,
        seen: list,
        waited: float,
        tokens_in: int = 0,
    ) -> None:
        cached = getattr(completion, "cached_tokens", 0)
        used = completion.input_tokens + completion.output_tokens
        actual = self._cost(completion.input_tokens, completion.output_tokens, cached)
        with self.usage._lock:
            self.usage.requests += 1
            self.usage.tokens_in += completion.input_tokens
            self.usage.tokens_out += completion.output_tokens
            self.usage.cached_tokens += cached
            self.usage.cost += actual
            self.usage.waited_s += waited
        self.pacer.release(
            Outcome(
                ticket=grant.ticket,
                estimated_tokens=tokens,
                used_tokens=used or None,
                reserved_cost=cost,
                cost=actual,
                info=seen[-1] if seen else None,
                output_tokens=completion.output_tokens or estimate_tokens(completion.text),
                input_tokens=completion.input_tokens or tokens_in,
            )
        )

    def _cost(self, tokens_in: int, tokens_out: int, cached: int) -> float:
        return self.price.cost(tokens_in, tokens_out, cached) if self.price else 0.0

    def close(self) -> None:
        """Close the wrapped provider if it holds resources."""
        close = getattr(self.inner, "close", None)
        if callable(close):
            close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.inner!r})"


def _structured(provider: Any) -> dict[str, Any] | None:
    """The structured-output forms the innermost HTTP provider learnt, if it has any."""
    while provider is not None:
        structured = getattr(provider, "structured", None)
        if structured is not None and hasattr(structured, "as_dict"):
            return dict(structured.as_dict())
        provider = getattr(provider, "inner", None)
    return None


def _concurrency(pacer: Any) -> Any:
    snapshot = getattr(pacer, "snapshot", None)
    return snapshot().get("concurrency") if callable(snapshot) else None


def paced(provider: Provider, config: Any, model: str, pacer: Any = None) -> PacedProvider:
    """`provider` paced by `pacer`, or by a new one built from `config` (a ProviderConfig)."""
    from ucop.providers.cost import find_price
    from ucop.providers.pacer import limits_from_config

    prices = {name: entry.model_dump() for name, entry in config.prices.items()}
    price = find_price(provider.name, model, prices)
    if pacer is None:
        pacer = Pacer(limits_from_config(config))
        if pacer.limits.adaptive and (base_url := _base_url(provider)):
            from ucop.providers.slots import read_slots

            pacer.set_slots(read_slots(base_url))
    return PacedProvider(provider, pacer, price)


def _base_url(provider: Any) -> str | None:
    """The HTTP server the innermost provider talks to, if any."""
    while provider is not None:
        url = getattr(provider, "base_url", None)
        if isinstance(url, str) and url:
            return url
        provider = getattr(provider, "inner", None)
    return None


def capped(
    provider: Provider,
    max_concurrent: int | None,
    *,
    clock: Callable[[], float] = time.monotonic,
) -> Provider:
    """`provider` with at most `max_concurrent` calls in flight (the pacer with pacing off);
    unchanged when `max_concurrent` is None."""
    if max_concurrent is None:
        return provider
    return PacedProvider(provider, Pacer(PacingLimits.cap_only(max_concurrent)), clock=clock)


def shortened(request: CompletionRequest, waited: float) -> CompletionRequest:
    """`request` with the time already spent waiting for a slot taken off its timeout."""
    if waited <= 0:
        return request
    return replace(request, timeout_s=max(request.timeout_s - waited, 0.001))
