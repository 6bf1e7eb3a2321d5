from __future__ import annotations

import io

import pytest
from rich.console import Console

from tests.ui.helpers import FakeClock, make_console, scripted_run
from ucop.errors import UsageError
from ucop.ui.live import LiveTable
from ucop.ui.plain import PlainLog
from ucop.ui.progress import QuietProgress, make_progress


def terminal_console() -> Console:
    return Console(file=io.StringIO(), width=100, height=30, force_terminal=True)


def test_auto_is_live_on_a_terminal_and_plain_otherwise():
    assert isinstance(make_progress(terminal_console(), clock=FakeClock()), LiveTable)
    assert isinstance(make_progress(make_console(), clock=FakeClock()), PlainLog)


def test_explicit_modes_win_over_the_terminal_check():
    assert isinstance(make_progress(make_console(), mode="live", clock=FakeClock()), LiveTable)
    plain = make_progress(terminal_console(), mode="plain", clock=FakeClock())
    assert isinstance(plain, PlainLog)
    assert isinstance(make_progress(make_console(), mode="quiet", clock=FakeClock()), QuietProgress)


def test_plain_mode_writes_lines_without_escape_codes_even_on_a_terminal():
    console = terminal_console()
    with make_progress(console, mode="plain", clock=FakeClock()) as progress:
        for event in scripted_run():
            progress(event)
    output = console.file.getvalue()
    assert len(output.splitlines()) == len(scripted_run())
    assert "\x1b" not in output


def test_quiet_mode_writes_nothing():
    console = make_console()
    with make_progress(console, mode="quiet", clock=FakeClock()) as progress:
        for event in scripted_run():
            progress(event)
    assert console.file.getvalue() == ""


def test_unknown_mode_is_a_clear_error():
    with pytest.raises(UsageError, match="use one of auto, live, plain, quiet"):
        make_progress(make_console(), mode="fancy", clock=FakeClock())


def test_auto_is_the_plain_log_on_a_dumb_terminal():
    dumb = Console(file=io.StringIO(), width=100, force_terminal=True, _environ={"TERM": "dumb"})
    assert dumb.is_terminal
    assert isinstance(make_progress(dumb, clock=FakeClock()), PlainLog)
