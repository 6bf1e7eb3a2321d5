"""The terminal UI, all on stderr: live agent table, plain log, run summary, batch progress."""

from __future__ import annotations

from ucop.ui.live import LiveTable
from ucop.ui.plain import PlainLog
from ucop.ui.progress import Progress, QuietProgress, make_progress
from ucop.ui.summary import render_ab_table, render_summary

__all__ = [
    "LiveTable",
    "PlainLog",
    "Progress",
    "QuietProgress",
    "make_progress",
    "render_ab_table",
    "render_summary",
]
