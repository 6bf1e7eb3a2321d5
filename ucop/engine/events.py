"""Engine events and the bus that delivers them to subscribers (live table, run report).

Events are emitted from the scheduler thread, except `retrying`, which comes from the worker
thread making the model call. Subscribers must therefore be thread-safe and quick.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class EventKind(str, Enum):
    RUN_STARTED = "run_started"  # data: mode, provider, max_parallel, agents (names)
    QUEUED = "queued"  # all dependencies finished; waiting for a free slot
    STARTED = "started"
    RETRYING = "retrying"  # attempt failed; wait_s until the next, error says why
    FINISHED = "finished"  # tokens_in/tokens_out set
    CACHED = "cached"  # output reused from the resume cache; the body did not run
    FAILED = "failed"  # error set
    TIMED_OUT = "timed_out"
    SKIPPED = "skipped"  # a dependency failed; error names it
    CANCELLED = "cancelled"  # fail-fast or Ctrl-C stopped it
    EXPANDED = "expanded"  # a fan-out agent became N instances; data: instances
    RUN_FINISHED = "run_finished"  # data: status


@dataclass(frozen=True)
class Event:
    kind: EventKind
    agent: str | None  # task name, e.g. "section_writer[2]"; None for run events
    t: float  # seconds since the run started
    attempt: int = 0
    max_attempts: int = 0
    wait_s: float | None = None
    error: str | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    data: Mapping[str, Any] = field(default_factory=dict)


Subscriber = Callable[[Event], None]


class EventBus:
    """Fan events out to subscribers; a failing subscriber never breaks the run."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Lock()

    def subscribe(self, subscriber: Subscriber) -> None:
        with self._lock:
            self._subscribers.append(subscriber)

    def __bool__(self) -> bool:
        """Whether anyone listens: with no subscriber, an event need not even be built."""
        return bool(self._subscribers)

    def emit(self, event: Event) -> None:
        for subscriber in self._subscribers:
            try:  # noqa: SIM105 - try/except is cheaper than suppress() on this hot path
                subscriber(event)
            except Exception:  # noqa: BLE001 - a display bug must not fail a run
                pass
