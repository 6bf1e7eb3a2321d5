"""A cap on simultaneous requests to one provider, separate from the cap on running agents.

Many agents may run at once while the provider (or the account's rate limit) only takes a few
requests at a time; `LimitedProvider` makes the extra callers queue here, before any bytes
go on the wire. Time spent queueing counts against the request's `timeout_s`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace

from ucop.errors import ConfigError, TransientError
from ucop.providers.base import Completion, CompletionRequest, Provider


class LimitedProvider:
    """A `Provider` that lets at most `max_concurrent` calls into `inner` at once."""

    def __init__(
        self,
        inner: Provider,
        max_concurrent: int,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_concurrent < 1:
            raise ConfigError(f"max_concurrent_requests: must be at least 1, got {max_concurrent}")
        self.inner = inner
        self.name = inner.name
        self.max_concurrent = max_concurrent
        self._slots = threading.BoundedSemaphore(max_concurrent)
        self._clock = clock

    def complete(self, request: CompletionRequest) -> Completion:
        started = self._clock()
        if not self._slots.acquire(timeout=max(request.timeout_s, 0.0)):
            raise TransientError(
                f"{self.name}: no free request slot within {request.timeout_s:g}s "
                f"({self.max_concurrent} requests already in flight)",
                provider=self.name,
            )
        try:
            waited = self._clock() - started
            return self.inner.complete(shortened(request, waited))
        finally:
            self._slots.release()

    def close(self) -> None:
        """Close the wrapped provider if it holds resources."""
        close = getattr(self.inner, "close", None)
        if callable(close):
            close()

    def __repr__(self) -> str:
        return f"LimitedProvider({self.inner!r}, max_concurrent={self.max_concurrent})"


def wrap_with_limit(provider: Provider, max_concurrent: int | None) -> Provider:
    """`provider` behind a request cap; unchanged when `max_concurrent` is None."""
    if max_concurrent is None:
        return provider
    return LimitedProvider(provider, max_concurrent)


def shortened(request: CompletionRequest, waited: float) -> CompletionRequest:
    """`request` with the time already spent waiting for a slot taken off its timeout."""
    if waited <= 0:
        return request
    return replace(request, timeout_s=max(request.timeout_s - waited, 0.001))
