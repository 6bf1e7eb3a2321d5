"""A cap on model requests in flight across a whole batch, wherever its articles run.

Each article already caps its own requests (`LimitedProvider`); `--max-requests` caps the sum
over every article running at once, on threads, processes or a Dask cluster. A cap is anything
with `acquire(timeout) -> bool` and `release()`:

    threads     a `threading.BoundedSemaphore`, shared by reference
    processes   a `multiprocessing.Manager` semaphore; its proxy pickles into each task
    dask        `DaskRequestCap`, a lease on a `distributed.Semaphore` held by the scheduler

`CappedProvider` holds one slot of the cap around each `complete()` call and counts the calls,
so the batch can report requests per article even without a cap.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, Protocol

from ucop.errors import TransientError
from ucop.providers.base import Completion, CompletionRequest, Provider

# Shortening the request's timeout by the time spent queueing is LimitedProvider's rule too.
from ucop.providers.limiter import shortened


class RequestCap(Protocol):
    """A counting semaphore: `threading.BoundedSemaphore` has exactly this shape."""

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool: ...

    def release(self) -> None: ...


class CappedProvider:
    """A `Provider` that takes a slot of `cap` (when given) around each call and counts calls."""

    def __init__(
        self,
        inner: Provider,
        cap: RequestCap | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.inner = inner
        self.name = inner.name
        self.cap = cap
        self.calls = 0
        self._lock = threading.Lock()
        self._clock = clock

    def complete(self, request: CompletionRequest) -> Completion:
        with self._lock:
            self.calls += 1
        if self.cap is None:
            return self.inner.complete(request)
        started = self._clock()
        if not self.cap.acquire(timeout=max(request.timeout_s, 0.0)):
            raise TransientError(
                f"{self.name}: no free batch request slot within {request.timeout_s:g}s "
                "(--max-requests reached across the batch)",
                provider=self.name,
            )
        try:
            return self.inner.complete(shortened(request, self._clock() - started))
        finally:
            self.cap.release()

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if callable(close):
            close()

    def __repr__(self) -> str:
        return f"CappedProvider({self.inner!r}, cap={self.cap!r})"


def thread_cap(max_requests: int) -> RequestCap:
    """The cap for articles on threads of this process."""
    return threading.BoundedSemaphore(max_requests)


def process_cap(manager: Any, max_requests: int) -> RequestCap:
    """The cap for articles in worker processes: a semaphore served by `manager`.

    `manager` is a started `multiprocessing.Manager()`; the proxy it returns pickles into
    each task and talks back to the manager's process, so all processes share one count.
    """
    return manager.BoundedSemaphore(max_requests)


class DaskRequestCap:
    """A lease on a scheduler-held `distributed.Semaphore` per request in flight.

    Pickles as its size and name. Call `bind()` in the task's own thread (or next to the
    client) for a copy that holds a live `distributed.Semaphore`: it finds its worker through
    a context variable that the article's agent threads do not inherit. A worker that dies
    holding leases loses them only until the scheduler's lease timeout
    (`distributed.scheduler.locks.lease-timeout`, 30 s by default).
    """

    def __init__(self, max_leases: int, name: str | None = None) -> None:
        self.max_leases = max_leases
        self.name = name or f"ucop-requests-{uuid.uuid4().hex[:12]}"
        self._semaphore: Any = None

    def __getstate__(self) -> tuple[int, str]:
        return (self.max_leases, self.name)

    def __setstate__(self, state: tuple[int, str]) -> None:
        self.max_leases, self.name = state
        self._semaphore = None

    def bind(self, client: Any = None) -> DaskRequestCap:
        """A copy with its own semaphore, registered through `client` or the current worker."""
        from distributed import Semaphore

        where = {"scheduler_rpc": client.scheduler, "loop": client.loop} if client else {}
        bound = DaskRequestCap(self.max_leases, self.name)
        bound._semaphore = Semaphore(max_leases=self.max_leases, name=self.name, **where)
        bound._semaphore.register()
        return bound

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        return bool(self._live().acquire(timeout=timeout if blocking else 0))

    def release(self) -> None:
        self._live().release()

    def unbind(self) -> None:
        """Stop this copy's lease refreshing; the semaphore stays on the scheduler."""
        callback = getattr(self._semaphore, "refresh_callback", None)
        if callback is not None:
            callback.stop()
        self._semaphore = None

    def close(self) -> None:
        """Remove the semaphore from the scheduler (the batch does this once, at the end)."""
        self._live().close()
        self._semaphore = None

    def _live(self) -> Any:
        if self._semaphore is None:
            raise RuntimeError(f"{self!r} is not bound - call bind() in the task's thread first")
        return self._semaphore

    def __repr__(self) -> str:
        return f"DaskRequestCap({self.max_leases}, name={self.name!r})"


def bind_cap(cap: RequestCap | None) -> RequestCap | None:
    """Make a cap that arrived in a task usable from the article's agent threads."""
    bind = getattr(cap, "bind", None)
    return bind() if callable(bind) else cap


def unbind_cap(cap: RequestCap | None) -> None:
    unbind = getattr(cap, "unbind", None)
    if callable(unbind):
        unbind()
