from __future__ import annotations

import io
import threading

from tests.ui.helpers import scripted_run
from ucop.engine.events import Event, EventKind
from ucop.ui.plain import PlainLog, clean_text


def logged(events: list[Event]) -> list[str]:
    stream = io.StringIO()
    with PlainLog(stream) as log:
        for event in events:
            log(event)
    return stream.getvalue().splitlines()


def test_started_retrying_and_finished_lines_are_exact():
    lines = logged(
        [
            Event(EventKind.STARTED, "section_writer[2]", 1.23, attempt=1, max_attempts=4),
            Event(
                EventKind.RETRYING,
                "outline_planner",
                2.1,
                attempt=2,
                max_attempts=4,
                wait_s=1.7,
                error="429 rate limited",
            ),
            Event(EventKind.FINISHED, "section_writer[2]", 3.4, tokens_in=1200, tokens_out=340),
        ]
    )
    assert lines == [
        "[  1.23s] section_writer[2]    started   attempt 1/4",
        "[  2.10s] outline_planner      retrying  in 1.7s (429 rate limited)",
        "[  3.40s] section_writer[2]    done      in 2.17s · tokens 1,200 in / 340 out",
    ]


def test_run_and_failure_lines():
    lines = logged(
        [
            *scripted_run(),
            Event(EventKind.TIMED_OUT, "editor", 9.0, error="deadline passed"),
            Event(EventKind.RUN_FINISHED, None, 9.5, data={"status": "partial"}),
        ]
    )
    assert lines[0] == (
        "[  0.00s] run                  started   "
        "parallel · provider fake · model fake-1 · max parallel 4 · 4 agents"
    )
    assert "[  1.00s] section_writer       expanded  into 3 instances" in lines
    assert "[  1.50s] section_writer[2]    failed    after 0.50s: HTTP 500 from provider" in lines
    assert "[  1.50s] fact_checker         skipped   (section_writer[2] failed)" in lines
    assert "[  0.00s] outline_planner      queued" in lines
    assert "[  9.00s] editor               timed out deadline passed" in lines
    assert lines[-1] == "[  9.50s] run                  finished  status partial"
    assert len(lines) == len(scripted_run()) + 2


def test_no_escape_codes_or_extra_lines_even_from_hostile_errors():
    error = "\x1b[31mboom\x1b[0m\nsecond line\rthird"
    lines = logged([Event(EventKind.FAILED, "agent\x1b[2J", 1.0, error=error)])
    assert len(lines) == 1
    assert "\x1b" not in lines[0] and "\r" not in lines[0]
    assert "boom" in lines[0] and "second line" in lines[0]


def test_clean_text_cuts_long_text():
    assert clean_text("x" * 500, 20) == "x" * 19 + "…"
    assert clean_text("a\n\tb") == "a b"


def test_lines_from_many_threads_never_interleave():
    stream = io.StringIO()
    log = PlainLog(stream)

    def worker(n: int) -> None:
        for i in range(100):
            log(Event(EventKind.STARTED, f"agent_{n}_{i}", 0.5, attempt=1, max_attempts=2))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 800
    assert all(
        line.startswith("[  0.50s] agent_") and line.endswith("attempt 1/2") for line in lines
    )
