"""What a running task sees: its inputs, its deadline, and a way to report retries and usage."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ucop.engine.events import Event, EventKind


@dataclass
class TaskContext:
    """Handed to a task body; everything in it is safe to use from the worker thread.

    `inputs` maps each dependency's name to its frozen output (a fan-out dependency maps to
    the tuple of its instances' outputs), or, when the task names its inputs (`Task.reads`),
    each of those names to its dependency's output. `item` and `index` are set for fan-out
    instances.
    `deadline` is a `time.monotonic()` value or None; pass the time left down as the HTTP
    timeout so an abandoned thread also ends on its own.
    """

    name: str
    agent: str
    inputs: Mapping[str, Any]
    deadline: float | None = None
    item: Any = None
    index: int | None = None
    max_attempts: int = 1
    cancel_event: threading.Event = field(default_factory=threading.Event)
    emit: Callable[[Event], None] = lambda event: None
    elapsed: Callable[[], float] = lambda: 0.0
    clock: Callable[[], float] = time.monotonic
    attempts: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    retries: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    answers_kept: int = 0  # model answers used as written
    answers_replaced: int = 0  # model answers replaced (by the offline draft, say)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def sleep(self, seconds: float) -> None:
        """Sleep, but wake at once when the task is cancelled or timed out."""
        self.cancel_event.wait(seconds)

    def time_left(self) -> float | None:
        """Seconds until the deadline (never negative), or None when there is none."""
        if self.deadline is None:
            return None
        return max(0.0, self.deadline - self.clock())

    def record_call(self, attempts: int, tokens_in: int = 0, tokens_out: int = 0) -> None:
        """Account one model call that took `attempts` tries and used these tokens."""
        with self._lock:
            self.attempts += attempts
            self.tokens_in += tokens_in
            self.tokens_out += tokens_out

    def warn(self, kind: str, message: str, **details: Any) -> None:
        """Record that the task degraded (took a fallback, say) but still produced its output.

        Each warning is a dict with `kind`, `agent` (this task's name) and `message`; the run
        report lists them all under `warnings`.
        """
        with self._lock:
            self.warnings.append({"kind": kind, "agent": self.name, "message": message, **details})

    def record_answer(self, kept: bool) -> None:
        """Count one model answer as used or replaced; a replaced one keeps the output uncached,
        so `--resume` asks the model again for that part."""
        with self._lock:
            if kept:
                self.answers_kept += 1
            else:
                self.answers_replaced += 1

    def record_retry(self, attempt: int, wait_s: float, error: BaseException) -> None:
        """Report that `attempt` failed and the next one starts in `wait_s` seconds."""
        message = str(error) or type(error).__name__
        at = self.elapsed()
        with self._lock:
            self.retries.append(
                {"at_s": round(at, 4), "wait_s": round(wait_s, 4), "error": message}
            )
        self.emit(
            Event(
                EventKind.RETRYING,
                self.name,
                at,
                attempt=attempt + 1,
                max_attempts=self.max_attempts,
                wait_s=wait_s,
                error=message,
            )
        )
