"""Pick how a run shows its progress: the live table, a plain log, or nothing.

    with make_progress(console, mode="auto", clock=elapsed) as progress:
        bus.subscribe(progress)
        run(...)

`console` should write to stderr (`Console(stderr=True)`), so stdout stays free for output
that is piped elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Protocol

from rich.console import Console

from ucop.engine.events import Event
from ucop.ui.live import LiveTable
from ucop.ui.plain import PlainLog

MODES = ("auto", "live", "plain", "quiet")


def check_mode(mode: str) -> None:
    """Refuse an unknown --progress value (a usage error: exit 2, before anything runs)."""
    if mode not in MODES:
        from ucop.errors import UsageError

        raise UsageError(f"--progress {mode!r}: unknown mode - use one of {', '.join(MODES)}")


class Progress(Protocol):
    """An event subscriber that is also a context manager around the run."""

    def __call__(self, event: Event) -> None: ...

    def __enter__(self) -> Progress: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class QuietProgress:
    """Shows nothing while the run goes; the summary at the end is all the user sees."""

    def __call__(self, event: Event) -> None:
        return None

    def __enter__(self) -> QuietProgress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None


def resolve_mode(console: Console, mode: str) -> str:
    """`auto` becomes `live` on a terminal and `plain` otherwise (TERM=dumb included)."""
    check_mode(mode)
    if mode == "auto":
        return "live" if console.is_terminal and not console.is_dumb_terminal else "plain"
    return mode


def make_progress(console: Console, *, mode: str = "auto", clock: Callable[[], float]) -> Progress:
    """The progress display for `mode` ("auto", "live", "plain" or "quiet") on `console`.

    `clock` returns seconds since the run started; the live table uses it for elapsed times
    and retry countdowns between events.
    """
    chosen = resolve_mode(console, mode)
    if chosen == "live":
        return LiveTable(console, clock)
    if chosen == "plain":
        return PlainLog(console.file)
    return QuietProgress()
