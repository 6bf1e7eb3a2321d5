"""One plain line per engine event, for when stderr is a log file or a pipe.

No colour and no cursor moves, so the output reads the same in CI logs and `less`:

    [  1.23s] section_writer[2]    started   attempt 1/4
    [  2.10s] outline_planner      retrying  in 1.7s (429 rate limited)
    [  3.40s] section_writer[2]    done      in 2.17s · tokens 1,200 in / 340 out

The small formatters here are shared by the live table and the summary.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from types import TracebackType
from typing import IO, Any

from ucop.engine.events import Event, EventKind

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
NAME_WIDTH = 20
WORDS = {
    EventKind.RUN_STARTED: "started",
    EventKind.QUEUED: "queued",
    EventKind.STARTED: "started",
    EventKind.RETRYING: "retrying",
    EventKind.FINISHED: "done",
    EventKind.CACHED: "cached",
    EventKind.FAILED: "failed",
    EventKind.TIMED_OUT: "timed out",
    EventKind.SKIPPED: "skipped",
    EventKind.CANCELLED: "cancelled",
    EventKind.EXPANDED: "expanded",
    EventKind.RUN_FINISHED: "finished",
}
ENDINGS = (EventKind.FINISHED, EventKind.FAILED, EventKind.TIMED_OUT, EventKind.CANCELLED)


def clean_text(text: object, limit: int = 160) -> str:
    """One printable line: control characters (escape codes, newlines) become one space."""
    line = _CONTROL.sub(" ", str(text)).strip()
    return line if len(line) <= limit else line[: limit - 1] + "…"


def format_seconds(seconds: float | None, digits: int = 2) -> str:
    """`1.23s`; a dash when unknown."""
    return "—" if seconds is None else f"{seconds:.{digits}f}s"


def format_tokens(tokens_in: int, tokens_out: int) -> str:
    """`1,200 in / 340 out`."""
    return f"{tokens_in:,} in / {tokens_out:,} out"


def format_attempt(attempt: int, max_attempts: int) -> str:
    """`2/4`, `2` when the maximum is unknown, empty before the first attempt."""
    if attempt <= 0:
        return ""
    return f"{attempt}/{max_attempts}" if max_attempts > 0 else str(attempt)


def describe_run(info: Mapping[str, Any]) -> str:
    """The RUN_STARTED data as `parallel · provider fake · model m · max parallel 4`."""
    parts = [str(info.get("mode", "?")), f"provider {info.get('provider', '?')}"]
    if info.get("model"):
        parts.append(f"model {info['model']}")
    parts.append(f"max parallel {info.get('max_parallel', '?')}")
    return " · ".join(clean_text(p) for p in parts)


class PlainLog:
    """An event subscriber that writes one line per event to a text stream; thread-safe."""

    def __init__(self, file: IO[str]) -> None:
        self._file = file
        self._starts: dict[str, float] = {}
        self._lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        with self._lock:
            line = self.format(event)
            self._file.write(line + "\n")
            self._file.flush()

    def __enter__(self) -> PlainLog:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        with self._lock:
            self._file.flush()

    def format(self, event: Event) -> str:
        """The line for `event` (without the newline); remembers start times for durations."""
        if event.kind is EventKind.STARTED and event.agent and event.agent not in self._starts:
            self._starts[event.agent] = event.t
        name = clean_text(event.agent or "run", 60)
        word = WORDS.get(event.kind, clean_text(event.kind.value))
        detail = self.detail(event)
        line = f"[{event.t:6.2f}s] {name:<{NAME_WIDTH}} {word:<9} {detail}"
        return line.rstrip()

    def detail(self, event: Event) -> str:
        kind, error = event.kind, clean_text(event.error or "")
        if kind is EventKind.RUN_STARTED:
            count = len(event.data.get("agents") or [])
            return f"{describe_run(event.data)} · {count} agents"
        if kind is EventKind.RUN_FINISHED:
            return f"status {clean_text(event.data.get('status', '?'))}"
        if kind is EventKind.STARTED:
            attempt = format_attempt(event.attempt, event.max_attempts)
            return f"attempt {attempt}" if attempt else ""
        if kind is EventKind.RETRYING:
            return f"in {format_seconds(event.wait_s, 1)}" + (f" ({error})" if error else "")
        if kind is EventKind.EXPANDED:
            return f"into {len(event.data.get('instances') or [])} instances"
        if kind in ENDINGS:
            return self.ending(event, error)
        return f"({error})" if error else ""

    def ending(self, event: Event, error: str) -> str:
        """`in 2.17s · tokens ...` for a finish, `after 2.17s: error` for the others."""
        start = self._starts.get(event.agent or "")
        took = format_seconds(None if start is None else event.t - start)
        if event.kind is EventKind.FINISHED:
            return f"in {took} · tokens {format_tokens(event.tokens_in, event.tokens_out)}"
        if start is None:
            return error
        return f"after {took}" + (f": {error}" if error else "")
