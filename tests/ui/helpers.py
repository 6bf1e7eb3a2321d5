"""A fake clock, a fixed-size console and a scripted run for the UI tests."""

from __future__ import annotations

import io

from rich.console import Console, RenderableType

from ucop.engine.events import Event, EventKind


class FakeClock:
    """Seconds since the run started, moved by hand."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def make_console(width: int = 120, height: int = 40) -> Console:
    return Console(
        file=io.StringIO(), width=width, height=height, color_system=None, force_terminal=False
    )


def render_text(renderable: RenderableType, width: int = 120, height: int = 40) -> str:
    """What `renderable` looks like printed on a plain console of this size."""
    console = make_console(width, height)
    console.print(renderable)
    return console.file.getvalue()  # type: ignore[attr-defined]


def line_of(text: str, name: str) -> str:
    """The one rendered line whose first cell is `name` (instances are indented)."""
    matches = [line for line in text.splitlines() if line.split() and line.split()[0] == name]
    assert len(matches) == 1, f"expected one line for {name!r} in:\n{text}"
    return matches[0]


def scripted_run() -> list[Event]:
    """A run with a retry, a fan-out of three, a failure, a skip and a finish with tokens."""
    kind = EventKind
    agents = ["outline_planner", "section_writer", "editor", "fact_checker"]
    info = {"mode": "parallel", "provider": "fake", "model": "fake-1", "max_parallel": 4}
    instances = [f"section_writer[{i}]" for i in (1, 2, 3)]
    return [
        Event(kind.RUN_STARTED, None, 0.0, data={**info, "agents": agents}),
        Event(kind.QUEUED, "outline_planner", 0.0),
        Event(kind.STARTED, "outline_planner", 0.1, attempt=1, max_attempts=4),
        Event(
            kind.RETRYING,
            "outline_planner",
            1.0,
            attempt=2,
            max_attempts=4,
            wait_s=3.0,
            error="429 rate limited",
        ),
        Event(kind.EXPANDED, "section_writer", 1.0, data={"instances": instances}),
        Event(kind.STARTED, "section_writer[1]", 1.0, attempt=1, max_attempts=4),
        Event(
            kind.FINISHED,
            "section_writer[1]",
            2.5,
            attempt=1,
            max_attempts=4,
            tokens_in=1200,
            tokens_out=340,
        ),
        Event(kind.STARTED, "section_writer[2]", 1.0, attempt=1, max_attempts=4),
        Event(kind.FAILED, "section_writer[2]", 1.5, attempt=1, error="HTTP 500 from provider"),
        Event(kind.QUEUED, "section_writer[3]", 1.5),
        Event(kind.SKIPPED, "fact_checker", 1.5, error="section_writer[2] failed"),
    ]
